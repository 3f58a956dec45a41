"""Every value a request can put in a stored column is bounded, where it arrives, by what
that column holds (idp.oauth.parameters.PARAMETER_LIMITS): a value at the limit goes all
the way through the flow, one character more is invalid_request (RFC 6749 §4.1.2.1,
§5.2) before anything is stored, so no step after it can fail on storage.

The first tests walk every string column of the schema: each one is classified, so a new
column fails here until someone says where its values come from and how they are
bounded."""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import get_default_algorithms
from sqlalchemy import String, create_engine, inspect

from idp.authn import passkeys
from idp.authz import model as authz
from idp.authz import policy_store
from idp.oauth.clients import Client
from idp.oauth.parameters import MAX_PARAMETER_LENGTH, PARAMETER_LIMITS
from idp.sessions.sso import MAX_USER_AGENT
from idp.ssf import streams
from idp.store.models import Base
from tests.spec.input_bounds.inputs import (
    assert_error_page,
    assert_json_error,
    assert_no_server_error,
    table_row_counts,
)
from tests.support.assertions import verify_access_token, verify_jwt
from tests.support.client_requests import post_form, redeem
from tests.support.flows import (
    PASSWORD,
    Browser,
    code_flow,
    create_user,
    csrf_token,
    pkce_pair,
    query_of,
    register,
)
from tests.support.pages import login_form
from tests.support.server import RunningIdp

