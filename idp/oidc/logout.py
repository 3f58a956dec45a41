"""OpenID Connect RP-Initiated Logout 1.0 (the end-session endpoint) and Front-Channel
Logout 1.0: which logout request to honour, where the browser goes afterwards, and
which client pages are framed to tell them.

A request is trusted, and the session ended without asking, only when it carries an
ID token this provider signed for the user of the session (``id_token_hint``, §2);
otherwise it could have been forged by any page, and the user is asked to confirm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri

from idp.errors import InvalidRequestError
from idp.keys.jws import JwtSigner, TokenVerificationError
from idp.oauth.clients import Client
from idp.oauth.storage import ClientStore
from idp.oauth.uris import origin_of

LOGOUT_PARAMETERS = (
    "id_token_hint",
    "logout_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
    "ui_locales",
)


@dataclass(frozen=True)
class LogoutRequest:
    client: Client | None
    hint_subject: str | None  # sub of a valid id_token_hint
    hint_sid: str | None  # and its sid
    post_logout_redirect_uri: str | None
    state: str | None

    def trusted_for(self, user_id: str, sid: str) -> bool:
        """Whether the request proves it comes from an application of this session: an
        ID token issued in it, not merely one of the user's (an old one may have leaked)."""
        return self.hint_subject == user_id and self.hint_sid == sid

    def return_location(self) -> str | None:
        """§3: the registered URI, with ``state`` when the client sent one."""
        if self.post_logout_redirect_uri is None:
            return None
        if self.state is None:
            return self.post_logout_redirect_uri
        return with_query(self.post_logout_redirect_uri, {"state": self.state})

    def to_form(self) -> dict[str, str]:
        """What the confirmation form carries back (the hint is not needed again)."""
        fields = {
            "client_id": self.client.client_id if self.client else None,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
            "state": self.state,
        }
        return {name: value for name, value in fields.items() if value is not None}


def read_logout_request(
    params: Mapping[str, str], signer: JwtSigner, clients: ClientStore, issuer: str
) -> LogoutRequest:
    """Validate an end-session request. Every error here is shown on an IdP page: the
    browser is never sent to a URI that is not registered for the client (§3)."""
    hint = _hint_claims(params.get("id_token_hint"), signer, issuer)
    client = _client(params.get("client_id"), hint, clients)
    uri = params.get("post_logout_redirect_uri")
    if uri is not None:
        if client is None:
            raise InvalidRequestError(
                "post_logout_redirect_uri needs client_id or id_token_hint", redirectable=False
            )
        if not client.has_post_logout_redirect_uri(uri):
            raise InvalidRequestError(
                "post_logout_redirect_uri is not registered for this client", redirectable=False
            )
    return LogoutRequest(
        client=client,
        hint_subject=str(hint["sub"]) if hint else None,
        hint_sid=hint["sid"] if hint and isinstance(hint.get("sid"), str) else None,
        post_logout_redirect_uri=uri,
        state=params.get("state") if uri is not None else None,
    )


def _hint_claims(token: str | None, signer: JwtSigner, issuer: str) -> dict[str, Any] | None:
    """§2: an ID token this provider issued; expired ones are accepted, since the user
    may well log out after it expired."""
    if token is None:
        return None
    try:
        claims = signer.signed_claims(token, typ="JWT", issuer=issuer)
    except TokenVerificationError:
        raise InvalidRequestError(
            "id_token_hint is not an ID token issued by this provider", redirectable=False
        ) from None
    if "aud" not in claims or not isinstance(claims.get("sub"), str):
        raise InvalidRequestError("id_token_hint is not an ID token", redirectable=False)
    return claims


def _client(
    client_id: str | None, hint: Mapping[str, Any] | None, clients: ClientStore
) -> Client | None:
    audiences = _audiences(hint) if hint else ()
    if client_id is not None and hint is not None and client_id not in audiences:
        # §2: when both are present, the client_id must be the hint's audience.
        raise InvalidRequestError(
            "client_id is not the audience of id_token_hint", redirectable=False
        )
    named = client_id or (
        audiences[0] if len(audiences) == 1 else hint.get("azp") if hint else None
    )
    if not isinstance(named, str):
        return None
    client = clients.load_client(named)
    if client is None:
        raise InvalidRequestError("unknown client", redirectable=False)
    return client


def _audiences(claims: Mapping[str, Any]) -> tuple[str, ...]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return (aud,)
    if isinstance(aud, list):
        return tuple(value for value in aud if isinstance(value, str))
    return ()


def frontchannel_logout_uris(clients: Sequence[Client], *, issuer: str, sid: str) -> list[str]:
    """Front-Channel Logout 1.0 §2-§3: each page with ``iss`` and ``sid`` (always sent,
    so a client that requires them and one that does not are both served)."""
    return [
        with_query(client.frontchannel_logout_uri, {"iss": issuer, "sid": sid})
        for client in clients
        if client.frontchannel_logout_uri
    ]


def frame_origins(uris: Sequence[str]) -> list[str]:
    return sorted({origin for origin in map(origin_of, uris) if origin})


def with_query(uri: str, params: Mapping[str, str]) -> str:
    return str(add_params_to_uri(uri, list(params.items())))
