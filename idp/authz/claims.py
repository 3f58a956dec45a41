"""Which of what a user holds a client's tokens carry: the per-client claim mapping.

A mapping is a short list of rules, each naming a source (the user's realm roles, their
roles of this client, all their client roles in Keycloak's ``resource_access`` shape,
their groups, their permissions, or one named attribute), the claim it goes into, where
(access token, ID token, introspection, UserInfo), and the scope that must have been
granted for it to be released (OIDC Core §5.4: scopes request sets of claims).

Size: a mapping is refused at configuration time when it has too many rules, a bad or
reserved claim name, or a bound outside the allowed range. What a user holds is not
bounded by configuration, so at issuance each claim keeps at most ``max_values`` values
(sorted, the first ones kept) and all mapped claims together at most ``max_bytes`` of
JSON; a claim that was cut is named in the ``truncated_claims`` claim. Cutting fails
closed: a resource server that reads roles or permissions sees fewer, never more.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from idp.authz.model import AttributeValue, AuthzError, attribute_json, check_attribute_name
from idp.authz.roles import Effective
from idp.authz.token_principals import MAPPING_CLAIM, ClaimNames
from idp.scope import ATTRIBUTES as ATTRIBUTES_SCOPE
from idp.scope import GROUPS as GROUPS_SCOPE
from idp.scope import PERMISSIONS as PERMISSIONS_SCOPE
from idp.scope import ROLES as ROLES_SCOPE

TRUNCATED_CLAIM = "truncated_claims"
CLAIM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
MAX_RULES = 16
DEFAULT_MAX_VALUES = 50
MAX_VALUES = 200
DEFAULT_MAX_BYTES = 4096
MAX_BYTES = 16384
# Claims the tokens and responses already define: a mapping may not shadow them
# (RFC 7519 §4.1, RFC 9068 §2.2, RFC 7662 §2.2, OIDC Core §2, §5.1, RFC 8693 §4).
RESERVED_CLAIMS = frozenset(
    {
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "scope", "sid",
        "auth_time", "acr", "amr", "act", "may_act", "azp", "nonce", "at_hash", "c_hash",
        "cnf", "status", "active", "token_type", "username", "name", "given_name",
        "family_name", "middle_name", "nickname", "preferred_username", "profile",
        "picture", "website", "email", "email_verified", "gender", "birthdate",
        "zoneinfo", "locale", "phone_number", "phone_number_verified", "address",
        "updated_at", "events", "token_introspection", TRUNCATED_CLAIM, MAPPING_CLAIM,
    }
)  # fmt: skip


class Source(StrEnum):
    ROLES = "roles"  # realm roles
    CLIENT_ROLES = "client_roles"  # the user's roles of the client the token is for
    RESOURCE_ACCESS = "resource_access"  # every client role, {client: {"roles": [...]}}
    GROUPS = "groups"
    PERMISSIONS = "permissions"
    ATTRIBUTE = "attribute"


class Target(StrEnum):
    ACCESS_TOKEN = "access_token"
    ID_TOKEN = "id_token"
    INTROSPECTION = "introspection"
    USERINFO = "userinfo"


DEFAULT_CLAIMS = {
    Source.ROLES: "roles",
    Source.CLIENT_ROLES: "client_roles",
    Source.RESOURCE_ACCESS: "resource_access",
    Source.GROUPS: "groups",
    Source.PERMISSIONS: "permissions",
}
DEFAULT_SCOPES = {
    Source.ROLES: ROLES_SCOPE,
    Source.CLIENT_ROLES: ROLES_SCOPE,
    Source.RESOURCE_ACCESS: ROLES_SCOPE,
    Source.GROUPS: GROUPS_SCOPE,
    Source.PERMISSIONS: PERMISSIONS_SCOPE,
    Source.ATTRIBUTE: ATTRIBUTES_SCOPE,
}
ALL_TARGETS = frozenset(Target)


@dataclass(frozen=True)
class ClaimRule:
    source: Source
    claim: str
    targets: frozenset[Target]
    scope: str
    attribute: str | None = None  # for Source.ATTRIBUTE

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source.value,
            "claim": self.claim,
            "targets": sorted(target.value for target in self.targets),
            "scope": self.scope,
        }
        if self.attribute is not None:
            data["attribute"] = self.attribute
        return data


@dataclass(frozen=True)
class ClaimMapping:
    rules: tuple[ClaimRule, ...] = ()
    max_values: int = DEFAULT_MAX_VALUES
    max_bytes: int = DEFAULT_MAX_BYTES

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": [rule.to_json() for rule in self.rules],
            "max_values": self.max_values,
            "max_bytes": self.max_bytes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClaimMapping:
        """Checked: what storage holds was checked when it was set, but a mapping is
        configuration, and configuration is checked wherever it is read."""
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            raise AuthzError("claim mapping: rules must be a list")
        return check_mapping(
            ClaimMapping(
                tuple(_rule_from_json(rule) for rule in rules),
                int(data.get("max_values", DEFAULT_MAX_VALUES)),
                int(data.get("max_bytes", DEFAULT_MAX_BYTES)),
            )
        )

    @cached_property
    def digest(self) -> str:
        """What the access tokens it releases claims into name it by (MAPPING_CLAIM):
        SHA-256 (the first 16 hex digits) of its canonical JSON."""
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def wants(self, target: Target) -> bool:
        return any(target in rule.targets for rule in self.rules)

    def with_rule(self, rule: ClaimRule) -> ClaimMapping:
        """The rule added, replacing a rule for the same claim name."""
        kept = tuple(existing for existing in self.rules if existing.claim != rule.claim)
        return check_mapping(ClaimMapping((*kept, rule), self.max_values, self.max_bytes))

    def without_claim(self, claim: str) -> ClaimMapping:
        kept = tuple(rule for rule in self.rules if rule.claim != claim)
        if len(kept) == len(self.rules):
            raise AuthzError(f"no claim {claim!r} in the mapping")
        return ClaimMapping(kept, self.max_values, self.max_bytes)


def _rule_from_json(data: Any) -> ClaimRule:
    if not isinstance(data, dict):
        raise AuthzError("claim mapping: each rule is an object")
    try:
        return make_rule(
            str(data["source"]),
            claim=data.get("claim"),
            targets=[str(target) for target in data.get("targets", [])] or None,
            scope=data.get("scope"),
            attribute=data.get("attribute"),
        )
    except KeyError as missing:
        raise AuthzError(f"claim mapping: a rule lacks {missing}") from None


def make_rule(
    source: str,
    *,
    claim: str | None = None,
    targets: list[str] | None = None,
    scope: str | None = None,
    attribute: str | None = None,
) -> ClaimRule:
    """A rule, with the defaults: the source's claim name (an attribute's own name),
    every target, and the source's scope."""
    try:
        kind = Source(source)
    except ValueError:
        raise AuthzError(f"claim source {source!r} is not one of {', '.join(Source)}") from None
    if kind is Source.ATTRIBUTE:
        if attribute is None:
            raise AuthzError("an attribute claim names its attribute")
        check_attribute_name(attribute)
    elif attribute is not None:
        raise AuthzError(f"only an attribute claim names an attribute, not {kind}")
    try:
        chosen = frozenset(Target(target) for target in targets) if targets else ALL_TARGETS
    except ValueError:
        raise AuthzError(f"claim targets are among {', '.join(Target)}") from None
    name = claim or DEFAULT_CLAIMS.get(kind) or str(attribute)
    return check_rule(ClaimRule(kind, name, chosen, scope or DEFAULT_SCOPES[kind], attribute))


