"""A software WebAuthn authenticator (and the browser's part of a ceremony) for tests:
P-256 keys from ``cryptography``, CBOR from cbor2 (py_webauthn's own dependency), and
every field a test may want wrong: flags, sign count, origin, RP ID, type, challenge,
signature. ``create`` answers navigator.credentials.create() with ``none`` or ``packed``
(self) attestation; ``get`` answers navigator.credentials.get(). Both return the JSON of
PublicKeyCredential.toJSON() (WebAuthn L3 §5.1.4), as idp/web/static/passkeys.js posts.

And the HTTP steps around it: adding a passkey on /account/passkeys, signing in with
one from a login page, giving one as the second factor."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import cbor2
import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.flows import PASSWORD, Browser

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
SEALED = re.compile(r'action="/interaction/([^/"]+)/')


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class SoftCredential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    sign_count: int = 0

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty EC2 (RFC 9053 §7.1)
                3: -7,  # alg ES256
                -1: 1,  # crv P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


@dataclass
class SoftAuthenticator:
    """Holds discoverable credentials for one RP; ``counter_step`` 0 means a count that
    always stays 0 (as most synced passkeys report); ``backup_eligible``: a synced one."""

    rp_id: str
    origin: str
    counter_step: int = 1
    backup_eligible: bool = False
    aaguid: bytes = field(default_factory=lambda: bytes(16))
    credentials: dict[str, SoftCredential] = field(default_factory=dict)

    @classmethod
    def for_issuer(cls, issuer: str, **options: Any) -> SoftAuthenticator:
        parts = urlsplit(issuer)
        return cls(parts.hostname or "", f"{parts.scheme}://{parts.netloc}", **options)

    def create(
        self,
        options: dict[str, Any],
        *,
        fmt: str = "none",
        flags: int | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        type_: str = "webauthn.create",
        challenge: str | None = None,
        same_as: str | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.create() with ``options`` (the server's JSON); with
        ``same_as``, that credential again (as a broken authenticator might)."""
        credential = self.credentials.get(same_as or "") or SoftCredential(
            os.urandom(32), ec.generate_private_key(ec.SECP256R1()), unb64url(options["user"]["id"])
        )
        self.credentials[credential.id] = credential
        client_data = self._client_data(type_, challenge or options["challenge"], origin)
        attested = (
            self.aaguid
            + len(credential.credential_id).to_bytes(2, "big")
            + credential.credential_id
            + credential.cose_key()
        )
        auth_data = self._auth_data(rp_id, flags, AT, credential.sign_count) + attested
        statement: dict[str, Any] = {}
        if fmt == "packed":  # self attestation (WebAuthn L3 §8.2): signed by the new key
            signed = auth_data + hashlib.sha256(client_data).digest()
            statement = {"alg": -7, "sig": credential.key.sign(signed, ec.ECDSA(hashes.SHA256()))}
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        return {
            "id": credential.id,
            "rawId": credential.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        credential_id: str | None = None,
        flags: int | None = None,
        sign_count: int | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        type_: str = "webauthn.get",
        challenge: str | None = None,
        bad_signature: bool = False,
        user_handle: bytes | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.get() with ``options``: the allowed credential, or
        ``credential_id``, or the only discoverable one."""
        allowed = [item["id"] for item in options.get("allowCredentials", [])]
        chosen = credential_id or (allowed[0] if allowed else next(iter(self.credentials)))
        credential = self.credentials[chosen]
        if sign_count is None:
            credential.sign_count += self.counter_step
            sign_count = credential.sign_count
        client_data = self._client_data(type_, challenge or options["challenge"], origin)
        auth_data = self._auth_data(rp_id, flags, 0, sign_count)
        signature = credential.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if bad_signature:
            signature = credential.key.sign(b"something else", ec.ECDSA(hashes.SHA256()))
        return {
            "id": credential.id,
            "rawId": credential.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(
                    user_handle if user_handle is not None else credential.user_handle
                ),
            },
        }

    def _client_data(self, type_: str, challenge: str, origin: str | None) -> bytes:
        # WebAuthn L3 §5.8.1.1: the browser writes type, challenge, origin, crossOrigin.
        document = {
            "type": type_,
            "challenge": challenge,
            "origin": origin or self.origin,
            "crossOrigin": False,
        }
        return json.dumps(document).encode()

    def _auth_data(self, rp_id: str | None, flags: int | None, extra: int, count: int) -> bytes:
        if flags is None:
            flags = UP | UV | (BE | BS if self.backup_eligible else 0)
        rp_id_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_id_hash + bytes([flags | extra]) + count.to_bytes(4, "big")


# -- the HTTP around the ceremonies --------------------------------------------------


def sealed_of(page: httpx.Response) -> str:
    match = SEALED.search(page.text)
    assert match, f"no interaction form on the page: {page.text}"
    return match.group(1)


def sign_in_options(browser: Browser, page: httpx.Response) -> dict[str, Any]:
    """From a login page: the options of a passwordless sign-in."""
    response = browser.http.post(f"/interaction/{sealed_of(page)}/passkey/options")
    assert response.status_code == 200, response.text
    public_key: dict[str, Any] = response.json()["publicKey"]
    return public_key


def post_assertion(
    browser: Browser, page: httpx.Response, credential: Any, *, second_factor: bool = False
) -> httpx.Response:
    step = "second-factor/passkey" if second_factor else "passkey"
    return browser.http.post(f"/interaction/{sealed_of(page)}/{step}", json=credential)


def passkey_sign_in(
    browser: Browser, page: httpx.Response, authenticator: SoftAuthenticator, **get: Any
) -> httpx.Response:
    """Sign in with a passkey from the login page ``page``; the verification's answer."""
    options = sign_in_options(browser, page)
    return post_assertion(browser, page, authenticator.get(options, **get))


def second_factor_options(browser: Browser, page: httpx.Response) -> dict[str, Any]:
    response = browser.http.post(f"/interaction/{sealed_of(page)}/second-factor/passkey/options")
    assert response.status_code == 200, response.text
    public_key: dict[str, Any] = response.json()["publicKey"]
    return public_key


def passkey_second_factor(
    browser: Browser, page: httpx.Response, authenticator: SoftAuthenticator, **get: Any
) -> httpx.Response:
    options = second_factor_options(browser, page)
    return post_assertion(browser, page, authenticator.get(options, **get), second_factor=True)


def continue_at(browser: Browser, answer: httpx.Response) -> httpx.Response:
    """Where the page's script goes after a verified passkey: the next page, or the
    redirect to the client."""
    assert answer.status_code == 200, answer.text
    return browser.follow(browser.http.get(answer.json()["location"]))


def account_sign_in(browser: Browser, username: str) -> httpx.Response:
    """Sign in to /account/passkeys with the password; the passkeys page."""
    page = browser.follow(browser.http.get("/account/passkeys"))
    if "/login" in page.text:
        page = browser.follow(browser.submit_login(page, username, PASSWORD))
    assert page.status_code == 200, page.text
    return page


def registration_options(browser: Browser) -> httpx.Response:
    return browser.http.post("/account/passkeys/options")


def add_passkey(
    browser: Browser, authenticator: SoftAuthenticator, name: str = "Laptop", **create: Any
) -> httpx.Response:
    """From a recent account sign-in: the registration ceremony; the server's answer."""
    options = registration_options(browser)
    assert options.status_code == 200, options.text
    credential = authenticator.create(options.json()["publicKey"], **create)
    return browser.http.post("/account/passkeys", json={"name": name, "credential": credential})


def with_passkey(
    browser: Browser, authenticator: SoftAuthenticator, username: str, name: str = "Laptop"
) -> SoftCredential:
    """``username`` signs in to their account page and adds a passkey; it."""
    account_sign_in(browser, username)
    added = add_passkey(browser, authenticator, name)
    assert added.status_code == 201, added.text
    return authenticator.credentials[added.json()["credential_id"]]
