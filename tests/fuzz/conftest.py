"""The committed OpenAPI document, loaded by schemathesis against a live Tessera server
(SQLite and PostgreSQL), with a registered confidential client, its tokens and the
protocol's own values, so that generated requests get past client authentication and
into the grants, as well as fail them."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis import AuthContext, Case, GenerationMode
from schemathesis.schemas import BaseSchema

from idp.oauth.clients import GrantType
from tests.fuzz.credentials import (
    ADMIN_API,
    BEARER_PROTECTED,
    CLIENT_AUTHENTICATED,
    DECISION_API,
    RESOURCE,
    Credentials,
    issue_credentials,
)
from tests.support.flows import REDIRECT_URI
from tests.support.server import RunningIdp

DOCUMENT = Path(__file__).parents[2] / "openapi" / "openapi.json"
SEED = 6749
# Per operation (POST /token: three times as many), fuzzing draws up to this many cases,
# and the coverage phase adds every boundary case the document defines (it has no bound
# of its own): about 3,500 per backend, each sent to an authenticated operation again
# with four spoiled credentials. About 70 s a backend.
MAX_EXAMPLES = 8
# Methods an operation does not define, sent by the coverage phase to every path (405,
# RFC 9110 §15.5.6): two that no operation uses stand for the rest, which Starlette's
# router answers the same way.
UNEXPECTED_METHODS = ["patch", "trace"]

# The other client authentication methods (RFC 6749 §2.3.1, RFC 7523 §2.2): sent
# besides Basic, they make the request invalid for using two.
OTHER_CLIENT_AUTH = ("client_secret", "client_assertion", "client_assertion_type")
MAX_RESPONSE_TIME = 5.0  # seconds; generous for two loaded cores

# The sign-in and logout pages: a sealed interaction or an id_token_hint the fuzzer makes
# up is not ours (400), a form without this browser's CSRF token is forbidden (403).
PAGES = [
    "/device",
    "/interaction/{sealed}",
    "/interaction/{sealed}/login",
    "/interaction/{sealed}/consent",
    "/logout",
    "/logout/confirm",
    "/account/sessions",
    "/account/sessions/end",
    # Passkeys: without the options' cookie there is no ceremony (400); the account's
    # JSON endpoints need a session (401); its forms a CSRF token (403).
    "/interaction/{sealed}/passkey/options",
    "/interaction/{sealed}/passkey",
    "/interaction/{sealed}/second-factor/passkey/options",
    "/interaction/{sealed}/second-factor/passkey",
    "/account/passkeys",
    "/account/passkeys/confirm",
    "/account/passkeys/options",
    "/account/passkeys/rename",
    "/account/passkeys/remove",
    "/account",
    "/account/session",
    "/account/session/extend",
    "/account/devices",
    "/account/devices/forget",
    "/account/mfa/totp",
    "/account/mfa/totp/remove",
    # Mailed links (a token the fuzzer makes up is not ours: 400) and the new password
    # forms (without this browser's CSRF token: 403).
    "/password-reset",
    "/password-reset/confirm",
    "/account/password",
    "/interaction/{sealed}/magic-link",
    "/sign-in-link",
]
# The decision API: a body can match the document (which cannot say that Cedar has no
# floats, or which attributes an application declares) and still be refused (400).
OAUTH_ENDPOINTS = ["/authorize", *CLIENT_AUTHENTICATED, *BEARER_PROTECTED, *PAGES, *DECISION_API]
# A request can match the document and still be wrong for the server's state (a code
# that was never issued, a scope the client lacks, an unknown client_id): RFC 6749 §5.2
# answers it 400. And no document can say that the form as a whole is limited to
# IDP_MAX_BODY_BYTES, which the server answers 413 (RFC 9110 §15.5.14). These are
# schemathesis's defaults for positive_data_acceptance plus 400 and 413.
POSITIVE_MAY_GET = ["2xx", "3xx", "400", "401", "403", "404", "409", "413", "429", "5xx"]
# Any client error rejects a request that violates the document (schemathesis's default
# list leaves out 413).
NEGATIVE_MAY_GET = ["4xx", "5xx"]
# The admin API: a document-valid request can still name what does not exist (404),
# conflict with what does (409), carry a value the model refuses (400: a permission not
# of the form resource:action), lack or fail its precondition (428, 412), or hold
# policies that do not validate (422).
ADMIN_POSITIVE_MAY_GET = ["2xx", "400", "401", "403", "404", "409", "412", "413", "422", "428"]
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"


@pytest.fixture(scope="module")
def credentials(idp_on_each_backend: RunningIdp) -> Credentials:
    return issue_credentials(idp_on_each_backend)


def protocol_values(credentials: Credentials) -> dict[str, list[str]]:
    """What schemathesis draws from, besides generated strings, for parameters the
    document types as plain strings: the registered client's values and the specs'."""
    tokens = [credentials.access_token, credentials.refresh_token, credentials.service_token]
    return {
        "client_id": [credentials.client_id],
        "redirect_uri": [REDIRECT_URI],
        "resource": [RESOURCE],
        "audience": [RESOURCE],
        "scope": ["openid", "openid profile email", "offline_access openid"],
        # client_credentials first: Hypothesis starts from the first entry, and that grant
        # needs nothing but the client's credentials.
        "grant_type": sorted(
            GrantType, key=lambda grant: grant is not GrantType.CLIENT_CREDENTIALS
        ),
        "response_type": ["code"],  # RFC 6749 §3.1.1
        "code_challenge": [credentials.code_challenge],
        "code_challenge_method": ["S256"],  # RFC 7636 §4.3
        "prompt": ["none", "login", "consent"],  # OIDC Core §3.1.2.1
        "max_age": ["0", "3600"],
        "token": tokens,
        "token_type_hint": ["access_token", "refresh_token"],  # RFC 7009 §2.1
        "refresh_token": [credentials.refresh_token],
        "device_code": [credentials.device_code],
        "subject_token": tokens,
        "actor_token": [credentials.service_token],
        "subject_token_type": [ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE],
        "actor_token_type": [ACCESS_TOKEN_TYPE],
        "requested_token_type": [ACCESS_TOKEN_TYPE],
    }


@pytest.fixture(scope="module")
def api_schema(idp_on_each_backend: RunningIdp, credentials: Credentials) -> BaseSchema:
    values = protocol_values(credentials)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": idp_on_each_backend.base_url,
            # Redirects go to the client (https://app.example): never followed.
            "max-redirects": 0,
            "generation": {
                "mode": "all",  # positive and negative
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True, "unexpected-methods": UNEXPECTED_METHODS},
                "fuzzing": {"enabled": True},
            },
            # Every check schemathesis has, max_response_time included.
            "checks": {"enabled": True, "max_response_time": MAX_RESPONSE_TIME},
            "operations": [
                # Five grants behind one operation: give it more cases than the others.
                {"include-path": "/token", "generation": {"max-examples": 3 * MAX_EXAMPLES}},
                {
                    "include-path-regex": ADMIN_API,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ADMIN_POSITIVE_MAY_GET},
                        "negative_data_rejection": {"expected-statuses": NEGATIVE_MAY_GET},
                    },
                },
                {
                    "include-path": OAUTH_ENDPOINTS,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": POSITIVE_MAY_GET},
                        "negative_data_rejection": {"expected-statuses": NEGATIVE_MAY_GET},
                    },
                },
            ],
            "dictionaries": {name: {"values": entries} for name, entries in values.items()},
            "parameters": {
                f"{location}.{name}": {"dictionary": name, "probability": 0.7}
                for name in values
                for location in ("query", "body")
            },
        }
    )
    schema = schemathesis.openapi.from_path(DOCUMENT, config=config)
    install_credentials(schema, credentials)
    return schema


def install_credentials(schema: BaseSchema, credentials: Credentials) -> None:
    """Every generated request presents valid credentials (the test sends spoiled ones
    too); schema-valid ones also leave out the other ways of presenting them, which
    would make the request invalid for using two (RFC 6749 §2.3, RFC 6750 §2)."""

    @schema.auth(refresh_interval=None).apply_to(path=CLIENT_AUTHENTICATED)
    class ClientSecretBasic:
        def get(self, case: Case, ctx: AuthContext) -> str:
            return credentials.basic()

        def set(self, case: Case, data: str, ctx: AuthContext) -> None:
            case.headers = CaseInsensitiveDict({**(case.headers or {}), "Authorization": data})
            if is_positive(case) and isinstance(case.body, dict):
                for name in OTHER_CLIENT_AUTH:
                    case.body.pop(name, None)

    @schema.auth(refresh_interval=None).apply_to(path=DECISION_API)
    class EvaluatorToken:
        def get(self, case: Case, ctx: AuthContext) -> str:
            return credentials.evaluator()

        def set(self, case: Case, data: str, ctx: AuthContext) -> None:
            case.headers = CaseInsensitiveDict({**(case.headers or {}), "Authorization": data})

    @schema.auth(refresh_interval=None).apply_to(path_regex=ADMIN_API)
    class AdminToken:
        def get(self, case: Case, ctx: AuthContext) -> str:
            return credentials.admin()

        def set(self, case: Case, data: str, ctx: AuthContext) -> None:
            case.headers = CaseInsensitiveDict({**(case.headers or {}), "Authorization": data})

    @schema.auth(refresh_interval=None).apply_to(path=BEARER_PROTECTED)
    class BearerToken:
        def get(self, case: Case, ctx: AuthContext) -> str:
            return credentials.bearer()

        def set(self, case: Case, data: str, ctx: AuthContext) -> None:
            case.headers = CaseInsensitiveDict({**(case.headers or {}), "Authorization": data})
            if is_positive(case) and isinstance(case.body, dict):
                case.body.pop("access_token", None)  # RFC 6750 §2: one method only


def is_positive(case: Case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode is GenerationMode.POSITIVE


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32.5 (pytest/lazy.py) reads and rewrites item._nodeid, which
    # pytest 9.2 replaced with item._id; give it the attribute it expects.
    request.node._nodeid = request.node.nodeid
