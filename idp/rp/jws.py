"""Compact JWS (RFC 7515 §7.1) as the SDK reads it, in the order RFC 8725 asks: the
size first, then the header (checked before any key is looked up), then the signature
with a cached key object, and only then the payload, decoded once."""

from __future__ import annotations

import binascii
import re
from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from idp.rp.errors import (
    InvalidSignature,
    MalformedToken,
    TokenTooLarge,
    UnsupportedAlgorithm,
    UnsupportedHeader,
)
from idp.rp.keys import ALGORITHMS, JwsAlgorithm, VerificationKey
from idp.rp.strict_json import InvalidJson, loads_object

COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")  # RFC 7515 §2, §3.1
# RFC 8725 §3.10: never fetch or trust keys a token names or carries.
KEY_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c"})
HEADER_CACHE_SIZE = 256
_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")


@dataclass(frozen=True, slots=True)
class Header:
    alg: str
    kid: str
    typ: str | None  # lower case, without "application/" (RFC 7515 §4.1.9)


@dataclass(frozen=True, slots=True)
class CompactJws:
    header_segment: str
    payload_segment: str
    signing_input: bytes
    signature_segment: str


def split(token: object, max_size: int) -> CompactJws:
    if not isinstance(token, str):
        raise MalformedToken("a token is a string")
    if len(token) > max_size:
        raise TokenTooLarge(f"the token is longer than {max_size} characters")
    if not COMPACT.fullmatch(token):
        raise MalformedToken("the token is not a compact JWS (three base64url parts)")
    signing_input, _, signature = token.rpartition(".")
    header, _, payload = signing_input.partition(".")
    return CompactJws(header, payload, signing_input.encode("ascii"), signature)


def b64url_decode(segment: str) -> bytes:
    """RFC 7515 §2: base64url without padding."""
    try:
        raw = segment.encode("ascii").translate(_STANDARD_ALPHABET)
        return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise MalformedToken("a part of the token is not base64url") from None


class HeaderReader:
    """Headers read once: the tokens of one provider share a handful of them."""

    def __init__(self) -> None:
        self._read: dict[str, Header] = {}

    def read(self, segment: str) -> Header:
        header = self._read.get(segment)
        if header is None:
            header = read_header(segment)
            if len(self._read) >= HEADER_CACHE_SIZE:
                self._read.clear()
            self._read[segment] = header
        return header


def read_header(segment: str) -> Header:
    members = _json_object(segment, "header")
    if KEY_HEADERS & members.keys():
        raise UnsupportedHeader("the token's header names or carries a key")
    if "crit" in members:  # RFC 7515 §4.1.11: no extension is understood here
        raise UnsupportedHeader("the token's header has crit extensions")
    alg, kid, typ = members.get("alg"), members.get("kid"), members.get("typ", "")
    if not isinstance(alg, str):
        raise MalformedToken("the token's header has no alg")
    if not isinstance(kid, str):
        raise MalformedToken("the token's header has no kid")
    if not isinstance(typ, str):
        raise MalformedToken("the token's typ is not a string")
    return Header(alg, kid, typ.lower().removeprefix("application/") or None)


def algorithm(header: Header, allowed: Set[str]) -> JwsAlgorithm:
    """RFC 8725 §3.1: only the provider's asymmetric algorithms; never none or HMAC."""
    if header.alg not in allowed:
        raise UnsupportedAlgorithm("the token's alg is not one the provider signs with")
    return ALGORITHMS[header.alg]


def verify(jws: CompactJws, key: VerificationKey, alg: JwsAlgorithm) -> None:
    if not key.fits(alg):  # RFC 8725 §3.1: an RSA key is no HMAC secret, an EC key no RSA key
        raise UnsupportedAlgorithm("the token's alg does not fit the key its kid names")
    if not alg.verify(key.public_key, b64url_decode(jws.signature_segment), jws.signing_input):
        raise InvalidSignature("the token's signature does not verify")


def payload(jws: CompactJws) -> dict[str, Any]:
    """RFC 7519 §7.2 steps 9-10: a JSON object (after the signature is verified)."""
    return _json_object(jws.payload_segment, "payload")


def _json_object(segment: str, part: str) -> dict[str, Any]:
    try:
        return loads_object(b64url_decode(segment))
    except InvalidJson as exc:
        raise MalformedToken(f"the token's {part} is not a JSON object ({exc})") from None
