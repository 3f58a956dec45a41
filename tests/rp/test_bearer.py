"""The bearer header and the challenge, as text (RFC 6750 §2.1, §3; RFC 9470 §3)."""

from __future__ import annotations

import pytest

from idp.rp.bearer import Requirement, bearer_token, refusal
from idp.rp.errors import (
    AuthenticationTooOld,
    InsufficientScope,
    InvalidRequest,
    MissingToken,
    TokenError,
)


@pytest.mark.parametrize(
    ("field", "token"),
    [("Bearer abc", "abc"), ("BEARER a-b.c_d~e+f/g==", "a-b.c_d~e+f/g=="), ("Bearer   abc", "abc")],
)
def test_the_token_is_the_b64token_after_the_scheme__rfc6750_s2_1(field, token):
    assert bearer_token([field]) == token


@pytest.mark.parametrize("field", ["Bearer a=b", "Bearer =", "Bearer a,b", "Bearer a b"])
def test_what_is_not_a_b64token_is_invalid_request__rfc6750_s2_1(field):
    with pytest.raises(InvalidRequest):
        bearer_token([field])


def test_another_scheme_is_no_bearer_token__rfc6750_s3_1():
    with pytest.raises(MissingToken):
        bearer_token(["Bearertoken"])


def test_no_field_is_a_missing_token():
    with pytest.raises(MissingToken):
        bearer_token([])


def test_a_description_holds_only_what_a_quoted_string_may__rfc6750_s3():
    refused = refusal(TokenError('bad "token" \\ \u00e9'), Requirement(), realm="api")
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="bad ?token? ? ?"'
    )


def test_insufficient_scope_names_the_scopes_needed__rfc6750_s3():
    refused = refusal(InsufficientScope("x"), Requirement.of(scopes="b a"))
    assert refused.status == 403
    assert refused.headers["WWW-Authenticate"].endswith(', scope="a b"')


def test_the_step_up_challenge_names_acr_values_and_max_age__rfc9470_s3():
    requirement = Requirement.of(acr_values="urn:a urn:b", max_age=60)
    refused = refusal(AuthenticationTooOld("x"), requirement)
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_user_authentication", error_description="x", '
        'acr_values="urn:a urn:b", max_age="60"'
    )
