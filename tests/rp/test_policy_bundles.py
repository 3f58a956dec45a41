"""Local decisions (idp.rp.policies) against a provider that misbehaves on purpose: a
policy bundle that fails its signature, issuer, ETag or digest check is refused by name
and the previous good one kept; without any, every decision is a deny, never an
exception; a 304 keeps the bundle (compiled once); the provider down keeps it too."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import jwt
import pytest

from idp.authz.bundles import BUNDLE_TYPE, PolicyBundle
from idp.authz.cedar_schema import generate_schema
from idp.authz.declarations import Declaration
from idp.authz.entities import group, role
from idp.authz.policies import PolicySource, compile_policies
from idp.authz.token_principals import ClaimNames
from idp.rp import (
    AsyncProvider,
    BundleDigestMismatch,
    InvalidBundleIssuer,
    InvalidBundleSignature,
    LocalPolicies,
    MalformedBundle,
    PolicyBundleError,
    Provider,
    StaleBundle,
)
from idp.rp.policies import BUNDLE_PATH
from tests.rp.fake_idp import TIMEOUT, Answer, Document, FakeIdp, SigningKey, new_key
from tests.support.cedar_apps import DOCUMENTS, USER_ATTRIBUTES, document

EDITORS = ("editors", 'permit(principal in Role::"editor", action in Action::"write", resource);')
READERS = ("readers", 'permit(principal, action == Action::"read", resource);')
HIERARCHY = {group("writers"): (role("editor"),)}
ADA = {"sub": "ada", "client_id": "docs", "groups": ["writers"], "clearance": 1}
CLAIM_NAMES = {
    "docs": ClaimNames(
        resource_access="resource_access", groups="groups", attributes={"clearance": "clearance"}
    )
}


def bundle(
    version: int = 1,
    *texts: tuple[str, str],
    hierarchy: dict[Any, Any] | None = None,
    claim_names: dict[str, ClaimNames] | None = None,
) -> PolicyBundle:
    sources = tuple(PolicySource(pid, text) for pid, text in (texts or (EDITORS,)))
    compiled = compile_policies(sources, generate_schema(USER_ATTRIBUTES, DOCUMENTS), "x")
    return PolicyBundle(
        version,
        compiled.digest,
        Declaration(USER_ATTRIBUTES, DOCUMENTS),
        sources,
        HIERARCHY if hierarchy is None else hierarchy,
        CLAIM_NAMES if claim_names is None else claim_names,
    )


def serve(
    fake: FakeIdp,
    served: PolicyBundle,
    *,
    key: SigningKey | None = None,
    typ: str = BUNDLE_TYPE,
    etag: str | None = None,
    **changes: Any,
) -> None:
    """``served`` signed (by ``key``, with ``changes`` to its payload), with its ETag."""
    payload = served.payload(fake.issuer, fake.clock.now()) | changes
    signer = key or fake.keys[0]
    headers = {"kid": signer.kid, "typ": typ}
    token = jwt.encode(payload, signer.private_key, algorithm="ES256", headers=headers)
    fake.documents[BUNDLE_PATH] = Document(token.encode(), etag or served.etag)


@pytest.fixture
def local(fake: FakeIdp, sdk: Provider) -> LocalPolicies:
    token = {"access_token": fake.token(), "token_type": "Bearer", "expires_in": 3600}
    fake.answers["/token"] = Answer(body=json.dumps(token).encode())
    return sdk.local_policies("pep", "pep-secret")


def edits(local: LocalPolicies) -> bool:
    return local.decide(ADA, "edit", document("d1")).allowed


def later(fake: FakeIdp) -> None:
    """Past the bundle's max-age: the next decision asks the provider again."""
    fake.clock.advance(61)


def test_a_good_bundle_decides_with_the_hierarchy_it_carries(fake, local):
    serve(fake, bundle())
    assert local.load() == 1
    assert edits(local) is True  # the token says writers; the bundle, writers in editor
    assert local.decide(ADA | {"groups": []}, "edit", document("d1")).allowed is False
    posted = fake.posted[-1]
    assert posted.form == {"grant_type": "client_credentials", "scope": "access.evaluate"}


