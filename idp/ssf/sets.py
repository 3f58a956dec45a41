"""Security Event Tokens (RFC 8417) for one stream, as SSF 1.0 §4 shapes them: typed
``secevent+jwt``, the subject in ``sub_id`` (RFC 9493 subject identifiers), one event
in ``events``, no ``sub`` and no ``exp``; the payloads of OpenID CAEP 1.0 and RISC 1.0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.revocation.events import OPERATOR, SYSTEM, SecurityEventType
from idp.ssf.model import STREAM_UPDATED, VERIFICATION, SecurityEvent, Stream

SET_TYPE = "secevent+jwt"  # RFC 8417 §2.3, SSF 1.0 §4.1.1
SET_MEDIA_TYPE = "application/secevent+jwt"  # RFC 8417 §7.2

# CAEP 1.0 §2: who caused it.
INITIATING_ENTITY = {SYSTEM: "system", OPERATOR: "admin"}


@dataclass(frozen=True)
class SecurityEventTokens:
    signer: JwtSigner
    issuer: str

    def issue(self, event: SecurityEvent, stream: Stream) -> str:
        claims = {
            "iss": self.issuer,
            "jti": stream.jti(event),
            "iat": event.created_at,
            "aud": stream.client_id,
            "sub_id": self._subject(event),
            "events": {event.event_type: self._payload(event)},
        }
        return self.signer.sign(claims, Algorithm.ES256, typ=SET_TYPE)

    def _subject(self, event: SecurityEvent) -> dict[str, Any]:
        """SSF 1.0 §3: the stream itself for stream events; the token for a token's
        revocation; the user, and the session when there is one, otherwise."""
        if event.stream_id is not None:
            return {"format": "opaque", "id": event.stream_id}  # §8.1.4, §8.1.5
        user = {"format": "iss_sub", "iss": self.issuer, "sub": event.subject}
        jti = event.detail.get("jti")
        if event.event_type == SecurityEventType.TOKEN_REVOKED and isinstance(jti, str):
            return {"format": "jwt_id", "iss": self.issuer, "jti": jti}
        if event.sid is not None:
            session = {"format": "opaque", "id": event.sid}
            return {"format": "complex", "user": user, "session": session}
        return user

    @staticmethod
    def _payload(event: SecurityEvent) -> dict[str, Any]:
        detail = event.detail
        if event.event_type == VERIFICATION:
            return {"state": detail["state"]} if "state" in detail else {}
        if event.event_type == STREAM_UPDATED:
            return {key: detail[key] for key in ("status", "reason") if key in detail}
        if event.event_type in (
            SecurityEventType.ACCOUNT_DISABLED,
            SecurityEventType.ACCOUNT_ENABLED,
        ):
            return {}  # RISC 1.0 §2.3, §2.4: Tessera's reasons are not RISC's
        payload: dict[str, Any] = {"event_timestamp": event.created_at}
        actor = str(detail.get("actor", SYSTEM))
        payload["initiating_entity"] = INITIATING_ENTITY.get(
            actor, "user" if actor.startswith("user:") else "system"
        )
        if "reason" in detail:
            payload["reason_admin"] = {"en": str(detail["reason"])}
        if event.event_type == SecurityEventType.CREDENTIAL_CHANGE:
            # CAEP 1.0 §3.3: what changed and how; a password change (the Revoker's
            # event) says neither, and is a password update.
            payload["credential_type"] = str(detail.get("credential_type", "password"))
            payload["change_type"] = str(detail.get("change_type", "update"))
        if event.event_type == SecurityEventType.TOKEN_CLAIMS_CHANGE:
            payload["claims"] = detail.get("claims", {})  # CAEP 1.0 §3.2: the new values
        return payload