# Columns that hold what a request sends, and the request value that fills them.
REQUEST_VALUES = {
    "users.username": "username",  # the login form looks users up by it
    "clients.client_id": "client_id",  # every request names its client by it
    "authorization_codes.client_id": "client_id",
    "authorization_codes.redirect_uri": "redirect_uri",
    "authorization_codes.scope": "scope",
    "authorization_codes.nonce": "nonce",
    "authorization_codes.code_challenge": "code_challenge",
    "consents.client_id": "client_id",
    "consents.scope": "scope",
    "refresh_tokens.client_id": "client_id",
    "refresh_tokens.scope": "scope",
    "device_authorizations.client_id": "client_id",
    "device_authorizations.scope": "scope",
    "pushed_requests.client_id": "client_id",
    "client_assertions.client_id": "client_id",
    # RFC 7523 §3: the jti claim of a private_key_jwt assertion, kept to refuse reuse.
    "client_assertions.jti": "jti",
    "security_events.client_id": "client_id",
}
# Columns an operator fills (idp users create, idp clients create), never a request.
ADMINISTERED = {
    "users.email": "idp users create --email",
    "users.name": "idp users create --name",
    "users.given_name": "idp users create --given-name",
    "users.family_name": "idp users create --family-name",
    "clients.name": "idp clients create --name",
    "clients.scope": "idp clients create --scope",
    "clients.backchannel_logout_uri": "idp clients create --backchannel-logout-uri (2048)",
    "clients.frontchannel_logout_uri": "idp clients create --frontchannel-logout-uri (2048)",
    "suspensions.reason": "idp users|clients suspend --reason (255)",
    # idp policies publish, and the admin API (Text: MAX_POLICY_CHARS, checked at compile)
    "policy_sources.text": "a policy's text, at most idp.authz.policies.MAX_POLICY_CHARS",
}
# Columns filled from other requests (the passkey pages' JSON, the account pages) and
# from the CLI's role and group commands, each bounded where it is read: the bound, and
# where it is.
BOUNDED_WHERE_READ = {
    "passkeys.name": (passkeys.MAX_NAME_LENGTH, "idp.authn.passkeys.MAX_NAME_LENGTH"),
    # WebAuthn L3 §5.1.3: at most 1023 bytes, stored base64url without padding.
    "passkeys.credential_id": (
        math.ceil(passkeys.MAX_CREDENTIAL_ID_BYTES * 4 / 3),
        "idp.authn.passkeys.MAX_CREDENTIAL_ID_BYTES",
    ),
    "remembered_devices.user_agent": (MAX_USER_AGENT, "idp.sessions.sso.MAX_USER_AGENT"),
    **{
        column: (authz.MAX_NAME, "idp.authz.model.MAX_NAME")
        for column in (
            "authz_groups.name",
            "group_members.group_name",
            "group_parents.group_name",
            "group_parents.parent",
            "group_roles.group_name",
            "roles.name",
            "user_attributes.name",
        )
    },
    **{
        column: (authz.MAX_ROLE_REF, "idp.authz.model.MAX_ROLE_REF")
        for column in (
            "roles.ref",
            "role_composites.role",
            "role_composites.includes",
            "role_permissions.role",
            "group_roles.role",
            "user_roles.role",
        )
    },
    "roles.client_id": (authz.MAX_NAME, "a client id of ours (idp.authz.model.MAX_NAME)"),
    "roles.description": (authz.MAX_DESCRIPTION, "idp.authz.model.MAX_DESCRIPTION"),
    "authz_groups.description": (authz.MAX_DESCRIPTION, "idp.authz.model.MAX_DESCRIPTION"),
    "role_permissions.permission": (authz.MAX_PERMISSION, "idp.authz.model.MAX_PERMISSION"),
    # What a change names: a role, group, user or client reference, at most a role ref.
    "authz_changes.target": (authz.MAX_ROLE_REF, "idp.authz.model.MAX_ROLE_REF"),
    # A published policy version (idp.authz.policy_store), checked before it is stored.
    "policy_sources.policy_id": (128, "idp.authz.policies.POLICY_ID (1 to 128 characters)"),
    "policy_versions.comment": (policy_store.MAX_COMMENT, "idp.authz.policy_store.MAX_COMMENT"),
    "policy_versions.actor": (policy_store.MAX_ACTOR, "idp.authz.policy_store.MAX_ACTOR"),
}
# Columns filled from the JSON bodies of Shared Signals stream management, each bounded
# where the body is read (idp.ssf.streams) to no more than its column holds.
SSF_REQUEST_VALUES = {
    "streams.endpoint_url": ("MAX_URL", 2048),
    "streams.authorization_header": ("MAX_AUTHORIZATION_HEADER", 4096),  # sealed: longer
    "streams.description": ("MAX_TEXT", 255),
    "streams.status_reason": ("MAX_TEXT", 255),
}
# Columns whose values the server makes: ids, digests, sids, enum-like names.
SERVER_GENERATED = {
    "authorization_codes.acr": "one of ACR_VALUES_SUPPORTED (idp.authn.mfa_policy)",
    "authz_changes.action": "the name of a management step (idp.authz.management)",
    "authz_changes.actor": "operator, or user:<uuid4> / client:<client id>",
    "group_members.user_id": "uuid4",
    "passkeys.user_id": "uuid4",
    "passkeys.aaguid": "a UUID, from the authenticator data (16 bytes)",
    "remembered_devices.user_id": "uuid4",
    "remembered_devices.device_digest": "SHA-256 digest",
    "user_attributes.user_id": "uuid4",
    "user_attributes.kind": "AttributeType",
    "user_roles.user_id": "uuid4",
    "webauthn_challenges.challenge_digest": "SHA-256 digest",
    "cache_versions.name": "a cache's name (idp.store.cache_versions)",
    "policy_versions.digest": "SHA-256 digest (idp.authz.policies.PolicySet.digest)",
    "clients.secret_digest": "SHA-256 digest",
    "clients.token_endpoint_auth_method": "AuthMethod",
    "clients.id_token_signed_response_alg": "Algorithm",
    "revocations.kind": "RevocationKind",
    "revocations.value": "a jti, sid, user id or client id of ours",
    "revocations.reason": "Reason",
    "revocations.actor": "system, operator, user:<uuid4> or client:<client id>",
    "security_events.event_type": "SecurityEventType",
    "security_events.subject": "a user id or client id of ours",
    "security_events.sid": "session id",
    "signing_keys.kid": "RFC 7638 thumbprint",
    "signing_keys.alg": "Algorithm",
    "users.id": "uuid4",
    "users.password_hash": "argon2id hash",
    "authorization_codes.code_digest": "SHA-256 digest",
    "authorization_codes.user_id": "uuid4",
    "authorization_codes.sid": "session id",
    "authorization_codes.access_token_jti": "jti we minted",
    "authorization_codes.refresh_family_id": "random id",
    "consents.user_id": "uuid4",
    "device_authorizations.device_code_digest": "SHA-256 digest",
    "device_authorizations.user_code": "generated user code (typed ones are only looked up)",
    "device_authorizations.status": "DeviceStatus",
    "device_authorizations.user_id": "uuid4",
    "device_authorizations.sid": "session id",
    "pushed_requests.request_uri_digest": "SHA-256 digest",
    "refresh_tokens.token_digest": "SHA-256 digest",
    "refresh_tokens.family_id": "random id",
    "refresh_tokens.user_id": "uuid4",
    "refresh_tokens.sid": "session id",
    "refresh_tokens.access_token_jti": "jti we minted",
    "refresh_tokens.acr": "AuthenticationMethod.acr",
    "totp_credentials.user_id": "uuid4",
    "recovery_codes.user_id": "uuid4",
    "recovery_codes.code_digest": "HMAC-SHA-256 digest (idp.authn.recovery_codes)",
    "sso_sessions.id_digest": "SHA-256 digest",
    "sso_sessions.sid": "random id",
    "sso_sessions.user_id": "uuid4",
    "sso_sessions.acr": "AuthenticationMethod.acr",
    # The User-Agent header and the peer address, cut to the column (sessions.sso.Device).
    "sso_sessions.user_agent": "User-Agent, printable characters, at most 255",
    "sso_sessions.address": "the peer's IP address, at most 64",
    "session_parties.sid": "session id",
    "session_parties.client_id": "a client id of ours",
    "deliveries.kind": "an outbox kind (idp.oidc.backchannel_logout.KIND)",
    "deliveries.client_id": "a client id of ours, or '-' for mail (idp.mail.delivery)",
    "deliveries.target": "a client's registered logout URI (2048), or a user's email (320)",
    "mail_links.token_digest": "SHA-256 digest",
    "mail_links.purpose": "LinkPurpose",
    "mail_links.user_id": "uuid4",
    "mail_links.browser_digest": "SHA-256 digest",
    "mail_links.interaction": "a sealed interaction we made (Text)",
    "deliveries.last_error": "cut to 500 characters (idp.outbox.worker)",
    "status_blocks.holder": "a node's random id (idp.revocation.status_indexes)",
    "suspensions.kind": "SuspendedKind",
    "suspensions.value": "a user id or client id of ours",
    "suspensions.actor": "operator (idp.revocation.events)",
    "security_events.stream_id": "a stream id we made",
    "streams.stream_id": "random id",
    "stream_acks.stream_id": "a stream id we made",
    "streams.client_id": "the client id of the caller's access token",
    "streams.method": "DeliveryMethod",
    "streams.status": "StreamStatus",
}
CLASSIFIED = {
    **REQUEST_VALUES,
    **ADMINISTERED,
    **SERVER_GENERATED,
    **SSF_REQUEST_VALUES,
    **BOUNDED_WHERE_READ,
}