def test_a_token_is_read_by_its_own_clients_claim_names(fake, local):
    """A mapping that puts the client's roles under ``roles`` gives client roles, never
    realm roles; a client the bundle names no mapping of gives its tokens nothing."""
    moved = ClaimNames("realm_roles", "roles", attributes={"clearance": "clearance"})
    serve(fake, bundle(claim_names=CLAIM_NAMES | {"moved": moved}))
    editor = {"sub": "ed", "roles": ["editor"], "clearance": 1}
    as_client = local.decide(editor | {"client_id": "moved"}, "edit", document("d1"))
    assert as_client.allowed is False
    assert not as_client.errors
    as_realm = editor | {"client_id": "moved", "realm_roles": ["editor"]}
    assert local.decide(as_realm, "edit", document("d1")).allowed is True
    unmapped = ADA | {"client_id": "unknown"}
    assert local.decide(unmapped, "edit", document("d1")).allowed is False
    assert edits(local) is True


REFUSALS = {
    "signed by a key not in the JWKS": (lambda f: {"key": new_key()}, InvalidBundleSignature),
    "another issuer": (lambda f: {"iss": "https://other.example"}, InvalidBundleIssuer),
    "an ETag not its digest": (lambda f: {"etag": '"' + "0" * 64 + '"'}, BundleDigestMismatch),
    "content not its digest": (
        lambda f: {"policies": [{"id": "all", "text": READERS[1]}]},
        BundleDigestMismatch,
    ),
    "another typ": (lambda f: {"typ": "at+jwt"}, MalformedBundle),
    "no hierarchy": (lambda f: {"hierarchy": "none"}, MalformedBundle),
    "claim names not names": (
        lambda f: {"claim_names": [{"client_id": "docs", "roles": 7, "attributes": {}}]},
        MalformedBundle,
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS, ids=list(REFUSALS))
def test_a_bad_bundle_with_none_before_is_refused_by_name_and_every_decision_denied(
    fake, local, refusal
):
    changes, error = REFUSALS[refusal]
    serve(fake, bundle(), **changes(fake))
    with pytest.raises(error):
        local.load()
    decision = local.decide(ADA, "edit", document("d1"))
    assert decision.allowed is False
    assert "no policy bundle" in decision.explain()
    assert isinstance(local.last_error, error)
    assert local.version is None


@pytest.mark.parametrize("refusal", REFUSALS, ids=list(REFUSALS))
def test_a_bad_bundle_after_a_good_one_keeps_the_good_one(fake, local, refusal):
    serve(fake, bundle())
    local.load()
    changes, error = REFUSALS[refusal]
    serve(fake, bundle(2, READERS), **changes(fake))
    later(fake)
    assert edits(local) is True  # version 1's answer
    assert local.version == 1
    assert isinstance(local.last_error, error)
    assert isinstance(local.last_error, PolicyBundleError)


def test_the_compiled_policies_must_be_those_the_version_names(fake, local):
    forged = bundle()
    serve(
        fake,
        PolicyBundle(1, "0" * 64, forged.declaration, forged.policies, HIERARCHY, CLAIM_NAMES),
    )
    with pytest.raises(BundleDigestMismatch, match="compiled policies"):
        local.load()


def test_an_older_version_than_the_one_in_force_is_refused(fake, local):
    serve(fake, bundle(3))
    local.load()
    serve(fake, bundle(2, READERS))
    later(fake)
    assert edits(local) is True
    assert isinstance(local.last_error, StaleBundle)
    assert local.version == 3


def test_a_304_keeps_the_bundle_and_its_compiled_policies(fake, local):
    serve(fake, bundle())
    local.load()
    held = local._bundles.good
    later(fake)
    assert edits(local) is True
    assert fake.not_modified[BUNDLE_PATH] == 1
    assert fake.requests[BUNDLE_PATH] == 2
    assert local._bundles.good is held


def test_a_new_hierarchy_of_the_same_version_is_not_compiled_again(fake, local):
    serve(fake, bundle())
    local.load()
    policies = local._bundles.good.authorizer.policies
    serve(fake, bundle(hierarchy={}))
    later(fake)
    assert edits(local) is False  # writers no longer hold editor
    assert local._bundles.good.authorizer.policies is policies


def test_the_provider_down_keeps_the_last_bundle(fake, local):
    serve(fake, bundle())
    local.load()
    fake.answers[BUNDLE_PATH] = Answer(503, b"down")
    later(fake)
    assert edits(local) is True
    fake.answers["/token"] = Answer(503, b"down")
    later(fake)
    assert edits(local) is True


def test_no_provider_at_all_is_a_deny(fake, local):
    fake.answers[BUNDLE_PATH] = Answer(503, b"down")
    decision = local.decide(ADA, "edit", document("d1"))
    assert decision.allowed is False
    assert "no policy bundle" in decision.explain()


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"client_id": "docs"}, "no sub"),
        (ADA | {"groups": "writers"}, "groups"),
        (ADA | {"acr": 2}, "acr"),
        (ADA | {"resource_access": {"docs": {"roles": [1]}}}, "resource_access"),
    ],
)
def test_claims_of_the_wrong_shape_are_a_deny_naming_them(fake, local, claims, says):
    serve(fake, bundle())
    decision = local.decide(claims, "edit", document("d1"))
    assert decision.allowed is False
    assert says in decision.explain()


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        ({"action": {"name": "edit"}}, "resource is required"),
        (
            {
                "subject": {"type": "user", "id": "bob"},
                "action": {"name": "edit"},
                "resource": {"type": "Document", "id": "d1"},
            },
            "not the token's",
        ),
        ({"action": {"name": "read"}, "resource": {"type": "Ship", "id": "s"}}, "Ship"),
    ],
)
def test_an_authzen_request_that_cannot_be_decided_is_a_deny(fake, local, request_, says):
    serve(fake, bundle())
    decision = local.evaluate(ADA, request_)
    assert decision.allowed is False
    assert says in decision.explain()


