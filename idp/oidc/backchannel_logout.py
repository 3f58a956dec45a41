"""OpenID Connect Back-Channel Logout 1.0: when an SSO session ends, each client that
took part in it and registered a ``backchannel_logout_uri`` is sent a logout token.
The token is queued in the outbox in the transaction that ends the session, and
signed when it is sent, so that its short lifetime starts then; retries keep its
``jti``, so a receiver can drop duplicates (§2.6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.clients import Client
from idp.oauth.storage import ClientStore
from idp.outbound import ForbiddenTargetError, OutboundClient, OutboundRefusedError
from idp.outbox.model import Delivery
from idp.outbox.worker import DeliveryError, UndeliverableError
from idp.revocation.revoker import EndedSession
from idp.revocation.storage import RevocationStore
from idp.secret import new_token

KIND = "backchannel_logout"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"  # §2.4
LOGOUT_TOKEN_TYPE = "logout+jwt"  # §2.4, explicit typing (RFC 8725 §3.11)
LOGOUT_TOKEN_LIFETIME = 120  # §2.4 recommends at most two minutes


@dataclass(frozen=True)
class LogoutTokens:
    signer: JwtSigner
    issuer: str

    def issue(self, client: Client, *, jti: str, subject: str, sid: str | None, now: int) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client.client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_LIFETIME,
            "jti": jti,
            "events": {LOGOUT_EVENT: {}},
        }
        if sid is not None:
            claims["sid"] = sid
        # §2.4: never a nonce. Signed as the client's ID tokens are (§2.4, §2.8).
        return self.signer.sign(
            claims, Algorithm(client.id_token_signed_response_alg), typ=LOGOUT_TOKEN_TYPE
        )


@dataclass(frozen=True)
class BackchannelLogoutQueue:
    """Hears of every ended session (idp.revocation.revoker) and queues a logout token
    for each client of it that asked for one."""

    clients: ClientStore
    wake: Callable[[], None] = lambda: None

    def session_ended(self, store: RevocationStore, ended: EndedSession, now: int) -> None:
        queued = False
        for client_id in ended.parties:
            client = self.clients.load_client(client_id)
            if client is None or not client.backchannel_logout_uri:
                continue
            # §2.4: sid when the client requires it; we always know it, so always send it.
            payload = {"jti": new_token(16), "sub": ended.subject, "sid": ended.sid}
            store.enqueue_delivery(
                KIND,
                client_id=client_id,
                target=client.backchannel_logout_uri,
                payload=payload,
                now=now,
            )
            queued = True
        if queued:
            store.after_commit(self.wake)


@dataclass(frozen=True)
class BackchannelLogoutSender:
    tokens: LogoutTokens
    clients: ClientStore
    http: OutboundClient
    now: Callable[[], int]

    def __call__(self, delivery: Delivery) -> None:
        client = self.clients.load_client(delivery.client_id)
        if client is None:
            raise UndeliverableError("the client has been deleted")
        payload = delivery.payload
        token = self.tokens.issue(
            client,
            jti=str(payload["jti"]),
            subject=str(payload["sub"]),
            sid=payload.get("sid"),
            now=self.now(),
        )
        try:
            answer = self.http.post(delivery.target, form={"logout_token": token})
        except ForbiddenTargetError as error:  # given up now; `idp deliveries retry` later
            raise UndeliverableError(str(error)) from None
        except OutboundRefusedError as error:
            raise DeliveryError(str(error)) from None
        # §2.8: 200 OK; §2.8 also asks OPs to take 204 No Content as success.
        if answer.status_code not in (200, 204):
            raise DeliveryError(f"HTTP {answer.status_code} from the client's logout endpoint")
