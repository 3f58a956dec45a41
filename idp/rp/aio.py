"""``AsyncProvider``: the SDK for asyncio code, on httpx.AsyncClient. The same flows as
``Provider`` (idp.rp.core), run by awaiting each step; an asyncio lock per name keeps
one fetch of a document in flight at a time across tasks; the revocation follower runs
each of its loops in a task. One AsyncProvider belongs to one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping
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


class AsyncProvider:
    """``Provider`` for asyncio: the same arguments, the validations awaited."""

    def __init__(
        self,
        issuer: str,
        *,
        http: httpx.AsyncClient | None = None,
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
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)
        self._driver = AsyncDriver(self._http, timeout)
        self._follower: AsyncRevocationFollower | None = None

    @property
    def issuer(self) -> str:
        return self._core.issuer

    async def validate_access_token(
        self,
        token: str,
        *,
        audience: str,
        scopes: str | Iterable[str] = (),
        acr_values: Collection[str] | None = None,
        max_age: float | None = None,
    ) -> Claims:
        flow = self._core.access_token(token, audience, scopes, acr_values, max_age)
        return await self._driver.run(flow)

    async def validate_id_token(
        self,
        token: str,
        *,
        client_id: str,
        nonce: str | None = None,
        access_token: str | None = None,
        max_age: float | None = None,
        acr_values: Collection[str] | None = None,
    ) -> Claims:
        flow = self._core.id_token(
            token,
            client_id=client_id,
            nonce=nonce,
            access_token=access_token,
            max_age=max_age,
            acr_values=acr_values,
        )
        return await self._driver.run(flow)

    async def validate_logout_token(self, token: str, *, client_id: str) -> Claims:
        return await self._driver.run(self._core.logout_token(token, client_id=client_id))

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
    ) -> AsyncRevocationFollower:
        """As ``Provider.follow_revocations``; call it in the running event loop."""
        options = FollowOptions(
            client_id,
            client_secret,
            stream_id,
            last_event_id,
            status_lists,
            max_staleness,
            on_stale,
        )
        self._follower = AsyncRevocationFollower(self._core.follow(options), self._driver)
        return self._follower

    def client_credentials(
        self,
        client_id: str,
        client_secret: str,
        *,
        scope: str | Iterable[str] | None = None,
        resource: str | None = None,
        refresh_before: float = DEFAULT_REFRESH_BEFORE,
    ) -> AsyncClientCredentials:
        """As ``Provider.client_credentials``; its ``access_token()`` is awaited."""
        cache = TokenCache(
            ClientAuthentication(client_id, client_secret),
            scope=scope,
            resource=resource,
            refresh_before=refresh_before,
            metadata=self._core.metadata,
            clock=self._core.clock,
        )
        return AsyncClientCredentials(cache, self._driver)

    async def exchange_token(
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
        return await self._driver.run(exchange_token(self._core.metadata, client, form))

    def local_policies(
        self,
        client_id: str,
        client_secret: str,
        *,
        bundle_uri: str | None = None,
    ) -> AsyncLocalPolicies:
        """As ``Provider.local_policies``; its ``load``, ``decide`` and ``evaluate``
        are awaited (a new bundle is compiled in a worker thread)."""
        client = ClientAuthentication(client_id, client_secret)
        bundles = self._core.policy_bundles(client, bundle_uri)
        return AsyncLocalPolicies(bundles, self._driver)

    async def aclose(self) -> None:
        if self._follower is not None:
            await self._follower.stop()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class AsyncClientCredentials(ServiceTokenView):
    """``ClientCredentials`` for asyncio: one task at a time asks for a token."""

    def __init__(self, cache: TokenCache, driver: AsyncDriver) -> None:
        super().__init__(cache)
        self._driver = driver

    async def access_token(self) -> str:
        return await self._driver.run(self._cache.access_token())


class AsyncLocalPolicies:
    """``LocalPolicies`` for asyncio: one task at a time fetches the bundle."""

    def __init__(self, bundles: PolicyBundles, driver: AsyncDriver) -> None:
        self._bundles = bundles
        self._driver = driver

    @property
    def version(self) -> int | None:
        good = self._bundles.good
        return good.version if good is not None else None

    @property
    def last_error(self) -> PolicyBundleError | None:
        return self._bundles.last_error

    async def load(self) -> int:
        bundle = await self._driver.run(self._bundles.current())
        return bundle.version

    async def decide(
        self,
        claims: Mapping[str, Any],
        action: str,
        resource: Resource,
        *,
        context: Mapping[str, Any] | None = None,
        ip: IPAddress | None = None,
    ) -> Decision:
        return await self._driver.run(self._bundles.decide(claims, action, resource, context, ip))

    async def evaluate(self, claims: Mapping[str, Any], request: Mapping[str, Any]) -> Decision:
        return await self._driver.run(self._bundles.evaluate(claims, request))


class AsyncRevocationFollower(FollowerView):
    """The provider's revocations, followed in tasks until ``await stop()``."""

    def __init__(self, following: Following, driver: AsyncDriver) -> None:
        super().__init__(following)
        self._driver = driver
        self._runs = [(loop, _Background()) for loop in following.loops()]
        self._tasks = [
            asyncio.create_task(self._keep_running(loop, background), name="idp.rp follower")
            for loop, background in self._runs
        ]

    async def wait_until_current(self, timeout: float = 10.0) -> bool:
        return await self._driver.run(self._following.until_current(timeout), _Background())

    async def stop(self) -> None:
        for _, background in self._runs:
            background.stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_running(self, loop: Callable[[], Flow[None]], background: _Background) -> None:
        """As RevocationFollower._keep_running."""
        try:
            while not background.stopping.is_set():
                try:
                    await self._driver.run(loop(), background)
                    return
                except Exception:
                    log.exception("a revocation follower loop failed; restarting it")
                await background.sleep(RESTART_AFTER)
        finally:
            await background.unsubscribe()


