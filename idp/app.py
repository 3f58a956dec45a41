"""create_app(settings) -> FastAPI: mounts the routers; nothing else lives here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import Lifespan

from idp import __version__
from idp.account.routes import router as account_router
from idp.authn.routes import account_passkeys, passkeys
from idp.authn.routes.magic_links import router as magic_link_router
from idp.authn.routes.passwords import router as password_router
from idp.authz.routes import DIRECT_ROUTES as AUTHZEN_DIRECT_ROUTES
from idp.authz.routes import PATHS as AUTHZEN_PATHS
from idp.authz.routes import router as authzen_router
from idp.clock import Clock
from idp.config import Settings
from idp.demo.routes import router as demo_router
from idp.errors import TemporarilyUnavailableError
from idp.http import openapi
from idp.http.cors import CorsMiddleware
from idp.http.direct_routes import DirectRoutes
from idp.http.errors import ErrorRenderer
from idp.http.headers import SecurityHeadersMiddleware
from idp.http.request_id import RequestIdEcho
from idp.interaction.routes import router as interaction_router
from idp.keys.keyring import KeySealError
from idp.oauth.routes import DIRECT_ROUTES as OAUTH_DIRECT_ROUTES
from idp.oauth.routes import authorize_router, device_router
from idp.oauth.routes import router as oauth_router
from idp.oidc.routes import DIRECT_ROUTES as OIDC_DIRECT_ROUTES
from idp.oidc.routes import logout_router
from idp.oidc.routes import router as oidc_router
from idp.provider import Provider
from idp.refresher import CacheRefresher, Job
from idp.revocation.routes import router as status_list_router
from idp.ssf.routes import router as ssf_router

STATIC_DIR = Path(__file__).parent / "web" / "static"
log = logging.getLogger("idp")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_routes(settings, lifespan=maintenance)
    if settings.demo:
        app.include_router(demo_router)
    app.state.provider = Provider.from_settings(settings, clock)
    return app


def cache_refresher(provider: Provider) -> CacheRefresher:
    settings = provider.settings
    interval = settings.cache_poll_interval
    return CacheRefresher(
        [
            Job("revocations and clients", provider.refresh_caches, provider.cache_poll_interval),
            Job("signing keys", provider.refresh_keys, settings.key_cache_ttl),
            Job(
                "status-list indexes",
                provider.flush_status_indexes,
                settings.status_flush_interval,
            ),
        ],
        tick=min(interval, 1.0),
    )


@asynccontextmanager
async def maintenance(app: FastAPI) -> AsyncIterator[None]:
    """The node's cache refresher (which also records the status-list indexes the node
    handed out; its blocks are closed at shutdown) and outbox worker, and periodic jobs
    any node may run: scheduled key rotation (checked every IDP_KEY_CACHE_TTL seconds)
    and pruning of dead rows (every IDP_PRUNE_INTERVAL)."""
    provider: Provider = app.state.provider
    settings = provider.settings
    refresher = cache_refresher(provider)
    try:
        await run_in_threadpool(refresher.run_once)
        await run_in_threadpool(provider.seal_stored_push_credentials)
    except KeySealError as error:
        log.critical("%s", error)
        raise
    except TemporarilyUnavailableError as error:
        log.warning(
            "starting without the database: %s; answers will be 503 until it is back", error.debug
        )
    refresher.start()
    provider.bus.start(provider.hear, on_reconnect=provider.refresh_caches)
    provider.deliveries.start()
    jobs = [
        (provider.rotate_keys_if_due, settings.key_cache_ttl, settings.key_rotation_period),
        (provider.prune, settings.prune_interval, settings.prune_interval),
    ]
    tasks = [
        asyncio.create_task(_every(interval, job)) for job, interval, enabled in jobs if enabled
    ]
    yield
    provider.deliveries.stop()
    provider.bus.stop()
    refresher.stop()
    await run_in_threadpool(provider.close_status_indexes)
    for task in tasks:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
    provider.database.dispose()


async def _every(interval: float, job: Callable[[], object]) -> None:
    while True:
        try:
            await run_in_threadpool(job)
        except Exception:
            log.exception("periodic job %s failed; it will run again", job.__name__)
        await asyncio.sleep(interval)


def build_routes(settings: Settings, lifespan: Lifespan[FastAPI] | None = None) -> FastAPI:
    """The application without a provider: what the OpenAPI document is generated from."""
    app = FastAPI(
        title="Tessera",
        version=__version__,
        summary="OpenID Connect and OAuth 2.0 identity provider",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    errors = ErrorRenderer(settings.issuer)
    errors.install(app)
    openapi.install(app)
    direct = OAUTH_DIRECT_ROUTES | OIDC_DIRECT_ROUTES | AUTHZEN_DIRECT_ROUTES
    app.add_middleware(DirectRoutes, routes=direct, errors=errors)
    app.add_middleware(RequestIdEcho, prefixes=AUTHZEN_PATHS)  # outside: errors get it too
    app.add_middleware(CorsMiddleware)  # outside DirectRoutes, so the hot routes get it
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(oauth_router)
    app.include_router(oidc_router)
    app.include_router(authorize_router)
    app.include_router(interaction_router)
    app.include_router(device_router)
    app.include_router(logout_router)
    app.include_router(account_router)
    app.include_router(passkeys.router)
    app.include_router(account_passkeys.pages)
    app.include_router(account_passkeys.api)
    app.include_router(password_router)
    app.include_router(magic_link_router)
    app.include_router(status_list_router)
    app.include_router(ssf_router)
    app.include_router(authzen_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["Operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
