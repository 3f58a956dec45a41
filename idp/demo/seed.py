"""``idp serve --demo``: a demo user and a demo public client, and a ready authorize URL."""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from idp.admin.clients import ClientRegistration, register_client
from idp.authn.passwords import hash_password
from idp.authn.users import User
from idp.provider import Provider
from idp.secret import new_token
from idp.store.repository import SqlStore

DEMO_USERNAME = "demo"
DEMO_CLIENT_NAME = "Tessera demo app"
DEMO_REDIRECT_URI = "http://127.0.0.1:9000/callback"


def seed_demo(store: SqlStore, provider: Provider) -> str:
    """Create (or refresh) the demo data; returns what to print. The demo password is
    new at every start, so no fixed credential ships with Tessera."""
    now = provider.clock.now()
    password = new_token(12)
    user = store.load_user_by_username(DEMO_USERNAME)
    if user is None:
        store.create_user(
            User(
                id="",
                username=DEMO_USERNAME,
                email="demo@example.com",
                email_verified=True,
                name="Demo User",
                given_name="Demo",
                family_name="User",
                password_hash=hash_password(password),
            ),
            now,
        )
    else:
        store.set_password_hash(user.id, hash_password(password))
    client = next((c for c in store.list_clients() if c.name == DEMO_CLIENT_NAME), None)
    if client is None:
        client, _ = register_client(
            store,
            ClientRegistration(
                name=DEMO_CLIENT_NAME,
                redirect_uris=[DEMO_REDIRECT_URI],
                public=True,
                grant_types=["authorization_code", "refresh_token"],
            ),
            now,
        )
    verifier = new_token(32)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": DEMO_REDIRECT_URI,
            "scope": "openid profile email",
            "state": new_token(8),
            "nonce": new_token(8),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    issuer = provider.settings.issuer
    return "\n".join(
        [
            "Tessera demo data is ready.",
            f"  user:          {DEMO_USERNAME}",
            f"  password:      {password}",
            f"  client_id:     {client.client_id} (public, PKCE)",
            f"  redirect_uri:  {DEMO_REDIRECT_URI}",
            f"  code_verifier: {verifier}",
            f"  discovery:     {issuer}/.well-known/openid-configuration",
            "Open this URL in a browser to sign in:",
            f"  {issuer}/authorize?{query}",
        ]
    )
