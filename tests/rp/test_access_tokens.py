"""Access tokens (RFC 9068 §4) from a real Tessera, and every way one can be wrong:
each is refused with its own TokenError, none with another exception, none accepted."""

from __future__ import annotations

import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from idp.keys.signing import Algorithm
from idp.rp import (
    ExpiredToken,
    InsufficientScope,
    InvalidAudience,
    InvalidClaims,
    InvalidIssuer,
    InvalidSignature,
    InvalidTokenType,
    MalformedToken,
    NotYetValid,
    Provider,
    TokenError,
    TokenTooLarge,
    UnknownKey,
    UnsupportedAlgorithm,
    UnsupportedHeader,
)
from tests.rp.tokens import access_claims, b64, hand_made, header_json, signed, signed_raw
from tests.support.relying_party import ORDERS_API, service_app, service_token


@pytest.fixture
def token(idp) -> str:
    return service_token(idp, service_app(idp), resource=ORDERS_API)


def test_a_valid_access_token_gives_its_claims__rfc9068_s4(provider, idp, token):
    claims = provider.validate_access_token(token, audience=ORDERS_API, scopes=["orders:read"])
    assert claims["iss"] == idp.issuer
    assert claims.scopes == {"orders:read", "orders:write"}
    assert claims.audiences == (ORDERS_API,)
    assert claims.subject == claims["client_id"]
    assert claims == jwt.decode(token, options={"verify_signature": False})


def test_every_scope_asked_for_is_needed__rfc9068_s4(provider, token):
    provider.validate_access_token(token, audience=ORDERS_API, scopes="orders:read orders:write")
    with pytest.raises(InsufficientScope, match="orders:delete") as refused:
        provider.validate_access_token(token, audience=ORDERS_API, scopes=["orders:delete"])
    assert refused.value.error == "insufficient_scope"
    assert refused.value.status_code == 403


def test_a_token_without_scope_has_none__rfc9068_s2_2_3(provider, idp):
    token = signed(idp, access_claims(idp, scope=None))
    assert provider.validate_access_token(token, audience=ORDERS_API).scopes == frozenset()
    with pytest.raises(InsufficientScope):
        provider.validate_access_token(token, audience=ORDERS_API, scopes="orders:read")


def test_a_token_for_another_audience_is_refused__rfc9068_s4(provider, token):
    with pytest.raises(InvalidAudience):
        provider.validate_access_token(token, audience="https://api.example/billing")


def test_an_audience_in_a_list_is_accepted__rfc7519_s4_1_3(provider, idp):
    token = signed(idp, access_claims(idp, aud=["https://other.example", ORDERS_API]))
    assert provider.validate_access_token(token, audience=ORDERS_API).audiences[1] == ORDERS_API


@pytest.mark.parametrize("issuer", ["https://evil.example", "{issuer}/", "{issuer}/x", None])
def test_another_issuer_is_refused__rfc9068_s4(provider, idp, issuer):
    claims = access_claims(idp, iss=issuer and issuer.format(issuer=idp.issuer))
    with pytest.raises(InvalidIssuer):
        provider.validate_access_token(signed(idp, claims), audience=ORDERS_API)


@pytest.mark.parametrize("typ", ["JWT", None, "logout+jwt", "secevent+jwt", "at+jwt+x"])
def test_another_kind_of_token_is_refused__rfc9068_s4_rfc8725_s3_11(provider, idp, typ):
    with pytest.raises(InvalidTokenType):
        provider.validate_access_token(
            signed(idp, access_claims(idp), typ=typ), audience=ORDERS_API
        )


@pytest.mark.parametrize("typ", ["application/at+jwt", "AT+JWT"])
def test_the_media_type_may_be_written_in_full__rfc7515_s4_1_9(provider, idp, typ):
    token = signed(idp, access_claims(idp), typ=typ)
    assert provider.validate_access_token(token, audience=ORDERS_API)


def test_an_expired_token_is_refused_after_the_leeway__rfc7519_s4_1_4(provider, idp):
    now = idp.clock.now()
    within = signed(idp, access_claims(idp, iat=now - 100, exp=now - 29))
    assert provider.validate_access_token(within, audience=ORDERS_API)
    expired = signed(idp, access_claims(idp, iat=now - 100, exp=now - 30))
    with pytest.raises(ExpiredToken):
        provider.validate_access_token(expired, audience=ORDERS_API)


def test_a_token_expires_on_the_providers_clock__rfc7519_s4_1_4(provider, idp, token):
    provider.validate_access_token(token, audience=ORDERS_API)
    idp.clock.advance(600 + 30)
    with pytest.raises(ExpiredToken):
        provider.validate_access_token(token, audience=ORDERS_API)


def test_the_leeway_is_the_callers__rfc7519_s4_1_4(idp):
    now = idp.clock.now()
    token = signed(idp, access_claims(idp, iat=now - 100, exp=now - 5))
    with (
        Provider(idp.base_url, clock=idp.clock.now, leeway=0) as strict,
        pytest.raises(ExpiredToken),
    ):
        strict.validate_access_token(token, audience=ORDERS_API)


