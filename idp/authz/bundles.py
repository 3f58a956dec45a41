"""A policy bundle: what the SDK needs to decide locally what the decision API would
decide (issue 11, item 5), as the payload of a JWS the provider signs.

The payload holds, besides ``iss`` and ``iat``:

* ``policy_version``: the number and digest of the policy version in force (the digest
  is :attr:`PolicySet.digest`, over the generated schema and the policies, so the SDK
  can check that what it compiled is what was published);
* ``declaration``: the application's declaration (declarations.py), which the schema
  is generated from;
* ``policies``: each policy's id and text, in the author's order;
* ``hierarchy``: what tokens do not carry, the direct edges of the RBAC model as Cedar
  entities (``Group`` in its parent group and its roles, a composite ``Role`` in the
  roles it includes), so ``principal in Role::"staff"`` holds locally as it does on
  the server;
* ``claim_names``: for each client with a claim mapping, which access-token claim
  holds each source a principal is read from (idp.authz.token_principals.ClaimNames),
  and the mapping's digest, which the tokens it released name, so the SDK reads a
  token by its own client's mapping, and only a token of that very mapping;
* ``digest``: SHA-256 (hex) of the canonical JSON of the five members above. It is the
  bundle's strong ETag (RFC 9110 §8.8.3): the same content has the same ETag on every
  node, however often it is signed, and the SDK checks the ETag it was sent against it.

Everything read back is checked for shape and bounded; a payload that is not a bundle
raises :class:`BundleFormatError` naming where.

Pure: imports only the standard library and the other pure policy-engine modules (the
provider builds bundles with it, the SDK reads them with it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idp.authz.cedar_schema import GROUP, ROLE
from idp.authz.declarations import Declaration, declaration_from_json, declaration_to_json
from idp.authz.entities import EntityUid, Hierarchy
from idp.authz.policies import MAX_POLICIES, PolicySource
from idp.authz.token_principals import ClaimNames

BUNDLE_TYPE = "tessera-policy-bundle+jwt"  # the JWS typ (RFC 7515 §4.1.9)
MEDIA_TYPE = "application/" + BUNDLE_TYPE
MAX_NODES = 100_000  # groups and roles
MAX_EDGES = 1_000  # parents of one node
MAX_ID = 256
MAX_CLIENTS = 100_000
MAX_CLAIM_NAME = 64
MAX_ATTRIBUTES = 16  # a claim mapping's rules (idp.authz.claims.MAX_RULES)
CONTENT = ("policy_version", "declaration", "policies", "hierarchy", "claim_names")
_SOURCES = ("roles", "client_roles", "resource_access", "groups")
_HIERARCHY_TYPES = frozenset({GROUP, ROLE})


class BundleFormatError(ValueError):
    """A payload that is not a policy bundle; the message names where."""


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    version: int  # the policy version's number; 0 before the first publication
    policy_digest: str
    declaration: Declaration
    policies: tuple[PolicySource, ...]
    hierarchy: Mapping[EntityUid, tuple[EntityUid, ...]]
    claim_names: Mapping[str, ClaimNames]  # by client_id

    def content(self) -> dict[str, Any]:
        """The digested members, as JSON."""
        return {
            "policy_version": {"number": self.version, "digest": self.policy_digest},
            "declaration": declaration_to_json(self.declaration),
            "policies": [{"id": source.id, "text": source.text} for source in self.policies],
            "hierarchy": [
                {"type": node.type, "id": node.id, "parents": [_uid_json(p) for p in parents]}
                for node, parents in sorted(self.hierarchy.items())
                if parents
            ],
            "claim_names": [
                _claim_names_json(client_id, names)
                for client_id, names in sorted(self.claim_names.items())
            ],
        }

    @property
    def digest(self) -> str:
        return content_digest(self.content())

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    def payload(self, issuer: str, issued_at: int) -> dict[str, Any]:
        """The JWS payload: the content, its digest, the issuer and the time."""
        content = self.content()
        return {"iss": issuer, "iat": issued_at, "digest": content_digest(content), **content}

    def rbac_hierarchy(self) -> Hierarchy:
        return Hierarchy(self.hierarchy)


def content_digest(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the content."""
    canonical = json.dumps(
        {key: content[key] for key in CONTENT},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def bundle_from_payload(payload: Mapping[str, Any]) -> PolicyBundle:
    """The bundle a verified payload holds, its shape checked; the digest is checked by
    the caller (:func:`content_digest` of the payload against its ``digest``)."""
    missing = [key for key in CONTENT if key not in payload]
    if missing:
        raise BundleFormatError(f"the bundle has no {missing[0]}")
    version = _object(payload["policy_version"], "policy_version")
    number, digest = version.get("number"), version.get("digest")
    if type(number) is not int or number < 0:
        raise BundleFormatError("policy_version.number is a whole number")
    if not isinstance(digest, str) or len(digest) != 64:
        raise BundleFormatError("policy_version.digest is a SHA-256 in hex")
    try:
        declaration = declaration_from_json(payload["declaration"])
    except ValueError as error:
        raise BundleFormatError(f"the bundle's {error}") from None
    return PolicyBundle(
        version=number,
        policy_digest=digest,
        declaration=declaration,
        policies=_policies(payload["policies"]),
        hierarchy=_hierarchy(payload["hierarchy"]),
        claim_names=_claim_names(payload["claim_names"]),
    )


def _policies(value: Any) -> tuple[PolicySource, ...]:
    items = _list(value, "policies", MAX_POLICIES)
    sources = []
    for index, item in enumerate(items):
        where = f"policies[{index}]"
        entry = _object(item, where)
        if not isinstance(entry.get("id"), str) or not isinstance(entry.get("text"), str):
            raise BundleFormatError(f"{where} has a string id and text")
        sources.append(PolicySource(entry["id"], entry["text"]))
    return tuple(sources)


def _hierarchy(value: Any) -> dict[EntityUid, tuple[EntityUid, ...]]:
    edges: dict[EntityUid, tuple[EntityUid, ...]] = {}
    for index, item in enumerate(_list(value, "hierarchy", MAX_NODES)):
        where = f"hierarchy[{index}]"
        entry = _object(item, where)
        node = _uid(entry, where)
        if node in edges:
            raise BundleFormatError(f"{where}: {node} is listed twice")
        parents = _list(entry.get("parents"), f"{where}.parents", MAX_EDGES)
        edges[node] = tuple(
            _uid(_object(parent, f"{where}.parents[{i}]"), f"{where}.parents[{i}]")
            for i, parent in enumerate(parents)
        )
    return edges


def _claim_names_json(client_id: str, names: ClaimNames) -> dict[str, Any]:
    sources = {source: getattr(names, source) for source in _SOURCES}
    carried = {source: claim for source, claim in sources.items() if claim is not None}
    mapping = {"mapping": names.mapping} if names.mapping is not None else {}
    return {"client_id": client_id, **carried, "attributes": dict(names.attributes), **mapping}


def _claim_names(value: Any) -> dict[str, ClaimNames]:
    by_client: dict[str, ClaimNames] = {}
    for index, item in enumerate(_list(value, "claim_names", MAX_CLIENTS)):
        where = f"claim_names[{index}]"
        entry = _object(item, where)
        client_id = _name(entry.get("client_id"), f"{where}.client_id", MAX_ID)
        if client_id in by_client:
            raise BundleFormatError(f"{where}: client {client_id!r} is listed twice")
        sources = {
            source: _name(entry[source], f"{where}.{source}", MAX_CLAIM_NAME)
            for source in _SOURCES
            if source in entry
        }
        attributes = _object(entry.get("attributes"), f"{where}.attributes")
        if len(attributes) > MAX_ATTRIBUTES:
            raise BundleFormatError(f"{where}.attributes has more than {MAX_ATTRIBUTES} entries")
        mapping = entry.get("mapping")
        if mapping is not None:
            mapping = _name(mapping, f"{where}.mapping", MAX_CLAIM_NAME)
        by_client[client_id] = ClaimNames(
            **sources,
            mapping=mapping,
            attributes={
                _name(name, f"{where}.attributes", MAX_ID): _name(
                    claim, f"{where}.attributes.{name}", MAX_CLAIM_NAME
                )
                for name, claim in attributes.items()
            },
        )
    return by_client


def _name(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise BundleFormatError(f"{where} is a string of 1 to {limit} characters")
    return value


def _uid(entry: Mapping[str, Any], where: str) -> EntityUid:
    kind = entry.get("type")
    if kind not in _HIERARCHY_TYPES:
        raise BundleFormatError(f"{where}.type is Group or Role")
    return EntityUid(str(kind), _name(entry.get("id"), f"{where}.id", MAX_ID))


def _uid_json(uid: EntityUid) -> dict[str, str]:
    return {"type": uid.type, "id": uid.id}


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BundleFormatError(f"{where} is a JSON object")
    return value


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise BundleFormatError(f"{where} is a JSON array")
    if len(value) > limit:
        raise BundleFormatError(f"{where} has more than {limit} entries")
    return value
