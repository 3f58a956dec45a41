"""create_app(settings) -> FastAPI: mounts the routers; nothing else lives here."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from idp import __version__
from idp.clock import Clock
from idp.config import Settings
from idp.http.errors import install_error_handlers
from idp.http.headers import SecurityHeadersMiddleware
from idp.interaction.routes import router as interaction_router
from idp.oauth.routes import authorize_router
from idp.oauth.routes import router as oauth_router
from idp.oidc.routes import router as oidc_router
from idp.provider import Provider

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    app = build_routes()
    app.state.provider = Provider.from_settings(settings or Settings(), clock)
    return app


def build_routes() -> FastAPI:
    """The application without a provider: what the OpenAPI document is generated from."""
    app = FastAPI(
        title="Tessera",
        version=__version__,
        summary="OpenID Connect and OAuth 2.0 identity provider",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(oidc_router)
    app.include_router(authorize_router)
    app.include_router(oauth_router)
    app.include_router(interaction_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["Operations"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
