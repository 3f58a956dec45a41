"""OIDC Core §3.1: the authorization code flow end to end, over HTTP."""

from __future__ import annotations

import httpx
import jwt

from tests.support.client_requests import redeem
from tests.support.flows import Browser, code_flow, create_user, pkce_pair, query_of, register


def test_public_client_signs_in_and_reads_userinfo(idp):
    client, _ = register(idp, public=True)
    user = create_user(idp)
    query, verifier = code_flow(idp, client, user, nonce="n-0S6_WzA2Mj")
    assert query["iss"] == idp.base_url  # RFC 9207 §2
    response = redeem(idp, client, query["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    jwks = jwt.PyJWKClient(f"{idp.base_url}/jwks")
    id_token = jwt.decode(
        tokens["id_token"],
        jwks.get_signing_key_from_jwt(tokens["id_token"]).key,
        algorithms=["RS256"],
        audience=client.client_id,
        issuer=idp.base_url,
    )
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert id_token["sub"] == user.id
    info = httpx.get(
        f"{idp.base_url}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert info.status_code == 200, info.text
    assert info.json()["email"] == user.email


def test_second_authorization_reuses_the_session_and_consent(idp):
    client, _ = register(idp, public=True)
    user = create_user(idp)
    with Browser(idp) as browser:
        code_flow(idp, client, user, browser=browser)
        page = browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope="openid profile email",
            code_challenge=pkce_pair()[1],
            code_challenge_method="S256",
        )
    assert page.status_code == 302
    assert "code" in query_of(page.headers["location"])