def string_columns() -> dict[str, int | None]:
    return {
        f"{table.name}.{column.name}": column.type.length
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String)
    }


def limit_of(name: str) -> int:
    """What idp.oauth.parameters.check_parameter lets through for a parameter."""
    return PARAMETER_LIMITS.get(name, MAX_PARAMETER_LENGTH)


# --- the schema walk ---------------------------------------------------------------------


def test_every_string_column_is_classified():
    unclassified = sorted(set(string_columns()) - set(CLASSIFIED))
    assert not unclassified, f"say where the values of {unclassified} come from"


def test_the_classification_names_only_real_columns():
    columns = string_columns()
    assert sorted(set(CLASSIFIED) - set(columns)) == []
    overlapping = set(REQUEST_VALUES) & set(ADMINISTERED) | set(REQUEST_VALUES) & set(
        SERVER_GENERATED
    )
    assert not overlapping | set(ADMINISTERED) & set(SERVER_GENERATED)


@pytest.mark.parametrize("column", sorted(BOUNDED_WHERE_READ))
def test_a_value_bounded_where_it_is_read_fits_its_column(column):
    bound, where = BOUNDED_WHERE_READ[column]
    assert bound <= string_columns()[column], f"{where} lets through more than {column} holds"


@pytest.mark.parametrize("column", sorted(SSF_REQUEST_VALUES))
def test_a_stream_management_value_is_bounded_by_its_column(column):
    constant, length = SSF_REQUEST_VALUES[column]
    assert string_columns()[column] == length
    assert getattr(streams, constant) <= length


