"""The web-app login helper: sign a server-side web application's users in with
Tessera, keep their app sessions, and sign them out.

- sign-in by the authorization code flow (OpenID Connect Core 1.0 §3.1) with PKCE S256
  (RFC 7636), ``state`` and ``nonce``, the ID token validated (§3.1.3.7), the claims
  the app keeps read from it and from UserInfo (§5.3);
- the app session: a sealed cookie naming a server-side record (idp.rp.app_session,
  idp.rp.session_registry), with an idle and an absolute timeout;
- the access token refreshed near its expiry (RFC 6749 §6);
- sign-out by RP-Initiated Logout 1.0 §2, and the end of app sessions by Back-Channel
  Logout 1.0 §2.5-§2.8.

``WebLoginCore`` holds the logic as flows (idp.rp.flow); ``WebLogin`` runs them on a
``Provider``, ``AsyncWebLogin`` on an ``AsyncProvider``. A framework binding converts
requests and responses only (idp.rp.starlette)."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from idp.rp.aio import AsyncProvider
from idp.rp.app_session import AppSession, Cookie, SessionRecord, SessionTokens, check_cookie_size
from idp.rp.caching import Clock
from idp.rp.claims import Claims
from idp.rp.core import ProviderCore
from idp.rp.discovery import is_safe_url
from idp.rp.errors import (
    InvalidClaims,
    InvalidLoginState,
    LoginRefused,
    ProviderUnavailable,
    SessionEnded,
    TokenError,
    TokenRequestFailed,
)
from idp.rp.flow import Exclusive, Flow, HttpRequest
from idp.rp.login_transaction import LoginTransaction, check_callback
from idp.rp.provider import Provider
from idp.rp.sealed import Sealer
from idp.rp.session_registry import InMemorySessionRegistry, SessionRegistry
from idp.rp.strict_json import InvalidJson, loads_object
from idp.rp.token_endpoint import (
    ClientAuthentication,
    access_token_of,
    expires_in_of,
    optional_string,
    post_token_request,
    token_type_of,
)

log = logging.getLogger("idp.rp")

DEFAULT_CLAIMS = ("name", "preferred_username", "email", "email_verified", "picture")
FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store"}  # Back-Channel Logout 1.0 §2.8
REFRESH_LOCKS = 16  # refreshes of different sessions share one of this many locks
MAX_TOUCH_INTERVAL = 60.0  # s: a session's last activity is written at most this often


@dataclass(frozen=True)
class WebLoginSettings:
    """``redirect_uri`` (https; http only on loopback) is this app's callback, as
    registered; ``secret_key`` (32 characters or more, kept secret) seals the cookies.
    Without ``client_secret``, the app is a public client (PKCE only). Times in s."""

    client_id: str
    redirect_uri: str
    secret_key: str = field(repr=False)
    client_secret: str | None = field(default=None, repr=False)
    scope: str = "openid profile email"
    post_logout_redirect_uri: str | None = None  # registered for the client (§3)
    claims: Collection[str] = DEFAULT_CLAIMS  # of the ID token, kept in the session cookie
    login_timeout: int = 600  # the sign-in must end at the callback within this
    idle_timeout: int = 1800
    absolute_timeout: int = 8 * 3600
    sso_session_lifetime: int | None = None  # the provider's (IDP_SESSION_ABSOLUTE_TIMEOUT)
    refresh_margin: float = 60.0  # refresh the access token this long before it expires
    session_cookie: str = "tessera_session"
    login_cookie: str = "tessera_login"

    def __post_init__(self) -> None:
        if not is_safe_url(self.redirect_uri) or "#" in self.redirect_uri:
            raise ValueError("redirect_uri must be an https URL (http only on loopback)")
        if self.post_logout_redirect_uri is not None and not is_safe_url(
            self.post_logout_redirect_uri
        ):
            raise ValueError("post_logout_redirect_uri must be an https URL")
        if "openid" not in self.scope.split():  # OIDC Core §3.1.2.1
            raise ValueError("the scope must contain openid")
        if not 0 < self.idle_timeout <= self.absolute_timeout or self.login_timeout <= 0:
            raise ValueError("the timeouts must be positive, idle_timeout <= absolute_timeout")

    @property
    def secure(self) -> bool:
        """Cookies are Secure unless the app is served over http on loopback."""
        return urlsplit(self.redirect_uri).scheme == "https"


@dataclass(frozen=True, slots=True)
class LoginStart:
    url: str  # send the browser there (302)
    cookie: Cookie  # the login transaction


@dataclass(frozen=True, slots=True)
class SignedIn:
    session: AppSession
    cookie: Cookie  # the app session
    clear: Cookie  # deletes the login transaction
    return_to: str  # a path of this app


@dataclass(frozen=True, slots=True)
class SignedOut:
    url: str  # the provider's end-session endpoint, or the post-logout page
    clear: Cookie  # deletes the app session cookie


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """What a back-channel logout ended: given to the app's ``on_logout``."""

    subject: str | None
    sid: str | None
    session_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BackchannelAnswer:
    """The response to the provider (Back-Channel Logout 1.0 §2.8)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: dict(NO_STORE))
    logged_out: LoggedOut | None = None

    @classmethod
    def refused(cls, description: str, status: int = 400) -> BackchannelAnswer:
        error = "invalid_request" if status == 400 else "temporarily_unavailable"
        body = json.dumps({"error": error, "error_description": description}).encode()
        return cls(status, body, {**NO_STORE, "Content-Type": "application/json"})


LOGOUT_FAILED = BackchannelAnswer.refused("the logout could not be completed")
OnLogout = Callable[[LoggedOut], None]
AsyncOnLogout = Callable[[LoggedOut], Awaitable[None] | None]


class WebLoginCore:
    def __init__(
        self, provider: ProviderCore, settings: WebLoginSettings, registry: SessionRegistry
    ) -> None:
        self.settings = settings
        self.registry = registry
        self._provider = provider
        self._clock: Clock = provider.clock
        self._transactions = Sealer(settings.secret_key, "login transaction")
        self._sessions = Sealer(settings.secret_key, "app session")
        self._client = ClientAuthentication(settings.client_id, settings.client_secret)

    # Sign-in

    def start(
        self,
        return_to: str,
        *,
        max_age: int | None,
        acr_values: Collection[str] | None,
        prompt: str | None,
    ) -> Flow[LoginStart]:
        """The authorization request (OIDC Core §3.1.2.1) and its sealed transaction."""
        transaction = LoginTransaction.new(return_to, max_age, acr_values)
        endpoint = (yield from self._provider.metadata.current()).authorization_endpoint
        if endpoint is None:
            raise ProviderUnavailable("the discovery document names no authorization endpoint")
        query = transaction.authorization_query(
            client_id=self.settings.client_id,
            redirect_uri=self.settings.redirect_uri,
            scope=self.settings.scope,
            prompt=prompt,
        )
        timeout = self.settings.login_timeout
        sealed = self._transactions.seal(
            transaction.to_payload(), now=self._clock(), max_age=timeout
        )
        cookie = self._login_cookie(sealed, timeout)
        return LoginStart(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", cookie)

    def finish(self, params: Mapping[str, str], login_cookie: str | None) -> Flow[SignedIn]:
        """The callback: the transaction's state, the code redeemed with its verifier
        (RFC 7636 §4.5), the ID token with its nonce and at_hash (OIDC Core §3.1.3.7)."""
        transaction = self._open_transaction(login_cookie)
        code = check_callback(params, transaction, self._provider.issuer)
        answer = yield from self._redeem(code, transaction)
        tokens = self._tokens(answer, "token response", previous=None)
        claims = yield from self._provider.id_token(
            tokens.id_token,
            client_id=self.settings.client_id,
            nonce=transaction.nonce,
            access_token=tokens.access_token,
            max_age=transaction.max_age,
            acr_values=transaction.acr_values,
        )
        userinfo = yield from self._userinfo(tokens.access_token, claims.subject)
        session, cookie = self._new_session(Claims({**userinfo, **claims}), tokens)
        return SignedIn(session, cookie, self.login_cookie_deletion(), transaction.return_to)

    def _userinfo(self, access_token: str, subject: str) -> Flow[dict[str, Any]]:
        """OIDC Core §5.3: the claims the ID token leaves to UserInfo (§5.4), when
        ``settings.claims`` asks for any; its ``sub`` must be the ID token's (§5.3.2)."""
        endpoint = (yield from self._provider.metadata.current()).userinfo_endpoint
        if endpoint is None or not self.settings.claims:
            return {}
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        response = yield HttpRequest(endpoint, "UserInfo response", headers=headers)
        if response.status != 200:
            raise ProviderUnavailable(f"the UserInfo response: HTTP {response.status}")
        try:
            userinfo = loads_object(response.body)
        except InvalidJson as exc:
            raise ProviderUnavailable(f"the UserInfo response: {exc}") from None
        if userinfo.get("sub") != subject:
            raise InvalidClaims("the UserInfo response is of another subject (OIDC Core §5.3.2)")
        return userinfo

    def _open_transaction(self, value: str | None) -> LoginTransaction:
        payload = self._transactions.open(value, now=self._clock()) if value else None
        if payload is None:
            raise InvalidLoginState("this browser has no sign-in under way (or it expired)")
        return LoginTransaction.from_payload(payload)

    def _redeem(self, code: str, transaction: LoginTransaction) -> Flow[dict[str, Any]]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "code_verifier": transaction.code_verifier,
        }
        try:
            return (yield from self._token_request(form, "token response"))
        except TokenRequestFailed as exc:
            raise LoginRefused(exc.error, exc.description) from None

    def _token_request(self, form: dict[str, str], purpose: str) -> Flow[dict[str, Any]]:
        return (yield from post_token_request(self._provider.metadata, self._client, form, purpose))

    def _tokens(
        self, answer: dict[str, Any], purpose: str, previous: SessionTokens | None
    ) -> SessionTokens:
        """RFC 6749 §5.1 (and §6: a refresh may keep the refresh token and, OIDC Core
        §12.2, the ID token)."""
        token_type_of(answer, purpose, ("Bearer",))
        lifetime = expires_in_of(answer, purpose)
        id_token = optional_string(answer, "id_token", purpose)
        if id_token is None and previous is None:
            raise ProviderUnavailable(f"the {purpose} has no id_token")
        refresh_token = optional_string(answer, "refresh_token", purpose)
        return SessionTokens(
            id_token=id_token or (previous.id_token if previous else ""),
            access_token=access_token_of(answer, purpose),
            access_expires_at=self._clock() + lifetime if lifetime is not None else None,
            refresh_token=refresh_token or (previous.refresh_token if previous else None),
        )

    def _new_session(self, claims: Claims, tokens: SessionTokens) -> tuple[AppSession, Cookie]:
        now, sid, auth_time = self._clock(), claims.get("sid"), claims.get("auth_time")
        record = SessionRecord(
            id=secrets.token_urlsafe(32),
            subject=claims.subject,
            sid=sid if isinstance(sid, str) else None,
            created_at=now,
            expires_at=now + self.settings.absolute_timeout,
            last_seen=now,
            tokens=tokens,
        )
        self.registry.save(record, now)
        kept = {name: claims[name] for name in self.settings.claims if name in claims}
        session = AppSession(
            id=record.id,
            subject=record.subject,
            sid=record.sid,
            claims=kept,
            auth_time=auth_time if isinstance(auth_time, int | float) else None,
            created_at=now,
            expires_at=record.expires_at,
            last_seen=now,
        )
        cookie = self._session_cookie(session)
        if not check_cookie_size(cookie):
            session = replace(session, claims={})
            cookie = self._session_cookie(session)
        return session, cookie

    # The app session

    def session(self, cookie: str | None) -> AppSession | None:
        """The session the cookie names, if it has not ended: not signed out, not ended
        by back-channel logout, within its idle and absolute timeouts."""
        now = self._clock()
        payload = self._sessions.open(cookie, now=now) if cookie else None
        record = self.registry.load(str(payload.get("id"))) if payload else None
        if payload is None or record is None:
            return None
        if now >= record.expires_at or now >= record.last_seen + self.settings.idle_timeout:
            self.registry.delete(record.id)
            return None
        if now - record.last_seen >= min(MAX_TOUCH_INTERVAL, self.settings.idle_timeout / 10):
            record = replace(record, last_seen=now)
            self.registry.save(record, now)
        return AppSession.from_cookie(payload, record)

    def seconds_left(self, session: AppSession) -> float:
        """Until the session ends by itself: the app's idle or absolute timeout, or the
        provider's SSO session (given ``sso_session_lifetime``, from ``auth_time``)."""
        ends = [session.expires_at, session.last_seen + self.settings.idle_timeout]
        lifetime = self.settings.sso_session_lifetime
        if lifetime is not None and session.auth_time is not None:
            ends.append(session.auth_time + lifetime)
        return max(0.0, min(ends) - self._clock())

    def access_token(self, session: AppSession) -> Flow[str]:
        """The session's access token, refreshed first when it expires within
        ``refresh_margin`` (one refresh at a time: a rotated refresh token used twice
        would end the grant, RFC 9700 §4.14.2)."""
        record = self._record(session.id)
        if self._fresh(record.tokens):
            return record.tokens.access_token
        lock = f"web login refresh {hash(session.id) % REFRESH_LOCKS}"
        token: str = yield Exclusive(lock, self._refresh(session.id))
        return token

    def _refresh(self, session_id: str) -> Flow[str]:
        record = self._record(session_id)  # again: the refresh before may have done it
        if self._fresh(record.tokens):
            return record.tokens.access_token
        if record.tokens.refresh_token is None:
            raise SessionEnded("the access token expired and the session has no refresh token")
        form = {"grant_type": "refresh_token", "refresh_token": record.tokens.refresh_token}
        try:
            answer = yield from self._token_request(form, "token refresh")
        except TokenRequestFailed as exc:
            if exc.error != "invalid_grant":
                raise
            self.registry.delete(session_id)  # RFC 6749 §5.2: the grant is over
            raise SessionEnded("the provider ended the session's grant") from None
        tokens = self._tokens(answer, "token refresh", previous=record.tokens)
        if tokens.id_token != record.tokens.id_token:
            yield from self._check_refreshed_id_token(tokens, record.subject)
        self.registry.save(replace(record, tokens=tokens), self._clock())
        return tokens.access_token

    def _check_refreshed_id_token(self, tokens: SessionTokens, subject: str) -> Flow[None]:
        """OIDC Core §12.2: the same issuer and subject; no nonce."""
        claims = yield from self._provider.id_token(
            tokens.id_token,
            client_id=self.settings.client_id,
            nonce=None,
            access_token=tokens.access_token,
            max_age=None,
            acr_values=None,
        )
        if claims.subject != subject:
            raise InvalidClaims("the refreshed ID token is of another subject")

    def _record(self, session_id: str) -> SessionRecord:
        record = self.registry.load(session_id)
        if record is None:
            raise SessionEnded("the app session has ended")
        return record

    def _fresh(self, tokens: SessionTokens) -> bool:
        expires_at = tokens.access_expires_at
        return expires_at is None or self._clock() < expires_at - self.settings.refresh_margin

    # Sign-out

    def logout(self, session: AppSession | None, *, state: str | None) -> Flow[SignedOut]:
        """Ends the app session here, then the provider's (RP-Initiated Logout 1.0 §2):
        the end-session URL with the ID token as hint, so the provider need not ask."""
        record = self.registry.load(session.id) if session is not None else None
        if session is not None:
            self.registry.delete(session.id)
        endpoint = (yield from self._provider.metadata.current()).end_session_endpoint
        clear = self._session_cookie_deletion()
        if endpoint is None:  # the provider has no RP-initiated logout
            return SignedOut(self.settings.post_logout_redirect_uri or "/", clear)
        query = {"client_id": self.settings.client_id}
        if record is not None:
            query["id_token_hint"] = record.tokens.id_token
        if self.settings.post_logout_redirect_uri is not None:
            query["post_logout_redirect_uri"] = self.settings.post_logout_redirect_uri
            if state is not None:
                query["state"] = state
        return SignedOut(f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}", clear)

    def backchannel_logout(self, body: bytes, content_type: str) -> Flow[BackchannelAnswer]:
        """Back-Channel Logout 1.0 §2.5-§2.8: the logout token validated (its ``jti``
        not seen before), then every app session of its ``sid``, or of its ``sub``
        when it names no session, ended. Never an exception for a bad request."""
        token = _logout_token_of(body, content_type)
        if token is None:
            return BackchannelAnswer.refused("the body is not a form with one logout_token")
        try:
            claims = yield from self._provider.logout_token(
                token, client_id=self.settings.client_id
            )
        except ProviderUnavailable:  # not the token's fault: the provider sends it again
            return BackchannelAnswer.refused("the provider's keys are unavailable", 503)
        except TokenError as exc:
            return BackchannelAnswer.refused(f"the logout token is not valid: {exc}")
        sid, subject = claims.get("sid"), claims.get("sub")
        if isinstance(sid, str):
            ended = self.registry.delete_by_sid(sid)
        else:
            ended = self.registry.delete_by_subject(str(subject))
        logged_out = LoggedOut(
            subject if isinstance(subject, str) else None,
            sid if isinstance(sid, str) else None,
            tuple(ended),
        )
        return BackchannelAnswer(200, logged_out=logged_out)

    # Cookies

    def _login_cookie(self, value: str, max_age: int) -> Cookie:
        path = urlsplit(self.settings.redirect_uri).path or "/"
        return Cookie(self.settings.login_cookie, value, max_age, self.settings.secure, path)

    def login_cookie_deletion(self) -> Cookie:
        return self._login_cookie("", 0)

    def _session_cookie(self, session: AppSession) -> Cookie:
        lifetime = self.settings.absolute_timeout
        sealed = self._sessions.seal(
            session.cookie_payload(), now=session.created_at, max_age=lifetime
        )
        return Cookie(self.settings.session_cookie, sealed, lifetime, self.settings.secure)

    def _session_cookie_deletion(self) -> Cookie:
        return Cookie(self.settings.session_cookie, "", 0, self.settings.secure)


