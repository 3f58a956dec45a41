"""idp.oauth.pkce: Proof Key for Code Exchange (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib

import pytest

from idp.errors import InvalidGrantError, InvalidRequestError
from idp.oauth.pkce import check_code_challenge, check_code_verifier

# RFC 7636 Appendix B
APPENDIX_B_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
APPENDIX_B_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# --- the authorization request: code_challenge and code_challenge_method ---


def test_an_s256_challenge_is_accepted__rfc7636_s4_3():
    check_code_challenge(APPENDIX_B_CHALLENGE, "S256", required=True)
    check_code_challenge(APPENDIX_B_CHALLENGE, "S256", required=False)


def test_plain_is_refused_as_invalid_request__rfc7636_s4_4_1():
    # "plain" is a transformation this server does not support: §4.4.1 answers
    # invalid_request (and RFC 9700 §2.1.1 says not to use plain).
    with pytest.raises(InvalidRequestError) as raised:
        check_code_challenge(APPENDIX_B_VERIFIER, "plain", required=False)
    assert raised.value.error == "invalid_request"


def test_a_missing_method_means_plain_and_is_refused__rfc7636_s4_3__rfc7636_s4_4_1():
    # §4.3: code_challenge_method defaults to "plain" when it is not sent.
    with pytest.raises(InvalidRequestError):
        check_code_challenge(APPENDIX_B_CHALLENGE, None, required=False)


@pytest.mark.parametrize("method", ["s256", "S384", "SHA256", "S256 ", ""])
def test_other_methods_are_refused__rfc7636_s4_4_1(method):
    # Method names are case-sensitive (§4.3 "S256"); nothing is normalised.
    with pytest.raises(InvalidRequestError):
        check_code_challenge(APPENDIX_B_CHALLENGE, method, required=False)


def test_a_method_without_a_challenge_is_refused__rfc7636_s4_3():
    with pytest.raises(InvalidRequestError):
        check_code_challenge(None, "S256", required=False)


def test_a_challenge_is_required_when_the_client_must_use_pkce__rfc9700_s2_1_1():
    with pytest.raises(InvalidRequestError):
        check_code_challenge(None, None, required=True)


def test_no_challenge_is_fine_when_pkce_is_not_required__rfc7636_s4_3():
    check_code_challenge(None, None, required=False)


@pytest.mark.parametrize(
    "challenge",
    [
        APPENDIX_B_CHALLENGE[:-1],  # 42 characters
        APPENDIX_B_CHALLENGE + "A",  # 44
        APPENDIX_B_CHALLENGE + "=",  # padded
        APPENDIX_B_CHALLENGE.replace("-", "+"),  # base64, not base64url
        "/" + APPENDIX_B_CHALLENGE[1:],
        "." + APPENDIX_B_CHALLENGE[1:],  # unreserved, but not base64url
        "~" + APPENDIX_B_CHALLENGE[1:],
        " " + APPENDIX_B_CHALLENGE[1:],
        APPENDIX_B_VERIFIER + "A" * 85,  # a plain-style 128-character value
        "",
    ],
    ids=["42", "44", "padded", "plus", "slash", "dot", "tilde", "space", "128", "empty"],
)
def test_an_s256_challenge_is_exactly_43_base64url_characters__rfc7636_s4_2(challenge):
    # BASE64URL-ENCODE(SHA256(ASCII(code_verifier))): 32 bytes, 43 characters unpadded.
    with pytest.raises(InvalidRequestError):
        check_code_challenge(challenge, "S256", required=False)


# --- the token request: code_verifier ---


def test_the_appendix_b_example__rfc7636_appendix_b():
    assert s256(APPENDIX_B_VERIFIER) == APPENDIX_B_CHALLENGE
    check_code_verifier(APPENDIX_B_VERIFIER, APPENDIX_B_CHALLENGE)


def test_a_verifier_that_does_not_hash_to_the_challenge_is_invalid_grant__rfc7636_s4_6():
    other = APPENDIX_B_VERIFIER[:-1] + "j"
    with pytest.raises(InvalidGrantError) as raised:
        check_code_verifier(other, APPENDIX_B_CHALLENGE)
    assert raised.value.error == "invalid_grant"


def test_the_challenge_itself_is_not_a_verifier__rfc7636_s4_6():
    # What a plain-method client would send: refused, the server only knows S256.
    with pytest.raises(InvalidGrantError):
        check_code_verifier(APPENDIX_B_CHALLENGE, APPENDIX_B_CHALLENGE)


def test_a_missing_verifier_is_invalid_grant__rfc7636_s4_6():
    with pytest.raises(InvalidGrantError):
        check_code_verifier(None, APPENDIX_B_CHALLENGE)


def test_a_verifier_without_a_challenge_is_invalid_grant__rfc9700_s4_8_2():
    # A code issued without PKCE redeemed with a verifier: a sign of an injected code.
    with pytest.raises(InvalidGrantError):
        check_code_verifier(APPENDIX_B_VERIFIER, None)


def test_neither_verifier_nor_challenge_is_fine():
    check_code_verifier(None, None)


@pytest.mark.parametrize("length", [43, 44, 100, 127, 128])
def test_verifiers_of_43_to_128_characters_are_accepted__rfc7636_s4_1(length):
    verifier = (UNRESERVED * 2)[:length]
    check_code_verifier(verifier, s256(verifier))


def test_every_unreserved_character_is_allowed_in_a_verifier__rfc7636_s4_1():
    verifier = UNRESERVED  # 66 characters: A-Z a-z 0-9 - . _ ~
    check_code_verifier(verifier, s256(verifier))


@pytest.mark.parametrize("length", [0, 1, 42, 129, 256])
def test_verifiers_outside_43_to_128_characters_are_invalid_grant__rfc7636_s4_1(length):
    # Refused even when they hash to the challenge.
    verifier = ("a" * 300)[:length]
    with pytest.raises(InvalidGrantError):
        check_code_verifier(verifier, s256(verifier))


@pytest.mark.parametrize(
    "character",
    ["+", "/", "=", " ", "%", "!", "\u00e9", "\x00"],
    ids=["plus", "slash", "equals", "space", "percent", "bang", "e-acute", "nul"],
)
def test_characters_outside_unreserved_are_invalid_grant__rfc7636_s4_1(character):
    verifier = APPENDIX_B_VERIFIER[:20] + character + APPENDIX_B_VERIFIER[21:]
    with pytest.raises(InvalidGrantError):
        check_code_verifier(verifier, s256(verifier))


def test_a_verifier_with_a_trailing_newline_is_refused__rfc7636_s4_1():
    # A regex "$" would let "\n" through; the whole value must be unreserved characters.
    verifier = APPENDIX_B_VERIFIER + "\n"
    with pytest.raises(InvalidGrantError):
        check_code_verifier(verifier, s256(verifier))