@pytest.mark.parametrize("column", sorted(REQUEST_VALUES))
def test_a_request_value_is_bounded_by_its_column(column):
    length = string_columns()[column]
    parameter = REQUEST_VALUES[column]
    assert length is not None, f"{column} has no length"
    assert parameter in PARAMETER_LIMITS, (
        f"{column} (VARCHAR({length})) holds {parameter!r} from requests, which "
        f"PARAMETER_LIMITS does not bound"
    )
    assert limit_of(parameter) <= length, (
        f"{parameter!r} may be {limit_of(parameter)} characters, {column} holds {length}"
    )


# --- over HTTP, on both databases --------------------------------------------------------


@pytest.fixture(scope="module")
def idp(idp_on_each_backend: RunningIdp) -> RunningIdp:
    return idp_on_each_backend


@pytest.fixture(scope="module")
def client(idp: RunningIdp) -> Client:
    return register(idp, public=True)[0]


@pytest.fixture(scope="module")
def user(idp: RunningIdp):
    return create_user(idp)


def test_the_migrated_schema_holds_the_limits(idp):
    """What the server's own database holds, not only what the models say."""
    engine = create_engine(idp.settings.database_url)
    try:
        inspector = inspect(engine)
        lengths = {
            f"{table}.{column['name']}": getattr(column["type"], "length", None)
            for table in inspector.get_table_names()
            for column in inspector.get_columns(table)
        }
    finally:
        engine.dispose()
    too_short = {
        column: lengths[column]
        for column, parameter in REQUEST_VALUES.items()
        if parameter in PARAMETER_LIMITS and (lengths[column] or 0) < limit_of(parameter)
    }
    assert too_short == {}


def of_length(length: int, prefix: str = "") -> str:
    """A unique value of exactly ``length`` characters."""
    start = prefix + uuid.uuid4().hex
    return (start + "x" * length)[:length]


def over(parameter: str) -> int:
    return PARAMETER_LIMITS[parameter] + 1


def assert_refused_page(response: httpx.Response, parameter: str) -> None:
    """The error page of an invalid_request that names the parameter."""
    assert_error_page(response, 400)
    assert "invalid_request" in response.text
    assert parameter in response.text, response.text


def authorize(idp: RunningIdp, client: Client, **params: str) -> httpx.Response:
    request = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **params,
    }
    return httpx.get(f"{idp.base_url}/authorize", params=request, timeout=10)


def tokens(idp: RunningIdp, client: Client, query: dict[str, str], verifier: str, **extra: str):
    response = redeem(idp, client, query["code"], verifier, **extra)
    assert response.status_code == 200, response.text
    return response.json()


def test_nonce_at_its_limit_comes_back_in_the_id_token__oidc_core_s3_1_2_1(idp, client, user):
    nonce = of_length(PARAMETER_LIMITS["nonce"])
    query, verifier = code_flow(idp, client, user, nonce=nonce)
    id_token = tokens(idp, client, query, verifier)["id_token"]
    claims = verify_jwt(idp, id_token, algorithm="RS256", audience=client.client_id)
    assert claims["nonce"] == nonce


