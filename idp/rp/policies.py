"""Local decisions: the answer the decision API (AuthZEN) would give, decided in the
application from a validated access token and the provider's policy bundle, with the
same engine and the same mappings as the server (idp.authz: the engine, the bundle's
format, the token's principal, the AuthZEN mapping; pure modules, on ``cedarpy``, the
``authz`` extra).

The bundle (idp.authz.bundles, ``GET /access/v1/policy-bundle`` with a client-credentials
token carrying ``access.evaluate``) is a JWS the provider signs with its token signing
key. It is kept as HTTP caching allows (idp.rp.caching: ``max-age``, then a conditional
fetch, ``If-None-Match``, a 304 keeping the copy), and a new one is taken only once:

1. its signature verifies with a key of the provider's JWKS, its ``typ`` is a bundle's
   (RFC 8725 §3.11), its ``iss`` is the provider's issuer;
2. its ``digest`` is that of its content, and its ETag is that digest;
3. it is not an older policy version than the one in force (a node lagging behind);
4. it compiles (once per policy version: a change of the groups and roles alone keeps
   the compiled policies), to the policies' digest the version names.

A bundle that fails is refused with an error naming the check (a
:class:`~idp.rp.errors.PolicyBundleError`, logged, kept in ``last_error``) and the
previous good bundle stays in force; the provider being down keeps it too. Without any
good bundle every decision is a deny saying why. Deciding never raises: a token's
claims of the wrong shape, a request the schema does not allow, a malformed AuthZEN
request, all are denies naming the problem (idp.authz.decisions).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from idp.authz.authzen import ACCESS_EVALUATE, AuthZenRequestError, parse_evaluation
from idp.authz.bundles import (
    BUNDLE_TYPE,
    MEDIA_TYPE,
    BundleFormatError,
    PolicyBundle,
    bundle_from_payload,
    content_digest,
)
from idp.authz.cedar_schema import AttributeDecl, SchemaDeclarationError, generate_schema
from idp.authz.decisions import Decision, deny
from idp.authz.engine import AccessRequest, Authorizer
from idp.authz.entities import EntityDataError, Principal, Resource
from idp.authz.policies import InvalidPolicies, PolicySet, compile_policies
from idp.authz.token_principals import NO_CLAIMS, ClaimNames, authentication_of, principal_of
from idp.rp.caching import CachedDocument, Clock
from idp.rp.client_credentials import DEFAULT_REFRESH_BEFORE, TokenCache
from idp.rp.discovery import ProviderMetadata
from idp.rp.errors import (
    BundleDigestMismatch,
    InvalidBundleIssuer,
    InvalidBundleSignature,
    MalformedBundle,
    PolicyBundleError,
    ProviderUnavailable,
    StaleBundle,
    TokenError,
    TokenRequestFailed,
    UnknownKey,
    UnsupportedAlgorithm,
    UnsupportedHeader,
)
from idp.rp.errors import InvalidSignature as InvalidJwsSignature
from idp.rp.flow import Compute, Flow, HttpRequest
from idp.rp.token_endpoint import ClientAuthentication
from idp.rp.verifier import JwtVerifier

log = logging.getLogger("idp.rp")

BUNDLE_PATH = "/access/v1/policy-bundle"
BUNDLE_TYPES = frozenset({BUNDLE_TYPE})
MAX_BUNDLE_BYTES = 16 << 20
_SIGNATURE_ERRORS = (InvalidJwsSignature, UnknownKey, UnsupportedAlgorithm, UnsupportedHeader)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class FetchedBundle:
    """A bundle as the provider sent it, not yet checked: the JWS and its ETag."""

    token: str
    etag: str | None


@dataclass(frozen=True, slots=True)
class LocalBundle:
    """A bundle that passed every check, compiled."""

    version: int
    digest: str
    authorizer: Authorizer
    user_attributes: tuple[AttributeDecl, ...]
    claim_names: Mapping[str, ClaimNames]  # by client_id

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """The token's principal, read by its client's claim mapping (raises
        EntityDataError for claims of the wrong shape)."""
        client_id = claims.get("client_id")
        names = (
            self.claim_names.get(client_id, NO_CLAIMS) if isinstance(client_id, str) else NO_CLAIMS
        )
        return principal_of(claims, self.user_attributes, names)


class PolicyBundles:
    """The provider's policy bundle as the SDK holds it, and the decisions made with it
    (flows, run by ``Provider`` and ``AsyncProvider``)."""

    def __init__(
        self,
        client: ClientAuthentication,
        *,
        issuer: str,
        metadata: CachedDocument[ProviderMetadata],
        verifier: JwtVerifier,
        clock: Clock,
        bundle_uri: str | None = None,
    ) -> None:
        """``client``: a client whose client-credentials tokens may carry
        ``access.evaluate``; ``bundle_uri`` defaults to the issuer's BUNDLE_PATH."""
        self.last_error: PolicyBundleError | None = None
        self.good: LocalBundle | None = None
        self._issuer = issuer
        self._bundle_uri = bundle_uri or issuer + BUNDLE_PATH
        self._verifier = verifier
        self._tokens = TokenCache(
            client,
            scope=ACCESS_EVALUATE,
            resource=None,
            refresh_before=DEFAULT_REFRESH_BEFORE,
            metadata=metadata,
            clock=clock,
        )
        self._clock = clock
        self._bearer = ""
        self._checked: FetchedBundle | None = None
        self.document: CachedDocument[str] = CachedDocument(
            "policy bundle", self._request, _compact_jws, clock
        )

    def current(self) -> Flow[LocalBundle]:
        """The bundle in force, fetched first if there is none or its copy is stale;
        raises the reason there is none (a PolicyBundleError, ProviderUnavailable,
        TokenRequestFailed)."""
        token = self.document.fresh(self._clock())
        if token is None:
            token = yield from self._fetched()
        fetched = FetchedBundle(token, self.document.etag)
        if fetched != self._checked:
            try:
                yield from self._adopt(fetched)
            except ProviderUnavailable as exc:  # the keys could not be had: next time
                if self.good is None:
                    raise
                log.warning("the policy bundle could not be checked: %s", exc)
        if self.good is None:
            raise self.last_error or ProviderUnavailable("no policy bundle")
        return self.good

    def decide(
        self,
        claims: Mapping[str, Any],
        action: str,
        resource: Resource,
        context: Mapping[str, Any] | None = None,
        ip: IPAddress | None = None,
    ) -> Flow[Decision]:
        """The decision for the token's principal: never raises (a deny says why)."""
        bundle = yield from self._bundle_or_deny()
        if isinstance(bundle, Decision):
            return bundle
        try:
            principal = bundle.principal(claims)
            authentication = authentication_of(claims)
        except EntityDataError as error:
            return deny(str(error))
        request = AccessRequest(
            principal, action, resource, self._now(), authentication, ip, context or {}
        )
        return bundle.authorizer.decide(request)

    def evaluate(self, claims: Mapping[str, Any], body: Mapping[str, Any]) -> Flow[Decision]:
        """An AuthZEN Access Evaluation request (§6.1) for the token's principal, read
        by the server's own mapping (idp.authz.authzen). ``subject`` may be left out; if
        given it names the token's subject. How the user signed in (``acr``, ``amr``)
        is the token's, whatever the request's subject properties say."""
        bundle = yield from self._bundle_or_deny()
        if isinstance(bundle, Decision):
            return bundle
        try:
            principal = bundle.principal(claims)
            authentication = authentication_of(claims)
            evaluation = parse_evaluation({"subject": _subject_of(claims), **body})
        except (EntityDataError, AuthZenRequestError) as error:
            return deny(str(error))
        if evaluation.subject.uid != principal.uid:
            return deny(f"the request's subject is not the token's ({principal.uid})")
        request = evaluation.access_request(principal, self._now())
        return bundle.authorizer.decide(dataclasses.replace(request, authentication=authentication))

    def _bundle_or_deny(self) -> Flow[LocalBundle | Decision]:
        """The bundle in force, or the deny of every decision while there is none."""
        try:
            return (yield from self.current())
        except (ProviderUnavailable, TokenRequestFailed) as exc:
            log.warning("no policy bundle to decide with: %s", exc)
            return deny(f"no policy bundle: {self.last_error or exc}")

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    # -- fetching and checking ---------------------------------------------------------

    def _fetched(self) -> Flow[str]:
        """The copy, fetched again (with a fresh client-credentials token) when stale."""
        try:
            self._bearer = yield from self._tokens.access_token()
        except (ProviderUnavailable, TokenRequestFailed) as exc:
            if self.document.value is None:
                raise
            log.warning("the policy bundle's access token: %s", exc)
            return self.document.value
        token: str = yield from self.document.current()
        return token

    def _request(self) -> HttpRequest:
        headers = {"Accept": MEDIA_TYPE, "Authorization": f"Bearer {self._bearer}"}
        return HttpRequest(
            self._bundle_uri, "policy bundle", headers=headers, max_bytes=MAX_BUNDLE_BYTES
        )

    def _adopt(self, fetched: FetchedBundle) -> Flow[None]:
        """Check and compile ``fetched``; in force if it passes, refused (the previous
        one kept) if not."""
        try:
            self.good = yield from self._checked_bundle(fetched)
            self.last_error = None
        except PolicyBundleError as error:
            log.warning("%s; the policy bundle in force is kept", error)
            self.last_error = error
        self._checked = fetched

    def _checked_bundle(self, fetched: FetchedBundle) -> Flow[LocalBundle]:
        payload = yield from self._verified_payload(fetched.token)
        if payload.get("iss") != self._issuer:
            raise InvalidBundleIssuer("the policy bundle's iss is not the provider's issuer")
        try:
            bundle = bundle_from_payload(payload)
        except BundleFormatError as error:
            raise MalformedBundle(f"the policy bundle is malformed: {error}") from None
        check_digest(payload, fetched.etag)
        held = self.good
        if held is not None and bundle.version < held.version:
            raise StaleBundle(
                f"the policy bundle is of version {bundle.version}, older than "
                f"{held.version} in force"
            )
        reused = held.authorizer.policies if held is not None else None
        authorizer = yield Compute(partial(_authorizer, bundle, reused))
        if isinstance(authorizer, PolicyBundleError):
            raise authorizer
        declared = bundle.declaration.user_attributes
        return LocalBundle(
            bundle.version, payload["digest"], authorizer, declared, bundle.claim_names
        )

    def _verified_payload(self, token: str) -> Flow[dict[str, Any]]:
        try:
            claims, _ = yield from self._verifier.verified(
                token, BUNDLE_TYPES, "a policy bundle", self._clock(), MAX_BUNDLE_BYTES
            )
        except ProviderUnavailable:
            raise
        except _SIGNATURE_ERRORS as error:
            raise InvalidBundleSignature(f"the policy bundle's signature: {error}") from None
        except TokenError as error:
            raise MalformedBundle(f"the policy bundle is not a signed bundle: {error}") from None
        return claims


