"""The policy bundle a node serves (idp.authz.bundles): built from the decision point's
version in force and its hierarchy, and from the clients' claim mappings, signed with
the provider's token signing key (ES256, ``typ`` tessera-policy-bundle+jwt), kept until
any of them moves.

A bundle is built once per (policy version, model version, clients version) per node:
the decision point's authorizer is rebuilt exactly when one of the first two moves, so
it is part of the key of the cache, with the client cache's counter (idp.oauth.
client_cache) and the signing key's ``kid`` (a rotated key signs the next bundle; the
old one stays published long enough for what it signed, idp.keys). A change that leaves
the content alone (a user's roles, a client's redirect URIs) gives the same digest: the
same ETag, and the SDKs' conditional fetches get 304."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from idp.authz.bundles import BUNDLE_TYPE, PolicyBundle
from idp.authz.claims import ClaimMapping, access_token_names
from idp.authz.decision_point import NOTHING_PUBLISHED, DecisionPoint, Published
from idp.authz.declarations import Declaration
from idp.authz.engine import Authorizer
from idp.authz.policy_versions import PolicyContent
from idp.clock import Clock
from idp.keys.jws import JwtSigner
from idp.keys.signing import Algorithm
from idp.oauth.client_cache import ClientCache


@dataclass(frozen=True, slots=True)
class SignedBundle:
    token: str
    etag: str
    version: int


@dataclass(frozen=True, slots=True)
class _Cached:
    authorizer: Authorizer
    clients_version: int
    kid: str
    signed: SignedBundle


class BundlePublisher:
    def __init__(
        self,
        decision_point: DecisionPoint,
        clients: ClientCache,
        load_claim_mappings: Callable[[], Mapping[str, ClaimMapping]],
        signer: JwtSigner,
        clock: Clock,
        *,
        issuer: str,
    ) -> None:
        self._decision_point = decision_point
        self._clients = clients
        self._load_claim_mappings = load_claim_mappings
        self._signer = signer
        self._clock = clock
        self._issuer = issuer
        self._cached: _Cached | None = None
        self._lock = threading.Lock()

    def current(self) -> SignedBundle:
        """The bundle of what is in force (touches storage when the decision point's
        copy is stale: call off the event loop)."""
        published = self._decision_point.published()
        clients_version = self._clients.version()  # before the mappings it stands for
        kid = self._signer.keyring.signing_key(Algorithm.ES256).kid
        key = (published.authorizer, clients_version, kid)
        with self._lock:
            cached = self._cached
            if cached is None or (cached.authorizer, cached.clients_version, cached.kid) != key:
                signed = self._signed(published, self._load_claim_mappings())
                cached = self._cached = _Cached(*key, signed)
            return cached.signed

    def _signed(self, published: Published, mappings: Mapping[str, ClaimMapping]) -> SignedBundle:
        bundle = bundle_of(published, mappings)
        claims = bundle.payload(self._issuer, self._clock.now())
        token = self._signer.sign(claims, Algorithm.ES256, typ=BUNDLE_TYPE)
        return SignedBundle(token, bundle.etag, bundle.version)


def bundle_of(published: Published, mappings: Mapping[str, ClaimMapping]) -> PolicyBundle:
    """What the SDK needs of what is in force: the version, its declaration and
    policies, the hierarchy (an empty policy set, version 0, before any publication),
    and where each client's access tokens carry what principals are read from."""
    authorizer = published.authorizer
    number, content = int(NOTHING_PUBLISHED), PolicyContent(Declaration(), ())
    if published.info is not None and published.content is not None:
        number, content = published.info.number, published.content
    return PolicyBundle(
        version=number,
        policy_digest=authorizer.policies.digest,
        declaration=content.declaration,
        policies=content.sources,
        hierarchy=authorizer.hierarchy.edges(),
        claim_names={
            client_id: access_token_names(mapping) for client_id, mapping in mappings.items()
        },
    )
