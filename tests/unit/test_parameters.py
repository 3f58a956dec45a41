"""idp.oauth.parameters: request parameters as RFC 6749 §3.1 and §3.2 read them, and the
checks every value gets where it arrives: no control characters, no value longer than
storage holds."""

from __future__ import annotations

import pytest

from idp.errors import InvalidRequestError
from idp.oauth.parameters import (
    MAX_PARAMETER_LENGTH,
    PARAMETER_LIMITS,
    check_not_repeated,
    check_parameter,
    first_values,
    require,
    single_valued,
)

CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f"]

# --- first_values (RFC 6749 §3.1) ---


def test_parameters_are_read_by_name():
    params, repeated = first_values([("response_type", "code"), ("client_id", "c1")])
    assert params == {"response_type": "code", "client_id": "c1"}
    assert repeated == frozenset()


def test_a_parameter_without_a_value_is_omitted__rfc6749_s3_1():
    params, repeated = first_values([("state", ""), ("scope", "openid")])
    assert params == {"scope": "openid"}
    assert "state" not in params
    assert repeated == frozenset()


def test_a_value_of_spaces_is_a_value__rfc6749_s3_1():
    # Only the empty value is "without a value"; what spaces mean is each parameter's.
    params, _ = first_values([("state", " ")])
    assert params == {"state": " "}


def test_repeated_names_are_reported__rfc6749_s3_1():
    params, repeated = first_values(
        [("scope", "openid"), ("state", "a"), ("scope", "email"), ("state", "b"), ("x", "1")]
    )
    assert repeated == frozenset({"scope", "state"})
    assert params["scope"] == "openid"  # the first value, for the error's redirect
    assert params["x"] == "1"


def test_a_name_repeated_with_the_same_value_is_still_repeated__rfc6749_s3_1():
    _, repeated = first_values([("client_id", "c1"), ("client_id", "c1")])
    assert repeated == frozenset({"client_id"})


@pytest.mark.parametrize("name", ["resource", "audience"])
def test_resource_and_audience_may_repeat_and_are_joined__rfc8707_s2__rfc8693_s2_1(name):
    params, repeated = first_values(
        [(name, "https://a.example"), ("scope", "x"), (name, "https://b.example")]
    )
    assert params[name] == "https://a.example https://b.example"
    assert repeated == frozenset()


@pytest.mark.parametrize("name", ["resource", "audience"])
def test_a_blank_repeat_of_resource_or_audience_is_omitted__rfc6749_s3_1__rfc8707_s2(name):
    # A parameter sent without a value is treated as omitted (RFC 6749 §3.1), and these
    # two may be sent more than once (RFC 8707 §2, RFC 8693 §2.1): a blank one among them
    # is neither a value nor a repetition.
    for pairs in (
        [(name, "https://a.example"), (name, "")],
        [(name, ""), (name, "https://a.example")],
    ):
        params, repeated = first_values(pairs)
        assert params == {name: "https://a.example"}, pairs
        assert repeated == frozenset(), pairs


def test_single_valued_refuses_repeats__rfc6749_s3_1():
    with pytest.raises(InvalidRequestError) as raised:
        single_valued([("scope", "a"), ("state", "1"), ("scope", "b"), ("state", "2")])
    assert "scope, state" in raised.value.description


def test_check_not_repeated_passes_when_nothing_is():
    check_not_repeated(frozenset())


def test_require_names_the_missing_parameter():
    assert require({"code": "abc"}, "code") == "abc"
    with pytest.raises(InvalidRequestError) as raised:
        require({}, "code")
    assert "'code'" in raised.value.description


def test_first_values_checks_every_pair():
    with pytest.raises(InvalidRequestError):
        first_values([("scope", "openid"), ("nonce", "n\x00")])


# --- control characters ---


@pytest.mark.parametrize("control", CONTROLS, ids=[f"{ord(c):#04x}" for c in CONTROLS])
def test_every_control_character_in_a_value_is_refused(control):
    # NUL cannot even be stored by PostgreSQL; no protocol value has a control character.
    for value in (control, f"abc{control}", f"{control}abc", f"a{control}b"):
        with pytest.raises(InvalidRequestError):
            check_parameter("state", value)


@pytest.mark.parametrize("control", CONTROLS, ids=[f"{ord(c):#04x}" for c in CONTROLS])
def test_every_control_character_in_a_name_is_refused(control):
    with pytest.raises(InvalidRequestError):
        check_parameter(f"sta{control}te", "value")
    with pytest.raises(InvalidRequestError):
        first_values([(control, "")])  # even with no value


@pytest.mark.parametrize(
    "value",
    [" ", "~", "\u00a0", "\u00e9", "\u2028", "\U0001f600", "\x80", "\x9f"],
    ids=["space", "tilde", "nbsp", "e-acute", "line-separator", "emoji", "c1-first", "c1-last"],
)
def test_other_characters_are_left_to_each_parameter_s_own_rules(value):
    check_parameter("state", f"a{value}b")


def test_the_error_names_the_parameter_but_not_the_value():
    with pytest.raises(InvalidRequestError) as raised:
        check_parameter("nonce", "secret\x00value")
    assert "'nonce'" in raised.value.description
    assert "secret" not in raised.value.description


# --- lengths: what storage holds ---


@pytest.mark.parametrize(("name", "limit"), sorted(PARAMETER_LIMITS.items()))
def test_each_limited_parameter_is_accepted_at_its_limit_and_refused_beyond(name, limit):
    check_parameter(name, "a" * limit)
    with pytest.raises(InvalidRequestError) as raised:
        check_parameter(name, "a" * (limit + 1))
    assert str(limit) in raised.value.description


@pytest.mark.parametrize(("name", "limit"), sorted(PARAMETER_LIMITS.items()))
def test_the_limits_are_below_the_general_maximum(name, limit):
    assert limit <= MAX_PARAMETER_LENGTH


@pytest.mark.parametrize("name", ["code", "code_verifier", "grant_type", "refresh_token", "x"])
def test_other_parameters_are_bounded_by_the_general_maximum(name):
    assert name not in PARAMETER_LIMITS
    check_parameter(name, "a" * MAX_PARAMETER_LENGTH)
    with pytest.raises(InvalidRequestError):
        check_parameter(name, "a" * (MAX_PARAMETER_LENGTH + 1))


def test_length_counts_characters_not_bytes():
    check_parameter("nonce", "\u00e9" * PARAMETER_LIMITS["nonce"])


@pytest.mark.parametrize("name", ["resource", "audience"])
def test_each_resource_or_audience_is_bounded_on_its_own(name):
    limit = PARAMETER_LIMITS[name]
    params, _ = first_values([(name, "a" * limit), (name, "b" * limit)])
    assert len(params[name]) == 2 * limit + 1
    with pytest.raises(InvalidRequestError):
        first_values([(name, "a" * limit), (name, "b" * (limit + 1))])
