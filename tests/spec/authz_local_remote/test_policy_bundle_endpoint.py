"""GET /access/v1/policy-bundle, Tessera's own beside the decision API: for a PEP's
client-credentials token with access.evaluate (RFC 6750 §3.1 errors otherwise), the
signed bundle (idp.authz.bundles) whose strong ETag is its content's digest, answered
304 to If-None-Match (RFC 9110 §13.1.2), privately cacheable (RFC 9111 §5.2.2.7); the
same ETag while what it holds is unchanged, a new one when the policies, the
hierarchy or a client's claim mapping move."""

from __future__ import annotations

import httpx
import jwt
import pytest

from idp.authz.authzen import ACCESS_EVALUATE
from idp.authz.bundles import BUNDLE_TYPE, MEDIA_TYPE, content_digest
from idp.authz.claims import ClaimMapping, make_rule
from idp.authz.management import Authz
from idp.authz.policies import PolicySource
from idp.authz.policy_store import publish
from idp.revocation.events import OPERATOR
from tests.support.assertions import jwks
from tests.support.cedar_apps import DOCUMENTS, USER_ATTRIBUTES
from tests.support.flows import create_user
from tests.support.relying_party import service_app, service_token, web_app
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

PATH = "/access/v1/policy-bundle"


@pytest.fixture(scope="module")
def pep_token(idp: RunningIdp) -> str:
    return service_token(idp, service_app(idp, scope=ACCESS_EVALUATE, resources=[]))


def fetch(idp: RunningIdp, token: str | None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(idp.base_url + PATH, headers=headers, timeout=30)


def payload_of(idp: RunningIdp, response: httpx.Response) -> dict:
    token = response.text
    header = jwt.get_unverified_header(token)
    assert header["typ"] == BUNDLE_TYPE
    assert header["alg"] == "ES256"
    [key] = [key for key in jwks(idp)["keys"] if key["kid"] == header["kid"]]
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"], issuer=idp.issuer)


def current_etag(idp: RunningIdp, token: str) -> str:
    idp.provider.refresh_caches()
    response = fetch(idp, token)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def test_without_a_token_it_is_401_with_a_bearer_challenge__rfc6750_s3_1(idp):
    response = fetch(idp, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_user_token_is_refused__rfc9068_s2_2(idp):
    app = service_app(idp, grant_types=["authorization_code"], scope="openid", resources=[])
    user_token = sign_in(idp, app, create_user(idp), scope="openid")["access_token"]
    response = fetch(idp, user_token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_a_token_without_access_evaluate_is_403_insufficient_scope__rfc6750_s3_1(idp):
    other = service_token(idp, service_app(idp, scope="ssf.read", resources=[]))
    response = fetch(idp, other)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_the_bundle_is_signed_its_etag_its_digest_and_304_to_if_none_match(idp, pep_token):
    response = fetch(idp, pep_token)
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["cache-control"] == "private, max-age=60"
    payload = payload_of(idp, response)
    assert payload["iss"] == idp.issuer
    assert payload["digest"] == content_digest(payload)
    assert response.headers["etag"] == f'"{payload["digest"]}"'
    again = fetch(idp, pep_token, **{"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]
    assert again.headers["cache-control"] == "private, max-age=60"


def test_the_etag_moves_with_the_policies_and_the_hierarchy_only(idp, pep_token):
    """Before any publication the bundle is version 0 with no policies; then each move."""
    assert payload_of(idp, fetch(idp, pep_token))["policy_version"]["number"] == 0
    user = create_user(idp)
    with idp.provider.store() as store:
        authz = Authz(store, idp.clock.now(), OPERATOR)
        authz.create_role("auditor")
        authz.create_group("audit")
    before = current_etag(idp, pep_token)
    with idp.provider.store() as store:
        Authz(store, idp.clock.now(), OPERATOR).assign_role(
            user.id, "auditor"
        )  # no edge of the hierarchy
    assert current_etag(idp, pep_token) == before
    with idp.provider.store() as store:
        Authz(store, idp.clock.now(), OPERATOR).add_group_role("audit", "auditor")
    with_edge = current_etag(idp, pep_token)
    assert with_edge != before
    with idp.provider.store() as store:
        text = 'permit(principal in Role::"auditor", action == Action::"read", resource);'
        publish(
            store, DOCUMENTS, [PolicySource("auditors", text)], "tests", None, idp.clock.now(),
            user_attributes=USER_ATTRIBUTES,
        )  # fmt: skip
    published = current_etag(idp, pep_token)
    assert published != with_edge
    payload = payload_of(idp, fetch(idp, pep_token))
    assert payload["policies"] == [{"id": "auditors", "text": text}]
    assert {"type": "Group", "id": "audit", "parents": [{"type": "Role", "id": "auditor"}]} in (
        payload["hierarchy"]
    )


def test_the_bundle_carries_each_clients_claim_names_and_its_etag_moves_with_them(idp, pep_token):
    """A client registered without a mapping changes nothing; a mapping set or changed
    moves the ETag, and the bundle says where that client's tokens carry each source."""
    before = current_etag(idp, pep_token)
    app = web_app(idp)
    assert current_etag(idp, pep_token) == before
    moved = ClaimMapping(
        (
            make_rule("client_roles", claim="roles"),
            make_rule("groups", targets=["id_token"]),
            make_rule("attribute", attribute="clearance", claim="clr"),
        )
    )
    with idp.provider.store() as store:
        store.set_claim_mapping(app.client_id, moved)
    mapped = current_etag(idp, pep_token)
    assert mapped != before
    names = payload_of(idp, fetch(idp, pep_token))["claim_names"]
    assert {
        "client_id": app.client_id,
        "client_roles": "roles",
        "attributes": {"clearance": "clr"},
        "mapping": moved.digest,  # which the tokens it released name
    } in names
    with idp.provider.store() as store:
        store.set_claim_mapping(app.client_id, moved.with_rule(make_rule("roles", claim="realm")))
    assert current_etag(idp, pep_token) not in (before, mapped)