class AsyncDriver:
    def __init__(self, http: httpx.AsyncClient, timeout: float) -> None:
        self._http = http
        self._timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}

    async def run(self, flow: Flow[T], background: _Background | None = None) -> T:
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
                    reply, error = await self._perform(step, background), None
                except (ProviderUnavailable, ProviderRefusal) as exc:
                    reply, error = None, exc
        finally:
            flow.close()

    async def _perform(self, step: Step, background: _Background | None) -> Any:
        if isinstance(step, HttpRequest):
            return await self._send(step)
        if isinstance(step, Exclusive):
            return await self._exclusive(step, background)
        if isinstance(step, Compute):
            return await asyncio.to_thread(step.work)
        if background is None:
            raise RuntimeError(f"{type(step).__name__} is a step of background runs")
        if isinstance(step, Subscribe):
            return await background.subscribe(self._http, step, self._timeout)
        if isinstance(step, ReadChunk):
            return await background.read()
        if isinstance(step, Unsubscribe):
            return await background.unsubscribe()
        return await background.sleep(step.seconds)

    async def _exclusive(self, step: Exclusive[Any], background: _Background | None) -> Any:
        lock = self._locks.setdefault(step.name, asyncio.Lock())
        if not step.wait and lock.locked():
            step.flow.close()
            return None
        async with lock:
            return await self.run(step.flow, background)

    async def _send(self, step: HttpRequest) -> HttpResponse:
        """The whole answer within the timeout, and within ``max_bytes``."""
        request = build_request(self._http, step, httpx.Timeout(self._timeout))
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.send(request, stream=True)
                try:
                    check_encoding(response, step)
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        check_size(body, step, late=False)
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            raise unavailable(step, exc) from None
        except TimeoutError:
            raise ProviderUnavailable(f"the provider's {step.purpose} is too slow") from None
        return answer(response, bytes(body))


class _Background:
    """A background run's own: its stop signal and its open subscription."""

    def __init__(self) -> None:
        self.stopping = asyncio.Event()
        self._response: httpx.Response | None = None
        self._chunks: AsyncIterator[bytes] | None = None

    async def subscribe(
        self, http: httpx.AsyncClient, step: Subscribe, timeout: float
    ) -> HttpResponse:
        await self.unsubscribe()
        request = build_request(http, step.request, httpx.Timeout(timeout, read=step.read_timeout))
        try:
            response = await http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise unavailable(step.request, exc) from None
        self._response = response
        check_encoding(response, step.request)
        self._chunks = response.aiter_bytes()  # identity: nothing to inflate
        return answer(response)

    async def read(self) -> bytes:
        if self._chunks is None:
            return b""
        try:
            return await anext(self._chunks, b"")
        except httpx.HTTPError as exc:
            raise cut(exc) from None

    async def unsubscribe(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            await response.aclose()

    async def sleep(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)
        return self.stopping.is_set()