def check_rule(rule: ClaimRule) -> ClaimRule:
    if not CLAIM_NAME.fullmatch(rule.claim):
        raise AuthzError(
            f"claim name {rule.claim[:80]!r} must be 1 to 64 letters, digits, '_', '.' or '-',"
            " starting with a letter"
        )
    if rule.claim in RESERVED_CLAIMS:
        raise AuthzError(f"claim name {rule.claim!r} is reserved by the tokens themselves")
    # RFC 6749 §3.3 scope-token; here one of Tessera's or a client's own scope names.
    if not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]{1,64}", rule.scope):
        raise AuthzError(f"scope {rule.scope[:80]!r} is not a scope token (RFC 6749 §3.3)")
    if not rule.targets:
        raise AuthzError("a claim goes somewhere: name at least one target")
    return rule


def check_mapping(mapping: ClaimMapping) -> ClaimMapping:
    if len(mapping.rules) > MAX_RULES:
        raise AuthzError(f"a claim mapping has at most {MAX_RULES} rules")
    names = [rule.claim for rule in mapping.rules]
    if len(set(names)) != len(names):
        raise AuthzError("a claim mapping names each claim once")
    if not 1 <= mapping.max_values <= MAX_VALUES:
        raise AuthzError(f"max values per claim is between 1 and {MAX_VALUES}")
    if not 256 <= mapping.max_bytes <= MAX_BYTES:
        raise AuthzError(f"max bytes of mapped claims is between 256 and {MAX_BYTES}")
    for rule in mapping.rules:
        check_rule(rule)
    return mapping


