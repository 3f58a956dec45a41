"""Demo data: a user with a fresh password; a public client whose redirect URIs are the
demo relying party (/demo/callback) and examples/web_app.py, which it also signs out by
back-channel logout; and a service client with a fresh secret, whose client-credentials
tokens examples/orders_api.py takes."""

from __future__ import annotations

from idp.admin.clients import ClientRegistration, delete_client, register_client
from idp.authn.passwords import hash_password
from idp.authn.users import User
from idp.demo.example_app import (
    EXAMPLE_BACKCHANNEL_LOGOUT_URI,
    EXAMPLE_POST_LOGOUT_REDIRECT_URI,
    EXAMPLE_REDIRECT_URI,
    ORDERS_API_AUDIENCE,
    ORDERS_API_SCOPE,
)
from idp.oauth.clients import Client
from idp.provider import Provider
from idp.secret import new_token
from idp.store.repository import SqlStore

DEMO_USERNAME = "demo"
DEMO_CLIENT_NAME = "Tessera demo app"
DEMO_SERVICE_NAME = "Tessera demo orders service"


def seed_demo(store: SqlStore, provider: Provider) -> str:
    """Create (or refresh) the demo data; returns what to print. The demo password is
    new at every start, so no fixed credential ships with Tessera."""
    password = new_token(12)
    _seed_user(store, provider, password)
    client = _seed_client(store, provider)
    service_id, service_secret = _seed_service(store, provider)
    issuer = provider.settings.issuer
    return "\n".join(
        [
            "Tessera demo data is ready.",
            f"  user:          {DEMO_USERNAME}",
            f"  password:      {password}",
            f"  client_id:     {client.client_id} (public, PKCE)",
            f"  redirect_uri:  {EXAMPLE_REDIRECT_URI} (for examples/web_app.py)",
            f"  discovery:     {issuer}/.well-known/openid-configuration",
            "Open this URL in a browser to sign in with the demo application:",
            f"  {issuer}/demo",
            "or run the example web app (from the Tessera checkout), and open "
            "http://127.0.0.1:9000/:",
            f"  .venv/bin/python examples/web_app.py --issuer {issuer} "
            f"--client-id {client.client_id}",
            "The example API (examples/orders_api.py, from the checkout) and a service "
            "client for it:",
            f"  TESSERA_ISSUER={issuer} .venv/bin/python examples/orders_api.py",
            f"  service client_id: {service_id}",
            f"  service secret:    {service_secret} (new at every start)",
            f"  curl -u {service_id}:{service_secret} -d grant_type=client_credentials "
            f"-d resource={ORDERS_API_AUDIENCE} {issuer}/token",
        ]
    )


def demo_client_id(store: SqlStore) -> str:
    client = _find_client(store)
    if client is None:
        raise LookupError("no demo client: start the server with idp serve --demo")
    return client.client_id


def _seed_user(store: SqlStore, provider: Provider, password: str) -> None:
    user = store.load_user_by_username(DEMO_USERNAME)
    if user is not None:
        store.set_password_hash(user.id, hash_password(password))
        return
    demo = User(
        id="",
        username=DEMO_USERNAME,
        email="demo@example.com",
        email_verified=True,
        name="Demo User",
        given_name="Demo",
        family_name="User",
        password_hash=hash_password(password),
    )
    store.create_user(demo, provider.clock.now())


def _seed_client(store: SqlStore, provider: Provider) -> Client:
    issuer = provider.settings.issuer
    redirect_uris = [f"{issuer}/demo/callback", EXAMPLE_REDIRECT_URI]
    post_logout_redirect_uris = [f"{issuer}/demo/signed-out", EXAMPLE_POST_LOGOUT_REDIRECT_URI]
    client = _find_client(store)
    if (
        client is not None
        and list(client.redirect_uris) == redirect_uris
        and list(client.post_logout_redirect_uris) == post_logout_redirect_uris
        and client.backchannel_logout_uri == EXAMPLE_BACKCHANNEL_LOGOUT_URI
    ):
        return client
    if client is not None:  # served on another address, or by an older version, before
        delete_client(store, provider.revoker(store), client.client_id)
    registration = ClientRegistration(
        name=DEMO_CLIENT_NAME,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        backchannel_logout_uri=EXAMPLE_BACKCHANNEL_LOGOUT_URI,
        public=True,
        grant_types=["authorization_code", "refresh_token"],
    )
    return register_client(store, registration, provider.clock.now())[0]


def _seed_service(store: SqlStore, provider: Provider) -> tuple[str, str]:
    """Registered again at every start: its secret is shown once, then kept as a digest."""
    for old in [c for c in store.list_clients() if c.name == DEMO_SERVICE_NAME]:
        delete_client(store, provider.revoker(store), old.client_id)
    registration = ClientRegistration(
        name=DEMO_SERVICE_NAME,
        grant_types=["client_credentials"],
        scope=ORDERS_API_SCOPE,
        resources=[ORDERS_API_AUDIENCE],
    )
    client, secret = register_client(store, registration, provider.clock.now())
    if secret is None:
        raise RuntimeError("a client_secret_basic client has a secret")
    return client.client_id, secret.reveal()


def _find_client(store: SqlStore) -> Client | None:
    return next((c for c in store.list_clients() if c.name == DEMO_CLIENT_NAME), None)