def test_nonce_one_over_its_limit_is_invalid_request__rfc6749_s4_1_2_1(idp, client):
    response = authorize(idp, client, nonce=of_length(over("nonce")))
    assert_refused_page(response, "nonce")


def test_state_at_its_limit_comes_back_to_the_client__rfc6749_s4_1_2(idp, client, user):
    state = of_length(PARAMETER_LIMITS["state"])
    query, verifier = code_flow(idp, client, user, state=state)
    assert query["state"] == state
    tokens(idp, client, query, verifier)


def test_state_one_over_its_limit_is_invalid_request__rfc6749_s4_1_2_1(idp, client):
    response = authorize(idp, client, state=of_length(over("state")))
    assert_refused_page(response, "state")


def scope_of_length(length: int) -> str:
    """openid, profile, email and API scopes, exactly ``length`` characters in all."""
    values = ["openid", "profile", "email"]
    index = 0
    while len(" ".join(values)) + 10 < length:
        values.append(f"api.{index:04d}")
        index += 1
    values.append("api." + "z" * (length - len(" ".join(values)) - 5))
    scope = " ".join(values)
    assert len(scope) == length
    return scope


@pytest.fixture(scope="module")
def wide_client(idp: RunningIdp) -> Client:
    """A client registered with a scope as long as the column holds, and refresh."""
    scope = scope_of_length(PARAMETER_LIMITS["scope"])
    return register(
        idp, public=True, scope=scope, grant_types=["authorization_code", "refresh_token"]
    )[0]


def test_scope_at_its_limit_is_consented_to_and_granted__rfc6749_s3_3(idp, wide_client, user):
    scope = str(wide_client.scope)
    query, verifier = code_flow(idp, wide_client, user, scope=scope)
    body = tokens(idp, wide_client, query, verifier)
    assert sorted(body["scope"].split()) == sorted(scope.split())
    refreshed = post_form(
        idp,
        "/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": wide_client.client_id,
            "scope": scope,
        },
    )
    assert refreshed.status_code == 200, refreshed.text


def test_scope_one_over_its_limit_is_invalid_request__rfc6749_s4_1_2_1(idp, wide_client):
    scope = str(wide_client.scope).replace(" ", "  ", 1)
    assert len(scope) == over("scope")
    assert_refused_page(authorize(idp, wide_client, scope=scope), "scope")


def test_device_scope_at_its_limit_is_stored_and_one_over_refused__rfc8628_s3_1(idp):
    scope = scope_of_length(PARAMETER_LIMITS["scope"])
    device = register(
        idp,
        public=True,
        scope=scope,
        grant_types=["urn:ietf:params:oauth:grant-type:device_code"],
        redirect_uris=[],
    )[0]
    started = post_form(
        idp, "/device_authorization", {"client_id": device.client_id, "scope": scope}
    )
    assert started.status_code == 200, started.text
    too_long = scope.replace(" ", "  ", 1)
    refused = post_form(
        idp, "/device_authorization", {"client_id": device.client_id, "scope": too_long}
    )
    assert_json_error(refused, "invalid_request", 400)


def long_redirect_uri(length: int) -> str:
    base = f"https://app.example/cb/{uuid.uuid4().hex}/"
    return base + "p" * (length - len(base))


def test_redirect_uri_at_its_limit_gets_the_code_and_redeems__rfc6749_s4_1_3(idp, user):
    uri = long_redirect_uri(PARAMETER_LIMITS["redirect_uri"])
    long_client = register(idp, public=True, redirect_uris=[uri])[0]
    query, verifier = code_flow(idp, long_client, user)
    tokens(idp, long_client, query, verifier)


def test_redirect_uri_one_over_its_limit_gets_an_error_page__rfc6749_s4_1_2_1(idp):
    uri = long_redirect_uri(over("redirect_uri"))
    too_long = register(idp, public=True, redirect_uris=[uri])[0]
    assert_refused_page(authorize(idp, too_long), "redirect_uri")