@dataclass(frozen=True)
class UserAccess:
    """What one user holds in effect and their attributes: the cache's entry."""

    effective: Effective = field(default_factory=Effective)
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)


def release(
    access: UserAccess,
    mapping: ClaimMapping,
    *,
    client_id: str,
    granted: frozenset[str],
    target: Target,
) -> dict[str, Any]:
    """The claims ``mapping`` releases into ``target`` for the ``granted`` scopes. A claim
    with no value is left out (OIDC Core §5.3.2: omitted rather than empty)."""
    claims: dict[str, Any] = {}
    truncated: list[str] = []
    budget = mapping.max_bytes
    for rule in mapping.rules:
        if target not in rule.targets or rule.scope not in granted:
            continue
        value = _value(rule, access, client_id)
        if value is None or value == [] or value == {}:
            continue
        kept, cut, budget = _bounded(value, mapping.max_values, budget, len(rule.claim))
        if cut:
            truncated.append(rule.claim)
        if kept is not None:
            claims[rule.claim] = kept
    if truncated:
        claims[TRUNCATED_CLAIM] = truncated
    if claims and target is Target.ACCESS_TOKEN:
        claims[MAPPING_CLAIM] = mapping.digest
    return claims


def access_token_names(mapping: ClaimMapping) -> ClaimNames:
    """Where ``mapping`` puts, in access tokens, what a principal is read from (the
    policy bundle's, for the SDK); the first rule of a source when several name it."""
    rules = [rule for rule in reversed(mapping.rules) if Target.ACCESS_TOKEN in rule.targets]
    claims = {rule.source: rule.claim for rule in rules if rule.source is not Source.ATTRIBUTE}
    return ClaimNames(
        roles=claims.get(Source.ROLES),
        client_roles=claims.get(Source.CLIENT_ROLES),
        resource_access=claims.get(Source.RESOURCE_ACCESS),
        groups=claims.get(Source.GROUPS),
        attributes={
            str(rule.attribute): rule.claim for rule in rules if rule.source is Source.ATTRIBUTE
        },
        mapping=mapping.digest,
    )


def _value(rule: ClaimRule, access: UserAccess, client_id: str) -> Any:
    effective = access.effective
    match rule.source:
        case Source.ROLES:
            return effective.realm_roles()
        case Source.CLIENT_ROLES:
            return effective.client_roles(client_id)
        case Source.RESOURCE_ACCESS:
            return effective.resource_access()
        case Source.GROUPS:
            return list(effective.groups)
        case Source.PERMISSIONS:
            return list(effective.permissions)
        case Source.ATTRIBUTE:
            value = access.attributes.get(str(rule.attribute))
            return None if value is None else attribute_json(value)


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _bounded(value: Any, max_values: int, budget: int, name_size: int) -> tuple[Any, bool, int]:
    """The value within ``max_values`` and the byte budget left, whether it was cut, and
    the budget after it."""
    budget -= name_size + 4  # "name":,
    if isinstance(value, list):
        kept: list[Any] = []
        for item in value[:max_values]:
            cost = _size(item) + 1
            if cost > budget:
                break
            kept.append(item)
            budget -= cost
        return (kept or None), len(kept) < len(value), budget
    if isinstance(value, dict):  # resource_access: each client's roles bounded alike
        shaped: dict[str, Any] = {}
        cut = len(value) > max_values
        for client_id, entry in list(value.items())[:max_values]:
            roles, roles_cut, left = _bounded(entry["roles"], max_values, budget, 0)
            overhead = _size(client_id) + 14  # :{"roles":},
            if roles is None or left < overhead:
                cut = True
                break
            shaped[client_id] = {"roles": roles}
            cut = cut or roles_cut
            budget = left - overhead
        return (shaped or None), cut, budget
    cost = _size(value)
    if cost > budget:
        return None, True, budget
    return value, False, budget - cost