def _logout_token_of(body: bytes, content_type: str) -> str | None:
    """§2.5: an application/x-www-form-urlencoded body with ``logout_token``."""
    if content_type.split(";")[0].strip().lower() != FORM:
        return None
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return None
    tokens = fields.get("logout_token", [])
    return tokens[0] if len(tokens) == 1 else None


class WebLogin:
    """The web-app login helper for threaded code, on a ``Provider``. ``registry``: where
    app sessions are kept (in memory by default); ``on_logout``: told of each app
    session a back-channel logout ended."""

    def __init__(
        self,
        provider: Provider,
        settings: WebLoginSettings,
        *,
        registry: SessionRegistry | None = None,
        on_logout: OnLogout | None = None,
    ) -> None:
        registry = registry if registry is not None else InMemorySessionRegistry()
        self.core = WebLoginCore(provider._core, settings, registry)
        self._driver = provider._driver
        self._on_logout = on_logout

    def start_login(
        self,
        return_to: str = "/",
        *,
        max_age: int | None = None,
        acr_values: Collection[str] | None = None,
        prompt: str | None = None,
    ) -> LoginStart:
        """``return_to``: a path of this app (UnsafeReturnTo otherwise)."""
        flow = self.core.start(return_to, max_age=max_age, acr_values=acr_values, prompt=prompt)
        return self._driver.run(flow)

    def finish_login(self, params: Mapping[str, str], login_cookie: str | None) -> SignedIn:
        """The callback's query and the login transaction cookie."""
        return self._driver.run(self.core.finish(params, login_cookie))

    def session(self, cookie: str | None) -> AppSession | None:
        return self.core.session(cookie)

    def seconds_left(self, session: AppSession) -> float:
        return self.core.seconds_left(session)

    def access_token(self, session: AppSession) -> str:
        return self._driver.run(self.core.access_token(session))

    def logout(self, session: AppSession | None, *, state: str | None = None) -> SignedOut:
        return self._driver.run(self.core.logout(session, state=state))

    def receive_backchannel_logout(self, body: bytes, content_type: str) -> BackchannelAnswer:
        answer = self._driver.run(self.core.backchannel_logout(body, content_type))
        if answer.logged_out is not None and self._on_logout is not None:
            try:
                self._on_logout(answer.logged_out)
            except Exception:
                log.exception("on_logout failed")
                return LOGOUT_FAILED
        return answer


