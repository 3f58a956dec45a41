"""Demo data: a user with a fresh password, and a public client whose redirect URIs are
the demo relying party (/demo/callback) and examples/demo_client.py."""

from __future__ import annotations

from idp.admin.clients import ClientRegistration, delete_client, register_client
from idp.authn.passwords import hash_password
from idp.authn.users import User
from idp.oauth.clients import Client
from idp.provider import Provider
from idp.secret import new_token
from idp.store.repository import SqlStore

DEMO_USERNAME = "demo"
DEMO_CLIENT_NAME = "Tessera demo app"
EXAMPLE_REDIRECT_URI = "http://127.0.0.1:9000/callback"  # examples/demo_client.py


def seed_demo(store: SqlStore, provider: Provider) -> str:
    """Create (or refresh) the demo data; returns what to print. The demo password is
    new at every start, so no fixed credential ships with Tessera."""
    password = new_token(12)
    _seed_user(store, provider, password)
    client = _seed_client(store, provider)
    issuer = provider.settings.issuer
    return "\n".join(
        [
            "Tessera demo data is ready.",
            f"  user:          {DEMO_USERNAME}",
            f"  password:      {password}",
            f"  client_id:     {client.client_id} (public, PKCE)",
            f"  redirect_uri:  {EXAMPLE_REDIRECT_URI} (for examples/demo_client.py)",
            f"  discovery:     {issuer}/.well-known/openid-configuration",
            "Open this URL in a browser to sign in with the demo application:",
            f"  {issuer}/demo",
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
    post_logout_redirect_uris = [f"{issuer}/demo/signed-out"]
    client = _find_client(store)
    if (
        client is not None
        and list(client.redirect_uris) == redirect_uris
        and list(client.post_logout_redirect_uris) == post_logout_redirect_uris
    ):
        return client
    if client is not None:  # served on another address, or by an older version, before
        delete_client(store, provider.revoker(store), client.client_id)
    registration = ClientRegistration(
        name=DEMO_CLIENT_NAME,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        public=True,
        grant_types=["authorization_code", "refresh_token"],
    )
    return register_client(store, registration, provider.clock.now())[0]


def _find_client(store: SqlStore) -> Client | None:
    return next((c for c in store.list_clients() if c.name == DEMO_CLIENT_NAME), None)
