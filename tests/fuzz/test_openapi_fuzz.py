"""Every endpoint answers as openapi/openapi.json says it does: a bounded schemathesis
run (positive and negative cases, every check) against a live server on SQLite and on
PostgreSQL. Each request that needs credentials is sent with valid ones and again with
each spoiled kind, and every answer is checked against the document.

Reproduce a failure with the curl command schemathesis prints (it masks Authorization:
that is the registered client's Basic credentials, the UserInfo access token, or the
decision API's client-credentials token). The run is derandomized (seed in conftest):
the same code and document generate the same cases."""

from __future__ import annotations

import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis import Case

from tests.fuzz.credentials import (
    BEARER_PROTECTED,
    CLIENT_AUTHENTICATED,
    DECISION_API,
    Credentials,
)

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_responses_match_the_document(case: Case, credentials: Credentials) -> None:
    response = case.call_and_validate()
    if not to_an_authenticated_operation(case):
        return
    if (case.headers or {}).get("Authorization") == credentials.valid(case.path):
        assert response.status_code != 401, "the registered credentials were refused"
    for problem, authorization in credentials.spoiled(case.path).items():
        spoiled = case.derive(headers=without_authorization(case))
        if authorization is not None:
            spoiled.headers["Authorization"] = authorization
        refused = spoiled.call_and_validate()
        # RFC 6749 §5.2, RFC 6750 §3.1: 401, or 400 (413) when the request is wrong anyway.
        assert 400 <= refused.status_code < 500, f"{problem} credentials were accepted"


def to_an_authenticated_operation(case: Case) -> bool:
    """Sent to an operation that reads credentials (and not with another method, to see
    that it is refused)."""
    authenticated = case.path in (*CLIENT_AUTHENTICATED, *BEARER_PROTECTED, *DECISION_API)
    return authenticated and case.method.upper() == case.operation.method.upper()


def without_authorization(case: Case) -> CaseInsensitiveDict[str]:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(case.headers or {})
    headers.pop("Authorization", None)
    return headers
