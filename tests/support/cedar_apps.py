"""A document-sharing application declared for the policy engine (idp.authz): what the
unit tests, the slicing comparison and the benchmark share."""

from __future__ import annotations

import datetime as dt

from idp.authz.cedar_schema import (
    CLIENT,
    USER,
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    CedarSchema,
    ResourceTypeDecl,
    generate_schema,
)
from idp.authz.engine import AccessRequest, Authentication
from idp.authz.entities import EntityUid, Principal, Resource, user
from idp.authz.policies import PolicySet, PolicySource, compile_policies

MFA = "urn:tessera:acr:mfa"
NOON = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

USER_ATTRIBUTES = (
    AttributeDecl("clearance", AttributeType.LONG),
    AttributeDecl("department", AttributeType.STRING, required=False),
)
DOCUMENT_ATTRIBUTES = (
    AttributeDecl("owner", AttributeType.ENTITY, entity_type=USER),
    AttributeDecl("shared_with", AttributeType.ENTITY_SET, entity_type=USER),
    AttributeDecl("classification", AttributeType.LONG),
)
DOCUMENTS = Application(
    resource_types=(
        ResourceTypeDecl(
            "Folder", (AttributeDecl("owner", AttributeType.ENTITY, entity_type=USER),)
        ),
        ResourceTypeDecl("Document", DOCUMENT_ATTRIBUTES, member_of=("Folder",)),
    ),
    actions=(
        ActionDecl("write"),  # a group: edit and delete
        ActionDecl("read", ("Document", "Folder"), (USER, CLIENT)),
        ActionDecl("edit", ("Document",), member_of=("write",)),
        ActionDecl("delete", ("Document", "Folder"), member_of=("write",)),
        ActionDecl(
            "share",
            ("Document",),
            context=(AttributeDecl("recipients", AttributeType.LONG),),
        ),
    ),
)


def documents_schema() -> CedarSchema:
    return generate_schema(USER_ATTRIBUTES, DOCUMENTS)


def policies(schema: CedarSchema, *texts: tuple[str, str], version: str = "1") -> PolicySet:
    return compile_policies([PolicySource(pid, text) for pid, text in texts], schema, version)


def person(name: str, clearance: int = 1, *parents: EntityUid) -> Principal:
    return Principal(user(name), {"clearance": clearance}, tuple(parents))


def document(
    name: str,
    owner: str = "olive",
    *,
    shared_with: tuple[str, ...] = (),
    classification: int = 0,
    folder: Resource | None = None,
) -> Resource:
    return Resource(
        EntityUid("Document", name),
        {
            "owner": user(owner),
            "shared_with": tuple(user(s) for s in shared_with),
            "classification": classification,
        },
        (folder,) if folder else (),
    )


def folder(name: str, owner: str = "olive") -> Resource:
    return Resource(EntityUid("Folder", name), {"owner": user(owner)})


def asking(
    principal: Principal,
    action: str,
    resource: Resource,
    *,
    acr: str = "",
    **kwargs: object,
) -> AccessRequest:
    return AccessRequest(
        principal,
        action,
        resource,
        time=kwargs.pop("time", NOON),  # type: ignore[arg-type]
        authentication=Authentication(acr=acr, amr=("pwd",) if acr else ()),
        **kwargs,  # type: ignore[arg-type]
    )