def test_a_token_not_yet_valid_is_refused__rfc7519_s4_1_5(provider, idp):
    now = idp.clock.now()
    assert provider.validate_access_token(
        signed(idp, access_claims(idp, nbf=now + 29)), audience=ORDERS_API
    )
    with pytest.raises(NotYetValid):
        provider.validate_access_token(
            signed(idp, access_claims(idp, nbf=now + 31)), audience=ORDERS_API
        )


def test_a_token_issued_in_the_future_is_refused__rfc7519_s4_1_6(provider, idp):
    future = signed(idp, access_claims(idp, iat=idp.clock.now() + 120))
    with pytest.raises(NotYetValid):
        provider.validate_access_token(future, audience=ORDERS_API)


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": None},
        {"jti": None},
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"client_id": 7},
        {"exp": "4102444800"},
        {"exp": True},
        {"iat": [1]},
        {"scope": ["orders:read"]},
    ],
    ids=repr,
)
def test_required_claims_of_their_types__rfc9068_s2_2(provider, idp, changes):
    with pytest.raises(InvalidClaims):
        provider.validate_access_token(
            signed(idp, access_claims(idp, **changes)), audience=ORDERS_API
        )


def test_alg_none_refused__rfc8725_s3_1(provider, idp):
    claims = access_claims(idp)
    kid = jwt.get_unverified_header(signed(idp, claims))["kid"]
    for alg in ("none", "None", "NONE"):
        header = {"alg": alg, "kid": kid, "typ": "at+jwt"}
        unsigned = f"{b64(json.dumps(header))}.{b64(json.dumps(claims))}."
        with pytest.raises(MalformedToken):  # no signature part at all
            provider.validate_access_token(unsigned, audience=ORDERS_API)
        with pytest.raises(UnsupportedAlgorithm):
            provider.validate_access_token(unsigned + "AA", audience=ORDERS_API)


def test_hmac_keyed_with_the_public_key_refused__rfc8725_s3_1(provider, idp):
    """The classic confusion: HS256 with the provider's public key as the secret."""
    key = idp.provider.keyring.signing_key(Algorithm.RS256)
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = hand_made({"alg": "HS256", "kid": key.kid, "typ": "at+jwt"}, access_claims(idp))
    header, payload, _ = forged.split(".")
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    with pytest.raises(UnsupportedAlgorithm):
        provider.validate_access_token(f"{header}.{payload}.{b64(mac)}", audience=ORDERS_API)


