"""The claims request parameter (OIDC Core §5.5): what Tessera reads of it (acr) and
what it refuses (a parameter that is not the JSON §5.5 describes)."""

from __future__ import annotations

import json

import pytest

from idp.errors import InvalidRequestError
from idp.oauth.claims_request import MAX_CLAIMS_LENGTH, AcrRequest, check_claims

MFA = "urn:tessera:acr:mfa"
PASSWORD = "urn:tessera:acr:password"


def claims(value: object) -> dict[str, str]:
    return {"claims": json.dumps(value)}


def test_no_parameter_asks_nothing() -> None:
    assert check_claims({}) is None


def test_essential_acr_values_in_the_id_token__oidc_core_s5_5_1_1() -> None:
    request = claims({"id_token": {"acr": {"essential": True, "values": [MFA, PASSWORD]}}})
    assert check_claims(request) == AcrRequest((MFA, PASSWORD), essential=True)


def test_a_single_value_counts_as_values__oidc_core_s5_5_1() -> None:
    request = claims({"userinfo": {"acr": {"essential": True, "value": MFA}}})
    assert check_claims(request) == AcrRequest((MFA,), essential=True)


def test_voluntary_acr_is_not_essential__oidc_core_s5_5_1() -> None:
    assert check_claims(claims({"id_token": {"acr": {"values": [MFA]}}})) == AcrRequest((MFA,))


def test_id_token_values_come_before_userinfo_values() -> None:
    request = claims(
        {"userinfo": {"acr": {"values": [PASSWORD]}}, "id_token": {"acr": {"values": [MFA]}}}
    )
    assert check_claims(request) == AcrRequest((MFA, PASSWORD))


@pytest.mark.parametrize(
    "value",
    [
        {"id_token": {"email": None, "acr": None}},  # acr in the default manner: no values
        {"id_token": {"acr": {"essential": True}}},
        {"userinfo": {"name": {"essential": True}}},
        {"something_else": {"acr": {"values": [MFA]}}},  # §5.5: unknown members ignored
        {},
    ],
)
def test_requests_without_acr_values_ask_nothing_of_the_sign_in(value: object) -> None:
    assert check_claims(claims(value)) is None


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        '"acr"',
        json.dumps({"id_token": []}),
        json.dumps({"id_token": {"acr": "urn:tessera:acr:mfa"}}),
        json.dumps({"id_token": {"acr": {"essential": "yes", "values": [MFA]}}}),
        json.dumps({"id_token": {"acr": {"values": MFA}}}),
        json.dumps({"id_token": {"acr": {"values": [1, 2]}}}),
        "[" * 2000 + "]" * 2000,  # deeper than the parser recurses
        json.dumps({"id_token": {"acr": {"values": ["x" * MAX_CLAIMS_LENGTH]}}}),
    ],
)
def test_malformed_claims_are_refused__oidc_core_s5_5(raw: str) -> None:
    with pytest.raises(InvalidRequestError):
        check_claims({"claims": raw})