class AsyncWebLogin:
    """``WebLogin`` for asyncio, on an ``AsyncProvider``; ``on_logout`` may be async."""

    def __init__(
        self,
        provider: AsyncProvider,
        settings: WebLoginSettings,
        *,
        registry: SessionRegistry | None = None,
        on_logout: AsyncOnLogout | None = None,
    ) -> None:
        registry = registry if registry is not None else InMemorySessionRegistry()
        self.core = WebLoginCore(provider._core, settings, registry)
        self._driver = provider._driver
        self._on_logout = on_logout

    async def start_login(
        self,
        return_to: str = "/",
        *,
        max_age: int | None = None,
        acr_values: Collection[str] | None = None,
        prompt: str | None = None,
    ) -> LoginStart:
        flow = self.core.start(return_to, max_age=max_age, acr_values=acr_values, prompt=prompt)
        return await self._driver.run(flow)

    async def finish_login(self, params: Mapping[str, str], login_cookie: str | None) -> SignedIn:
        return await self._driver.run(self.core.finish(params, login_cookie))

    def session(self, cookie: str | None) -> AppSession | None:
        return self.core.session(cookie)

    def seconds_left(self, session: AppSession) -> float:
        return self.core.seconds_left(session)

    async def access_token(self, session: AppSession) -> str:
        return await self._driver.run(self.core.access_token(session))

    async def logout(self, session: AppSession | None, *, state: str | None = None) -> SignedOut:
        return await self._driver.run(self.core.logout(session, state=state))

    async def receive_backchannel_logout(self, body: bytes, content_type: str) -> BackchannelAnswer:
        answer = await self._driver.run(self.core.backchannel_logout(body, content_type))
        if answer.logged_out is not None and self._on_logout is not None:
            try:
                result = self._on_logout(answer.logged_out)
                if result is not None:
                    await result
            except Exception:
                log.exception("on_logout failed")
                return LOGOUT_FAILED
        return answer
