"""``Provider``: the SDK for threaded code, on httpx.Client. Flows (idp.rp.flow) run in
the caller's thread, a lock per name keeping one fetch of a document in flight at a
time; the revocation follower runs each of its loops in a daemon thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from idp.rp.claims import Claims
from idp.rp.client_credentials import DEFAULT_REFRESH_BEFORE, ServiceTokenView, TokenCache
from idp.rp.core import (
    DEFAULT_LEEWAY,
    DEFAULT_MAX_TOKEN_SIZE,
    DEFAULT_REFETCH_INTERVAL,
    ProviderCore,
)
from idp.rp.errors import ProviderRefusal, ProviderUnavailable
from idp.rp.flow import (
    Compute,
    Exclusive,
    Flow,
    HttpRequest,
    HttpResponse,
    ReadChunk,
    Step,
    Subscribe,
    Unsubscribe,
)
from idp.rp.following import (
    DEFAULT_MAX_STALENESS,
    RESTART_AFTER,
    FollowerView,
    Following,
    FollowOptions,
)
from idp.rp.revocation import OnStale
from idp.rp.token_endpoint import ClientAuthentication
from idp.rp.token_exchange import ACCESS_TOKEN_TYPE, IssuedToken, exchange_form, exchange_token

if TYPE_CHECKING:  # the policy engine is the authz extra: imported when it is used
    from idp.authz.decisions import Decision
    from idp.authz.entities import Resource
    from idp.rp.errors import PolicyBundleError
    from idp.rp.policies import IPAddress, PolicyBundles

from idp.rp.transport import (
    DEFAULT_TIMEOUT,
    answer,
    build_request,
    check_encoding,
    check_size,
    cut,
    unavailable,
)

T = TypeVar("T")
log = logging.getLogger("idp.rp")


class Provider:
    """An OpenID provider (Tessera) whose tokens this application validates.

    ``issuer`` is the provider's issuer identifier, exactly (https; http only on a
    loopback host). ``http``: a client of your own (its transport, proxies, TLS);
    every request still gets ``timeout`` seconds. ``clock``: epoch seconds, for
    tests. ``algorithms`` narrows the allow-list taken from discovery.
    """

    def __init__(
        self,
        issuer: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        leeway: float = DEFAULT_LEEWAY,
        max_token_size: int = DEFAULT_MAX_TOKEN_SIZE,
        algorithms: Collection[str] | None = None,
        jwks_refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._core = ProviderCore(
            issuer,
            clock=clock,
            leeway=leeway,
            max_token_size=max_token_size,
            algorithms=algorithms,
            jwks_refetch_interval=jwks_refetch_interval,
        )
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._driver = SyncDriver(self._http, timeout)
        self._follower: RevocationFollower | None = None

    @property
    def issuer(self) -> str:
        return self._core.issuer

    def validate_access_token(
        self,
        token: str,
        *,
        audience: str,
        scopes: str | Iterable[str] = (),
        acr_values: Collection[str] | None = None,
        max_age: float | None = None,
    ) -> Claims:
        """An RFC 9068 access token for ``audience`` that has every scope in ``scopes``
        (a list, or a space-separated string); from a user authentication of one of
        ``acr_values`` and at most ``max_age`` seconds old, each when given (RFC 9470)."""
        flow = self._core.access_token(token, audience, scopes, acr_values, max_age)
        return self._driver.run(flow)

    def validate_id_token(
        self,
        token: str,
        *,
        client_id: str,
        nonce: str | None = None,
        access_token: str | None = None,
        max_age: float | None = None,
        acr_values: Collection[str] | None = None,
    ) -> Claims:
        """An OIDC ID token for ``client_id``: with the ``nonce`` sent, bound to
        ``access_token`` (``at_hash``), from an authentication at most ``max_age``
        seconds old, of one of ``acr_values``, each when given."""
        flow = self._core.id_token(
            token,
            client_id=client_id,
            nonce=nonce,
            access_token=access_token,
            max_age=max_age,
            acr_values=acr_values,
        )
        return self._driver.run(flow)

    def validate_logout_token(self, token: str, *, client_id: str) -> Claims:
        """A back-channel logout token for ``client_id``, refused if its ``jti`` was
        seen before by this Provider."""
        return self._driver.run(self._core.logout_token(token, client_id=client_id))

    def follow_revocations(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        stream_id: str | None = None,
        last_event_id: str | None = None,
        status_lists: bool = True,
        max_staleness: float = DEFAULT_MAX_STALENESS,
        on_stale: OnStale = "reject",
    ) -> RevocationFollower:
        """Follow the status lists (unless ``status_lists=False``) and, given a
        receiver's client credentials (scopes ``ssf.manage ssf.read``), the security
        event stream; from now on every access and ID token is checked against them."""
        options = FollowOptions(
            client_id,
            client_secret,
            stream_id,
            last_event_id,
            status_lists,
            max_staleness,
            on_stale,
        )
        self._follower = RevocationFollower(self._core.follow(options), self._driver)
        return self._follower

    def client_credentials(
        self,
        client_id: str,
        client_secret: str,
        *,
        scope: str | Iterable[str] | None = None,
        resource: str | None = None,
        refresh_before: float = DEFAULT_REFRESH_BEFORE,
    ) -> ClientCredentials:
        """The service's own access tokens (RFC 6749 §4.4), for ``scope`` and the API
        ``resource`` names (RFC 8707) when given: keep the handle and ask it for the token
        before each call; one is reused until ``refresh_before`` seconds (at most half
        its lifetime) before it expires."""
        cache = TokenCache(
            ClientAuthentication(client_id, client_secret),
            scope=scope,
            resource=resource,
            refresh_before=refresh_before,
            metadata=self._core.metadata,
            clock=self._core.clock,
        )
        return ClientCredentials(cache, self._driver)

    def exchange_token(
        self,
        subject_token: str,
        *,
        client_id: str,
        client_secret: str,
        audience: str | None = None,
        resource: str | None = None,
        scope: str | Iterable[str] | None = None,
        subject_token_type: str = ACCESS_TOKEN_TYPE,
        actor_token: str | None = None,
        actor_token_type: str = ACCESS_TOKEN_TYPE,
        requested_token_type: str | None = None,
    ) -> IssuedToken:
        """RFC 8693 §2.1: ``subject_token`` exchanged, by the client ``client_id``, for
        a token for ``audience`` or ``resource``, of ``scope`` when given; one request
        each time, nothing cached."""
        form = exchange_form(
            subject_token,
            subject_token_type=subject_token_type,
            actor_token=actor_token,
            actor_token_type=actor_token_type,
            audience=audience,
            resource=resource,
            scope=scope,
            requested_token_type=requested_token_type,
        )
        client = ClientAuthentication(client_id, client_secret)
        return self._driver.run(exchange_token(self._core.metadata, client, form))

    def local_policies(
        self,
        client_id: str,
        client_secret: str,
        *,
        bundle_uri: str | None = None,
    ) -> LocalPolicies:
        """Decide locally what the decision API would (idp.rp.policies), with the
        provider's policy bundle fetched with the client credentials of a client allowed
        ``access.evaluate``; raises AuthzExtraMissing without the ``authz`` extra."""
        client = ClientAuthentication(client_id, client_secret)
        bundles = self._core.policy_bundles(client, bundle_uri)
        return LocalPolicies(bundles, self._driver)

    def close(self) -> None:
        if self._follower is not None:
            self._follower.stop()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ClientCredentials(ServiceTokenView):
    """A service's own access token, requested by one thread at a time, reused until
    shortly before it expires (idp.rp.client_credentials)."""

    def __init__(self, cache: TokenCache, driver: SyncDriver) -> None:
        super().__init__(cache)
        self._driver = driver

    def access_token(self) -> str:
        """The token held, or a new one: raises TokenRequestFailed if the provider
        refuses, ProviderUnavailable if it cannot be reached."""
        return self._driver.run(self._cache.access_token())


class LocalPolicies:
    """Local decisions on the provider's policy bundle, fetched and checked by one
    thread at a time (idp.rp.policies); deciding never raises."""

    def __init__(self, bundles: PolicyBundles, driver: SyncDriver) -> None:
        self._bundles = bundles
        self._driver = driver

    @property
    def version(self) -> int | None:
        """The policy version in force; None before a good bundle."""
        good = self._bundles.good
        return good.version if good is not None else None

    @property
    def last_error(self) -> PolicyBundleError | None:
        """Why the last bundle fetched was refused, if it was."""
        return self._bundles.last_error

    def load(self) -> int:
        """The bundle, fetched now if needed (call it before serving): its policy
        version, or the error that leaves no good bundle (a PolicyBundleError naming the
        check, ProviderUnavailable, TokenRequestFailed)."""
        return self._driver.run(self._bundles.current()).version

    def decide(
        self,
        claims: Mapping[str, Any],
        action: str,
        resource: Resource,
        *,
        context: Mapping[str, Any] | None = None,
        ip: IPAddress | None = None,
    ) -> Decision:
        """May the validated token's principal do ``action`` to ``resource``?"""
        return self._driver.run(self._bundles.decide(claims, action, resource, context, ip))

    def evaluate(self, claims: Mapping[str, Any], request: Mapping[str, Any]) -> Decision:
        """An AuthZEN Access Evaluation request, for the validated token's principal."""
        return self._driver.run(self._bundles.evaluate(claims, request))