def check_digest(payload: Mapping[str, Any], etag: str | None) -> None:
    """The payload's ``digest`` is that of its content, and the ETag is that digest."""
    digest = payload.get("digest")
    if not isinstance(digest, str) or not hmac.compare_digest(
        content_digest(payload).encode(), digest.encode()
    ):
        raise BundleDigestMismatch("the policy bundle's digest is not that of its content")
    if etag is None or not hmac.compare_digest(etag.encode(), f'"{digest}"'.encode()):
        raise BundleDigestMismatch("the policy bundle's ETag is not its digest")


def _authorizer(bundle: PolicyBundle, held: PolicySet | None) -> Authorizer | PolicyBundleError:
    """The bundle's policies over its hierarchy, or why they do not compile here (CPU
    work: the flow's Compute step)."""
    try:
        return Authorizer(compiled(bundle, held), bundle.rbac_hierarchy())
    except PolicyBundleError as error:
        return error


def compiled(bundle: PolicyBundle, held: PolicySet | None) -> PolicySet:
    """The bundle's policies compiled, or the held ones when they are its version's."""
    wanted = (str(bundle.version), bundle.policy_digest)
    if held is not None and (held.version, held.digest) == wanted:
        return held
    declaration = bundle.declaration
    try:
        schema = generate_schema(declaration.user_attributes, declaration.application)
        policies = compile_policies(bundle.policies, schema, str(bundle.version))
    except (SchemaDeclarationError, InvalidPolicies) as error:
        raise MalformedBundle(f"the policy bundle does not compile here: {error}") from None
    if policies.digest != bundle.policy_digest:
        raise BundleDigestMismatch("the compiled policies' digest is not the version's")
    return policies


def _subject_of(claims: Mapping[str, Any]) -> dict[str, Any]:
    subject = claims.get("sub")
    kind = "client" if subject == claims.get("client_id") else "user"
    return {"type": kind, "id": subject}


def _compact_jws(body: bytes) -> str:
    """The body as text; what it holds is checked by the signature check, by name."""
    return body.decode("ascii", errors="replace").strip()