def test_code_challenge_over_its_limit_is_refused_before_pkce_rules__rfc7636_s4_4_1(idp, client):
    """At the limit the value is read and the S256 rule refuses it (43 characters), with a
    redirect to the client; one more and it is not read at all."""
    at_limit = authorize(idp, client, code_challenge="a" * PARAMETER_LIMITS["code_challenge"])
    assert at_limit.status_code == 302, at_limit.text
    assert query_of(at_limit.headers["location"])["error"] == "invalid_request"
    refused = authorize(idp, client, code_challenge="a" * over("code_challenge"))
    assert_refused_page(refused, "code_challenge")


def test_login_hint_at_its_limit_fills_the_login_form__oidc_core_s3_1_2_1(idp, client, user):
    hint = of_length(PARAMETER_LIMITS["login_hint"])
    with Browser(idp) as browser:
        page = browser.follow(authorize_in(browser, client, login_hint=hint))
        assert login_form(page), page.text
        assert f'value="{hint}"' in page.text
    query, verifier = code_flow(idp, client, user, login_hint=hint)
    tokens(idp, client, query, verifier)


def test_login_hint_one_over_its_limit_is_invalid_request__rfc6749_s4_1_2_1(idp, client):
    response = authorize(idp, client, login_hint=of_length(over("login_hint")))
    assert_refused_page(response, "login_hint")


def authorize_in(browser: Browser, client: Client, **params: str) -> httpx.Response:
    request = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **params,
    }
    return browser.authorize(**request)


def test_username_and_password_at_their_limits_sign_in(idp, client):
    """OWASP ASVS 6.2.9: long passphrases are allowed, up to the bound."""
    username = of_length(PARAMETER_LIMITS["username"])
    password = of_length(PARAMETER_LIMITS["password"])
    long_user = create_user(idp, username=username, password=password)
    with Browser(idp) as browser:
        query = browser.sign_in(
            client,
            long_user,
            password=password,
            scope="openid profile",
            code_challenge=(pair := pkce_pair())[1],
            code_challenge_method="S256",
        )
    body = tokens(idp, client, query, pair[0])
    userinfo = httpx.get(
        f"{idp.base_url}/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["preferred_username"] == username


@pytest.mark.parametrize("field", ["username", "password"])
def test_login_field_one_over_its_limit_is_invalid_request(idp, client, user, field):
    with Browser(idp) as browser:
        page = browser.follow(authorize_in(browser, client))
        action = login_form(page)
        assert action, page.text
        fields = {"username": user.username, "password": PASSWORD}
        fields[field] = of_length(over(field))
        response = browser.http.post(action, data={"csrf_token": csrf_token(page.text), **fields})
        assert_refused_page(response, field)


@pytest.fixture(scope="module")
def longest_id_client(idp: RunningIdp) -> Client:
    """A client whose id is as long as the columns that hold client ids."""
    registered = register(idp, public=True, grant_types=["authorization_code", "refresh_token"])[0]
    client = replace(registered, client_id=of_length(PARAMETER_LIMITS["client_id"]))
    with idp.provider.store() as store:
        store.create_client(client, idp.clock.now())
    return client


def test_client_id_at_its_limit_goes_through_consent_code_and_refresh(idp, longest_id_client, user):
    client = longest_id_client
    query, verifier = code_flow(idp, client, user, scope="openid offline_access")
    body = tokens(idp, client, query, verifier)
    claims = verify_access_token(idp, body["access_token"])
    assert claims["client_id"] == client.client_id
    refreshed = post_form(
        idp,
        "/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": client.client_id,
        },
    )
    assert refreshed.status_code == 200, refreshed.text


def test_client_id_one_over_its_limit_is_invalid_request__rfc6749_s2_2(idp, client):
    too_long = replace(client, client_id=of_length(over("client_id")))
    assert_refused_page(authorize(idp, too_long), "client_id")
    response = post_form(
        idp, "/token", {"grant_type": "client_credentials", "client_id": too_long.client_id}
    )
    body = assert_json_error(response, "invalid_request", 400)
    assert "client_id" in body["error_description"]