def test_the_async_provider_decides_the_same(fake):
    import asyncio

    async def run() -> tuple[int, bool]:
        token = {"access_token": fake.token(), "token_type": "Bearer", "expires_in": 3600}
        fake.answers["/token"] = Answer(body=json.dumps(token).encode())
        async with AsyncProvider(fake.issuer, clock=fake.clock.now, timeout=TIMEOUT) as sdk:
            local = sdk.local_policies("pep", "pep-secret")
            version = await local.load()
            request = {
                "action": {"name": "edit"},
                "resource": {"type": "Document", "id": "d1", "properties": {
                    "owner": {"__entity": {"type": "User", "id": "olive"}},
                    "shared_with": [], "classification": 0}},
            }  # fmt: skip
            return version, (await local.evaluate(ADA, request)).allowed

    serve(fake, bundle())
    assert asyncio.run(run()) == (1, True)


def test_the_async_provider_compiles_a_bundle_off_the_event_loop(fake, monkeypatch):
    """Compiling 1,000 policies takes a while: the loop goes on meanwhile."""
    import asyncio
    import threading

    import idp.rp.policies

    compiling_threads = []
    compile_policies = idp.rp.policies.compile_policies

    def watched(*args: Any, **kwargs: Any) -> Any:
        compiling_threads.append(threading.get_ident())
        return compile_policies(*args, **kwargs)

    monkeypatch.setattr(idp.rp.policies, "compile_policies", watched)

    async def run() -> tuple[int, int]:
        token = {"access_token": fake.token(), "token_type": "Bearer", "expires_in": 3600}
        fake.answers["/token"] = Answer(body=json.dumps(token).encode())
        async with AsyncProvider(fake.issuer, clock=fake.clock.now, timeout=TIMEOUT) as sdk:
            version = await sdk.local_policies("pep", "pep-secret").load()
            return version, threading.get_ident()

    serve(fake, bundle())
    version, loop_thread = asyncio.run(run())
    assert version == 1
    assert compiling_threads
    assert loop_thread not in compiling_threads


def test_without_the_authz_extra_local_decisions_say_what_to_install():
    script = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cedarpy":
            raise ModuleNotFoundError(name, name=name)
sys.meta_path.insert(0, Absent())
import idp.rp
provider = idp.rp.Provider("https://idp.example")
try:
    provider.local_policies("pep", "secret")
except idp.rp.AuthzExtraMissing as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "pip install 'tessera-idp[authz]'" in done.stdout


def test_a_refused_token_request_is_a_deny_saying_so(fake, local):
    """The bundle's client credentials refused (a wrong secret): no exception escapes
    a decision, and the reason is kept."""
    fake.answers["/token"] = Answer(401, b'{"error": "invalid_client"}')
    decision = local.decide(ADA, "edit", document("d1"))
    assert decision.allowed is False
    assert "invalid_client" in decision.explain()
