"""An exchanged token (RFC 8693) of a user carries what the exchanging client's mapping
releases under the scope it keeps (RFC 8693 §2.1: never more than the subject token's)."""

from __future__ import annotations

from idp.authz.claims import ClaimMapping, make_rule
from tests.spec.rfc8693_token_exchange.exchange import BILLING, exchange, exchange_client
from tests.spec.token_claims.conftest import ALL_SCOPES
from tests.support.assertions import verify_access_token
from tests.support.sign_in import sign_in


def test_an_exchanged_user_token_carries_the_exchanging_clients_claims(idp_on_each_backend, docs):
    idp = idp_on_each_backend
    client, secret = exchange_client(idp)
    with idp.provider.store() as store:
        store.set_claim_mapping(client.client_id, ClaimMapping((make_rule("permissions"),)))
    idp.provider.refresh_caches()
    tokens = sign_in(idp, docs.app, docs.user, scope=ALL_SCOPES)
    for scope, expected in (
        ("roles permissions", ["document:read", "document:write"]),
        ("roles", None),
    ):
        response = exchange(idp, client, secret, tokens["access_token"], scope=scope)
        assert response.status_code == 200, response.text
        claims = verify_access_token(idp, response.json()["access_token"], audience=BILLING)
        assert claims.get("permissions") == expected, scope
        assert "roles" not in claims  # not in the exchanging client's mapping
