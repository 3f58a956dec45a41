"""idp.scope: a scope is parsed once where it arrives, printed once where it leaves, and
narrowed by one rule (RFC 6749 §3.3)."""

from __future__ import annotations

import pytest

from idp.errors import InvalidScopeError
from idp.scope import Scope

# --- parsing and printing (RFC 6749 §3.3: space-delimited, order does not matter) ---


def test_order_is_kept_as_sent__rfc6749_s3_3():
    assert Scope.parse("profile openid email").values == ("profile", "openid", "email")


def test_repeated_tokens_are_dropped_keeping_the_first__rfc6749_s3_3():
    assert Scope.parse("openid email openid profile email").values == (
        "openid",
        "email",
        "profile",
    )


@pytest.mark.parametrize("text", [None, "", " ", "   "])
def test_nothing_or_only_spaces_is_the_empty_scope(text):
    scope = Scope.parse(text)
    assert scope == Scope()
    assert not scope
    assert len(scope) == 0
    assert str(scope) == ""


def test_extra_spaces_around_and_between_tokens_are_not_tokens():
    assert Scope.parse(" openid  email ").values == ("openid", "email")


@pytest.mark.parametrize("whitespace", ["\t", "\n", "\r", "\u00a0", "\u3000"])
def test_only_the_space_character_separates_tokens__rfc6749_s3_3(whitespace):
    # scope = scope-token *( SP scope-token ): a tab (or any other whitespace) is part of
    # the token it sits in, and so makes the scope malformed rather than splitting it.
    scope = Scope.parse(f"openid{whitespace}email")
    assert scope.values == (f"openid{whitespace}email",)
    assert not scope.is_well_formed()


def test_printing_joins_with_single_spaces_in_order():
    assert str(Scope.parse("email  openid")) == "email openid"


@pytest.mark.parametrize("text", ["openid", "b a c", "orders:read openid offline_access"])
def test_parse_and_print_round_trip(text):
    scope = Scope.parse(text)
    assert str(scope) == text
    assert Scope.parse(str(scope)) == scope


def test_of_drops_empty_values_and_repeats():
    assert Scope.of(["a", "", "b", "a"]).values == ("a", "b")


def test_membership_and_iteration_follow_the_tokens():
    scope = Scope.parse("openid email")
    assert "email" in scope
    assert "profile" not in scope
    assert "openid email" not in scope  # a token, never a substring of the text
    assert list(scope) == ["openid", "email"]


# --- narrowing (RFC 6749 §3.3, §4.4.2, §6; RFC 8693 §2.1) ---


def test_nothing_requested_gives_the_whole_scope__rfc6749_s3_3():
    granted = Scope.parse("openid email")
    assert granted.narrow(None) is granted


def test_nothing_requested_gives_the_default_when_one_is_given__rfc6749_s3_3():
    default = Scope.parse("openid")
    assert Scope.parse("openid email").narrow(None, default=default) is default


def test_a_subset_is_kept_in_the_requested_order__rfc6749_s6():
    granted = Scope.parse("openid email profile")
    assert granted.narrow("profile openid").values == ("profile", "openid")


def test_the_whole_scope_may_be_requested_again__rfc6749_s6():
    granted = Scope.parse("openid email")
    assert granted.narrow("email openid") == Scope.parse("email openid")


def test_a_scope_beyond_the_granted_one_is_invalid_scope_naming_the_outsiders__rfc6749_s6():
    granted = Scope.parse("openid email")
    with pytest.raises(InvalidScopeError) as raised:
        granted.narrow("openid profile email admin")
    assert raised.value.error == "invalid_scope"
    assert "admin profile" in raised.value.description  # each outsider, sorted
    assert "openid" not in raised.value.description
    assert "email" not in raised.value.description


@pytest.mark.parametrize("requested", ["", " ", "   "])
def test_an_empty_requested_scope_is_invalid_scope__rfc6749_s3_3(requested):
    # A scope parameter that is sent must name at least one scope-token (1*scope-token);
    # narrowing to nothing is not the same as not asking.
    with pytest.raises(InvalidScopeError):
        Scope.parse("openid email").narrow(requested)


def test_repeats_in_the_requested_scope_are_dropped_when_narrowing():
    assert Scope.parse("openid email").narrow("email email").values == ("email",)


# --- the small set operations ---


def test_without_removes_the_named_tokens_and_keeps_the_order():
    scope = Scope.parse("openid offline_access email")
    assert scope.without("offline_access").values == ("openid", "email")
    assert scope.without("offline_access", "openid", "absent").values == ("email",)


def test_only_keeps_the_allowed_tokens_in_this_scope_s_order():
    scope = Scope.parse("profile openid email")
    assert scope.only(["email", "profile", "absent"]).values == ("profile", "email")
    assert scope.only([]) == Scope()


def test_sorted_orders_the_tokens():
    assert Scope.parse("profile openid email").sorted().values == ("email", "openid", "profile")


def test_issubset_ignores_order():
    scope = Scope.parse("email openid")
    assert scope.issubset(Scope.parse("openid profile email"))
    assert scope.issubset(["openid", "email"])
    assert not scope.issubset(Scope.parse("openid"))
    assert Scope().issubset(Scope())


def test_operations_return_new_scopes_and_leave_this_one_alone():
    scope = Scope.parse("b a")
    scope.sorted(), scope.without("a"), scope.only(["a"])
    assert scope.values == ("b", "a")


# --- well-formedness (RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )) ---


@pytest.mark.parametrize(
    "token",
    [
        "openid",
        "orders:read",
        "https://api.example/orders.read",
        "!",  # %x21
        "#$%&'()*+,-./0123456789:;<=>?@AZ[",  # %x23-5B
        "]^_`az{|}~",  # %x5D-7E
    ],
)
def test_scope_token_characters_are_well_formed__rfc6749_s3_3(token):
    assert Scope.parse(token).is_well_formed()


@pytest.mark.parametrize(
    "character",
    ['"', "\\", "\x00", "\x1f", "\x7f", "\t", "\u00e9", "\u2603"],
    ids=["dquote", "backslash", "nul", "us", "del", "tab", "e-acute", "snowman"],
)
def test_other_characters_are_not_well_formed__rfc6749_s3_3(character):
    assert not Scope.parse(f"openid read{character}write").is_well_formed()


def test_every_ascii_character_is_judged_by_the_abnf__rfc6749_s3_3():
    allowed = {0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)}
    for code in range(0x80):
        if code == 0x20:
            continue  # the separator itself
        assert Scope.of([chr(code)]).is_well_formed() is (code in allowed), hex(code)


def test_the_empty_scope_is_well_formed():
    assert Scope().is_well_formed()
