"""A minimal relying party for `idp serve --demo`.

Run the IdP with `idp serve --demo`, then, in another terminal:

    python examples/demo_client.py --client-id <client_id printed by the IdP>

and open http://127.0.0.1:9000/ in a browser. It uses authlib's OAuth 2.0 client for
the authorization code flow with PKCE, verifies the ID token with PyJWT against the
IdP's JWKS, and shows the UserInfo claims.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from authlib.integrations.httpx_client import OAuth2Client

REDIRECT_URI = "http://127.0.0.1:9000/callback"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    args = parser.parse_args()
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # loopback http demo only
    metadata = httpx.get(f"{args.issuer}/.well-known/openid-configuration").json()
    pending: dict[str, tuple[str, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/callback"):
                self.finish_sign_in()
            else:
                self.start_sign_in()

        def start_sign_in(self) -> None:
            verifier, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
            client = OAuth2Client(
                args.client_id,
                scope="openid profile email",
                redirect_uri=REDIRECT_URI,
                code_challenge_method="S256",
            )
            url, state = client.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
            pending[state] = (verifier, nonce)
            self.send_response(302)
            self.send_header("Location", url)
            self.end_headers()

        def finish_sign_in(self) -> None:
            response_url = f"http://127.0.0.1:9000{self.path}"
            state = parse_qs(urlsplit(self.path).query).get("state", [""])[0]
            verifier, nonce = pending.pop(state, ("", ""))
            with OAuth2Client(
                args.client_id,
                redirect_uri=REDIRECT_URI,
                state=state,
                code_challenge_method="S256",
            ) as client:
                token = client.fetch_token(
                    metadata["token_endpoint"],
                    authorization_response=response_url,
                    code_verifier=verifier,
                )
                keys = jwt.PyJWKClient(metadata["jwks_uri"])
                id_token = jwt.decode(
                    token["id_token"],
                    keys.get_signing_key_from_jwt(token["id_token"]).key,
                    algorithms=metadata["id_token_signing_alg_values_supported"],
                    audience=args.client_id,
                    issuer=metadata["issuer"],
                )
                assert id_token["nonce"] == nonce, "nonce mismatch"
                userinfo = client.get(metadata["userinfo_endpoint"]).json()
            body = f"<h1>Signed in</h1><pre>{html.escape(json.dumps(userinfo, indent=2))}</pre>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

    print("Open http://127.0.0.1:9000/ to sign in through Tessera")
    HTTPServer(("127.0.0.1", 9000), Handler).serve_forever()


if __name__ == "__main__":
    main()