def test_resource_at_its_limit_becomes_the_audience__rfc8707_s2(idp, user):
    resource = long_redirect_uri(PARAMETER_LIMITS["resource"]).replace("app.example/cb", "api")
    api_client = register(idp, public=True, resources=[resource])[0]
    query, verifier = code_flow(idp, api_client, user, resource=resource)
    body = tokens(idp, api_client, query, verifier)
    assert verify_access_token(idp, body["access_token"], audience=resource)["aud"] == resource


@pytest.mark.parametrize("parameter", sorted(PARAMETER_LIMITS))
@pytest.mark.parametrize("endpoint", ["/token", "/par"])
def test_any_form_parameter_one_over_its_limit_is_invalid_request__rfc6749_s5_2(
    idp, client, endpoint, parameter
):
    """Before client authentication, before anything is looked up or stored."""
    before = table_row_counts(idp)
    form = {"client_id": client.client_id, parameter: of_length(over(parameter))}
    body = assert_json_error(post_form(idp, endpoint, form), "invalid_request", 400)
    assert parameter in body["error_description"]
    assert table_row_counts(idp) == before


def test_every_authorization_parameter_at_its_limit_at_once_signs_in(idp, user):
    """All of them travel in the sealed interaction URL, and in the code redirect."""
    uri = long_redirect_uri(PARAMETER_LIMITS["redirect_uri"])
    resource = long_redirect_uri(PARAMETER_LIMITS["resource"]).replace("app.example/cb", "api")
    scope = scope_of_length(PARAMETER_LIMITS["scope"])
    full = register(idp, public=True, redirect_uris=[uri], scope=scope, resources=[resource])[0]
    params = {
        "scope": scope,
        "state": of_length(PARAMETER_LIMITS["state"]),
        "nonce": of_length(PARAMETER_LIMITS["nonce"]),
        "login_hint": of_length(PARAMETER_LIMITS["login_hint"]),
        "resource": resource,
    }
    with Browser(idp) as browser:
        page = browser.follow(authorize_in(browser, full, **params))
        assert login_form(page), page.text
    query, verifier = code_flow(idp, full, user, **params)
    assert query["state"] == params["state"]
    body = tokens(idp, full, query, verifier)
    claims = verify_jwt(idp, body["id_token"], algorithm="RS256", audience=full.client_id)
    assert claims["nonce"] == params["nonce"]


# --- client assertion ids ------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwt_client(idp: RunningIdp, signing_key: Any) -> Client:
    jwk = get_default_algorithms()["ES256"].to_jwk(signing_key.public_key(), as_dict=True)
    return register(
        idp,
        auth_method="private_key_jwt",
        jwks={"keys": [{**jwk, "kid": "k1", "alg": "ES256", "use": "sig"}]},
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope="jobs:run",
    )[0]


def assertion_with_jti(idp: RunningIdp, client: Client, key: Any, jti: str) -> httpx.Response:
    now = idp.clock.now()
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": f"{idp.base_url}/token",
        "iat": now,
        "exp": now + 60,
        "jti": jti,
    }
    signed = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"})
    return post_form(
        idp,
        "/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
        },
    )


def test_assertion_jti_as_long_as_its_column_is_accepted__rfc7523_s3(idp, jwt_client, signing_key):
    response = assertion_with_jti(idp, jwt_client, signing_key, of_length(255))
    assert response.status_code == 200, response.text


def test_assertion_jti_longer_than_its_column_is_invalid_client__rfc7523_s3(
    idp, jwt_client, signing_key
):
    before = table_row_counts(idp)
    response = assertion_with_jti(idp, jwt_client, signing_key, of_length(256))
    assert_no_server_error(response)
    assert_json_error(response, "invalid_client", 401)
    assert table_row_counts(idp) == before