class RevocationFollower(FollowerView):
    """The provider's revocations, followed in daemon threads until ``stop()``."""

    def __init__(self, following: Following, driver: SyncDriver) -> None:
        super().__init__(following)
        self._driver = driver
        self._runs: list[tuple[_Background, threading.Thread]] = []
        for number, loop in enumerate(following.loops()):
            background = _Background()
            thread = threading.Thread(
                target=self._keep_running,
                args=(loop, background),
                name=f"idp.rp follower {number}",
                daemon=True,
            )
            self._runs.append((background, thread))
            thread.start()

    def wait_until_current(self, timeout: float = 10.0) -> bool:
        """Whether every source followed is current (each status list fetched, the
        stream subscribed) within ``timeout`` seconds: call it before serving."""
        return self._driver.run(self._following.until_current(timeout), _Background())

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following. The state stays: once older than ``max_staleness``, tokens
        are refused as stale (or accepted with a warning, by ``on_stale``)."""
        for background, _ in self._runs:
            background.stop()
        for _, thread in self._runs:
            thread.join(timeout)

    def _keep_running(self, loop: Callable[[], Flow[None]], background: _Background) -> None:
        """A loop that fails unexpectedly is logged and started again (the state ages
        meanwhile: fail closed)."""
        try:
            while not background.stopping.is_set():
                try:
                    self._driver.run(loop(), background)
                    return
                except Exception:
                    log.exception("a revocation follower loop failed; restarting it")
                background.stopping.wait(RESTART_AFTER)
        finally:
            background.unsubscribe()


class SyncDriver:
    def __init__(self, http: httpx.Client, timeout: float) -> None:
        self._http = http
        self._timeout = timeout
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def run(self, flow: Flow[T], background: _Background | None = None) -> T:
        reply: Any = None
        # what a step failed with (the provider down, or a sub-flow's refusal) goes
        # back into the flow that asked, which may handle it
        error: ProviderUnavailable | ProviderRefusal | None = None
        try:
            while True:
                try:
                    step = flow.send(reply) if error is None else flow.throw(error)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
                try:
                    reply, error = self._perform(step, background), None
                except (ProviderUnavailable, ProviderRefusal) as exc:
                    reply, error = None, exc
        finally:
            flow.close()

    def _perform(self, step: Step, background: _Background | None) -> Any:
        if isinstance(step, HttpRequest):
            return self._send(step)
        if isinstance(step, Exclusive):
            return self._exclusive(step, background)
        if isinstance(step, Compute):
            return step.work()
        if background is None:
            raise RuntimeError(f"{type(step).__name__} is a step of background runs")
        if isinstance(step, Subscribe):
            return background.subscribe(self._http, step, self._timeout)
        if isinstance(step, ReadChunk):
            return background.read()
        if isinstance(step, Unsubscribe):
            return background.unsubscribe()
        return background.stopping.wait(step.seconds)

    def _exclusive(self, step: Exclusive[Any], background: _Background | None) -> Any:
        with self._locks_lock:
            lock = self._locks.setdefault(step.name, threading.Lock())
        if not lock.acquire(blocking=step.wait):
            step.flow.close()
            return None
        try:
            return self.run(step.flow, background)
        finally:
            lock.release()

    def _send(self, step: HttpRequest) -> HttpResponse:
        """The whole answer within the timeout, and within ``max_bytes``."""
        deadline = time.monotonic() + self._timeout
        request = build_request(self._http, step, httpx.Timeout(self._timeout))
        try:
            response = self._http.send(request, stream=True)
            try:
                check_encoding(response, step)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    check_size(body, step, time.monotonic() > deadline)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise unavailable(step, exc) from None
        return answer(response, bytes(body))


class _Background:
    """A background run's own: its stop signal and its open subscription."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._response: httpx.Response | None = None
        self._chunks: Iterator[bytes] = iter(())

    def subscribe(self, http: httpx.Client, step: Subscribe, timeout: float) -> HttpResponse:
        self.unsubscribe()
        request = build_request(http, step.request, httpx.Timeout(timeout, read=step.read_timeout))
        try:
            response = http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise unavailable(step.request, exc) from None
        self._response = response
        check_encoding(response, step.request)
        self._chunks = response.iter_bytes()  # identity: nothing to inflate
        return answer(response)

    def read(self) -> bytes:
        try:
            return next(self._chunks, b"")
        except httpx.HTTPError as exc:
            if self.stopping.is_set():
                return b""  # stop() cut it
            raise cut(exc) from None

    def unsubscribe(self) -> None:
        response, self._response, self._chunks = self._response, None, iter(())
        if response is not None:
            response.close()

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.unsubscribe()  # unblocks a read in the run's thread
        except Exception:  # whatever a cut stream says, it is stopping
            log.debug("closing a subscription", exc_info=True)