def test_an_algorithm_the_provider_does_not_sign_with_is_refused__rfc8725_s3_1(provider, idp):
    """PS256 with the provider's own RSA key verifies cryptographically, but discovery
    does not list it: a downgrade (or upgrade) the provider did not choose."""
    key = idp.provider.keyring.signing_key(Algorithm.RS256)
    token = jwt.encode(
        access_claims(idp),
        key.private_key,
        algorithm="PS256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    with pytest.raises(UnsupportedAlgorithm):
        provider.validate_access_token(token, audience=ORDERS_API)


def test_an_alg_that_does_not_fit_its_key_is_refused__rfc8725_s3_1(provider, idp):
    """RS256 in the header, the kid of the provider's EC key."""
    ec_kid = idp.provider.keyring.signing_key(Algorithm.ES256).kid
    token = signed(idp, access_claims(idp), alg=Algorithm.RS256, kid=ec_kid)
    with pytest.raises(UnsupportedAlgorithm):
        provider.validate_access_token(token, audience=ORDERS_API)


def test_the_callers_allow_list_narrows_discoverys__rfc8725_s3_1(idp):
    token = signed(idp, access_claims(idp), alg=Algorithm.RS256)
    with Provider(idp.base_url, clock=idp.clock.now, algorithms=["ES256"]) as es256_only:
        with pytest.raises(UnsupportedAlgorithm):
            es256_only.validate_access_token(token, audience=ORDERS_API)
        assert es256_only.validate_access_token(
            signed(idp, access_claims(idp)), audience=ORDERS_API
        )


@pytest.mark.parametrize(
    "member",
    [
        {"jku": "https://evil.example/jwks"},
        {"x5u": "https://evil.example/cert"},
        {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
        {"x5c": ["MIIB"]},
    ],
    ids=lambda member: next(iter(member)),
)
def test_headers_that_name_or_carry_keys_are_refused__rfc8725_s3_10(provider, idp, member):
    with pytest.raises(UnsupportedHeader):
        provider.validate_access_token(
            signed(idp, access_claims(idp), **member), audience=ORDERS_API
        )


@pytest.mark.parametrize("crit", [["exp"], ["b64"], [], "b64"])
def test_crit_extensions_are_refused__rfc7515_s4_1_11(provider, idp, crit):
    token = signed_raw(
        idp, header_json(idp, crit=crit, exp=1, b64=True), json.dumps(access_claims(idp)).encode()
    )
    with pytest.raises(UnsupportedHeader):
        provider.validate_access_token(token, audience=ORDERS_API)


def test_a_header_with_duplicate_members_is_refused__rfc7515_s5_2(provider, idp):
    header = header_json(idp)[:-1] + b', "alg": "HS256"}'
    token = signed_raw(idp, header, json.dumps(access_claims(idp)).encode())
    with pytest.raises(MalformedToken, match="duplicate"):
        provider.validate_access_token(token, audience=ORDERS_API)


def test_a_payload_with_duplicate_members_is_refused__rfc7519_s4(provider, idp):
    """Signed, but read as two different tokens by two parsers (RFC 8725 §3.12)."""
    payload = json.dumps(access_claims(idp)).encode()[:-1] + b', "aud": "https://other.example"}'
    with pytest.raises(MalformedToken, match="duplicate"):
        provider.validate_access_token(
            signed_raw(idp, header_json(idp), payload), audience=ORDERS_API
        )


@pytest.mark.parametrize(
    "payload",
    [b"[1, 2]", b'"a string"', b'{"exp": NaN}', b"\xff\xfe", b'{"a": ' * 5000 + b"1" + b"}" * 5000],
)
def test_a_payload_that_is_not_a_json_object_is_refused__rfc7519_s7_2(idp, payload):
    token = signed_raw(idp, header_json(idp), payload)
    with (
        Provider(idp.base_url, clock=idp.clock.now, max_token_size=1 << 20) as lenient,
        pytest.raises(MalformedToken),
    ):
        lenient.validate_access_token(token, audience=ORDERS_API)


def test_an_oversized_token_is_refused_before_it_is_decoded(provider, idp):
    with pytest.raises(TokenTooLarge):
        provider.validate_access_token("!" * (16 * 1024 + 1), audience=ORDERS_API)
    padded = signed(idp, access_claims(idp, padding="x" * 16 * 1024))
    with pytest.raises(TokenTooLarge):
        provider.validate_access_token(padded, audience=ORDERS_API)
    with Provider(idp.base_url, clock=idp.clock.now, max_token_size=64 * 1024) as larger:
        assert larger.validate_access_token(padded, audience=ORDERS_API)


def test_every_truncation_of_a_token_is_refused(provider, token):
    for length in range(len(token)):
        with pytest.raises(TokenError):
            provider.validate_access_token(token[:length], audience=ORDERS_API)


def test_a_changed_signature_or_payload_is_refused__rfc7515_s5_2(provider, idp, token):
    header, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(InvalidSignature):
        provider.validate_access_token(f"{header}.{payload}.{flipped}", audience=ORDERS_API)
    other = b64(json.dumps(access_claims(idp)))
    with pytest.raises(InvalidSignature):
        provider.validate_access_token(f"{header}.{other}.{signature}", audience=ORDERS_API)
    with pytest.raises(InvalidSignature):  # R || S of the wrong length
        provider.validate_access_token(f"{header}.{payload}.{signature[:-4]}", audience=ORDERS_API)


def test_a_token_signed_by_another_key_is_refused(provider, idp):
    stranger = ec.generate_private_key(ec.SECP256R1())
    kid = idp.provider.keyring.signing_key(Algorithm.ES256).kid
    for header, refusal in (({"kid": kid}, InvalidSignature), ({"kid": "stranger"}, UnknownKey)):
        token = jwt.encode(
            access_claims(idp), stranger, algorithm="ES256", headers={**header, "typ": "at+jwt"}
        )
        with pytest.raises(refusal):
            provider.validate_access_token(token, audience=ORDERS_API)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d.e",  # a JWE
        "a..c",
        "eyJ.eyJ.c=",
        "a.b.c\n",
        "ä.b.c",
        None,
        b"a.b.c",
        42,
    ],
    ids=repr,
)
def test_what_is_no_compact_jws_is_refused__rfc7515_s7_1(provider, token):
    with pytest.raises(MalformedToken):
        provider.validate_access_token(token, audience=ORDERS_API)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "typ": "at+jwt"},
        {"kid": "x", "typ": "at+jwt"},
        {"alg": "ES256", "kid": 5},
        {"alg": "ES256", "kid": "x", "typ": 3},
    ],
)
def test_a_header_without_alg_or_kid_is_refused__rfc7515_s4_1(provider, idp, header):
    with pytest.raises(MalformedToken):
        provider.validate_access_token(hand_made(header, access_claims(idp)), audience=ORDERS_API)


def test_messages_never_repeat_the_token(provider, idp, token):
    header, payload, signature = token.split(".")
    bad = [
        token[:-3],
        f"{header}.{payload}.{signature[::-1]}",
        signed(idp, access_claims(idp, iss="https://evil.example")),
        signed(idp, access_claims(idp, exp=1)),
        token + "x" * 20000,
    ]
    for candidate in bad:
        with pytest.raises(TokenError) as refused:
            provider.validate_access_token(candidate, audience=ORDERS_API)
        message = str(refused.value)
        assert message
        for part in candidate.split("."):
            assert part[:16] not in message
        assert "evil" not in message
