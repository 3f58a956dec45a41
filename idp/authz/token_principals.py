"""The principal of a validated access token (RFC 9068), as the engine takes it: what
the SDK decides for, where the server reads the same principal from its directory
(decision_point.py).

* A client-credentials token (``sub`` is the ``client_id``, RFC 9068 §2.2) is
  ``Client::"<client_id>"``, in nothing: Tessera's model gives clients no roles.
* Any other token is ``User::"<sub>"``, directly in what its authorization claims
  (idp.authz.claims) name: its ``groups`` (``Group::"<name>"``), its realm ``roles``
  (``Role::"<name>"``), its ``client_roles`` (roles of the token's client,
  ``Role::"<client_id>/<name>"``) and the client roles of ``resource_access``. The
  hierarchy of the policy bundle adds everything above them, as on the server. Its
  attributes are the attribute claims the policy version declares, typed as the server
  types stored ones (user_attributes.py).
* How the user signed in is the token's ``acr`` and ``amr`` (OIDC Core §2; empty when
  absent, so a step-up rule fails closed).

A token carries what its client's claim mapping releases, within its bounds: a claim
left out or cut (``truncated_claims``) makes the principal hold less, never more, so a
local decision can deny what the server allows, never the reverse. Where each source is
is the :class:`ClaimNames` of the token's client, which the policy bundle carries
(idp.authz.claims.access_token_names); a claim the mapping does not put into access
tokens is not read, whatever its name, so a mapping that moves client roles onto
``roles`` does not make them realm roles. A token names the mapping that released its
claims (``claim_mapping``, the mapping's digest): one released by another mapping than
the bundle's (issued before the mapping changed, or after a change the bundle does not
hold yet) is read as carrying none of them.

Claims of the wrong shape raise :class:`EntityDataError`; the caller's answer is a deny.

Pure: imports only the standard library and the other pure policy-engine modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idp.authz.cedar_schema import AttributeDecl
from idp.authz.engine import Authentication
from idp.authz.entities import EntityDataError, EntityUid, Principal, client, group, role, user
from idp.authz.user_attributes import cedar_attributes

MAX_VALUES = 1000  # of one claim; Tessera's mapping releases at most 200


@dataclass(frozen=True, slots=True)
class ClaimNames:
    """Which claim of an access token holds each source of a client's claim mapping;
    None where the mapping does not put the source into access tokens. ``attributes``
    maps each attribute the tokens carry to its claim."""

    roles: str | None = None
    client_roles: str | None = None
    resource_access: str | None = None
    groups: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    mapping: str | None = None  # the digest a token released by this mapping names


NO_CLAIMS = ClaimNames()  # a client without a mapping: its tokens carry none of these
MAPPING_CLAIM = "claim_mapping"  # in an access token: the digest of the mapping behind it


def principal_of(
    claims: Mapping[str, Any],
    user_attributes: Iterable[AttributeDecl],
    names: ClaimNames = NO_CLAIMS,
) -> Principal:
    subject, client_id = claims.get("sub"), claims.get("client_id")
    if not isinstance(subject, str) or not subject:
        raise EntityDataError("the token has no sub")
    if subject == client_id:
        return Principal(client(subject))
    if claims.get(MAPPING_CLAIM) != names.mapping:
        names = NO_CLAIMS  # released by another mapping than the one these names are of
    parents = (
        *(group(name) for name in _strings(claims, names.groups)),
        *(role(name) for name in _strings(claims, names.roles)),
        *_client_roles(claims, names, client_id),
    )
    declared = tuple(user_attributes)
    carried = {
        attribute.name: names.attributes[attribute.name]
        for attribute in declared
        if attribute.name in names.attributes
    }
    values = {name: claims[claim] for name, claim in carried.items() if claim in claims}
    return Principal(
        user(subject), cedar_attributes(declared, values), tuple(dict.fromkeys(parents))
    )


def authentication_of(claims: Mapping[str, Any]) -> Authentication:
    acr = claims.get("acr", "")
    amr = claims.get("amr", [])
    if not isinstance(acr, str):
        raise EntityDataError("the token's acr is not a string")
    return Authentication(acr, tuple(dict.fromkeys(_string_list(amr, "amr"))))


def _client_roles(
    claims: Mapping[str, Any], names: ClaimNames, client_id: object
) -> Iterable[EntityUid]:
    if isinstance(client_id, str):
        yield from (role(f"{client_id}/{name}") for name in _strings(claims, names.client_roles))
    if names.resource_access is None:
        return
    access = claims.get(names.resource_access, {})
    if not isinstance(access, Mapping):
        raise EntityDataError(f"the token's {names.resource_access} is not an object")
    for owner, entry in access.items():
        held = entry.get("roles") if isinstance(entry, Mapping) else None
        where = f"{names.resource_access}.{owner}.roles"
        yield from (role(f"{owner}/{name}") for name in _string_list(held, where))


def _strings(claims: Mapping[str, Any], name: str | None) -> list[str]:
    return [] if name is None else _string_list(claims.get(name, []), name)


def _string_list(value: object, where: str) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) > MAX_VALUES
        or not all(isinstance(item, str) and item for item in value)
    ):
        raise EntityDataError(f"the token's {where} is not a list of names")
    return value
