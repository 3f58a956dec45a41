"""An exchanged token (RFC 8693) of a user carries what the exchanging client's mapping
releases under the scope it keeps (RFC 8693 §2.1: never more than the subject token's)."""

from __future__ import annotations

from idp.authz.claims import ClaimMapping, make_rule
from tests.spec.token_claims.conftest import ALL_SCOPES
from tests.support.assertions import verify_access_token
from tests.support.client_requests import token_request
from tests.support.flows import register
from tests.support.sign_in import sign_in

EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # RFC 8693 §3
BILLING = "https://api.example/billing"


def test_an_exchanged_user_token_carries_the_exchanging_clients_claims(idp_on_each_backend, docs):
    idp = idp_on_each_backend
    client, secret = register(
        idp, grant_types=[EXCHANGE_GRANT], redirect_uris=[], exchange_audiences=[BILLING]
    )
    assert secret
    with idp.provider.store() as store:
        store.set_claim_mapping(client.client_id, ClaimMapping((make_rule("permissions"),)))
    idp.provider.refresh_caches()
    tokens = sign_in(idp, docs.app, docs.user, scope=ALL_SCOPES)
    for scope, expected in (
        ("roles permissions", ["document:read", "document:write"]),
        ("roles", None),
    ):
        response = token_request(
            idp,
            client,
            secret,
            grant_type=EXCHANGE_GRANT,
            subject_token=tokens["access_token"],
            subject_token_type=ACCESS_TOKEN_TYPE,
            audience=BILLING,
            scope=scope,
        )
        assert response.status_code == 200, response.text
        claims = verify_access_token(idp, response.json()["access_token"], audience=BILLING)
        assert claims.get("permissions") == expected, scope
        assert "roles" not in claims  # not in the exchanging client's mapping
