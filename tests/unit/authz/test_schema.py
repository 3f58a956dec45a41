"""The Cedar schema Tessera generates (idp.authz.cedar_schema): Tessera's hierarchy, the
user attributes as typed attributes, an application's declaration, and bad
declarations refused with their name."""

from __future__ import annotations

import cedarpy
import pytest

from idp.authz.cedar_schema import (
    ActionDecl,
    Application,
    AttributeDecl,
    AttributeType,
    ResourceTypeDecl,
    SchemaDeclarationError,
    generate_schema,
)
from tests.support.cedar_apps import DOCUMENTS, USER_ATTRIBUTES, documents_schema


def test_tessera_hierarchy_is_the_cedar_entity_hierarchy():
    types = documents_schema().document[""]["entityTypes"]
    assert types["User"]["memberOfTypes"] == ["Group", "Role"]
    assert types["Group"]["memberOfTypes"] == ["Group", "Role"]
    assert types["Role"]["memberOfTypes"] == ["Role"]
    assert "Client" in types


def test_user_attributes_are_declared_typed_attributes():
    shape = documents_schema().document[""]["entityTypes"]["User"]["shape"]
    assert shape["attributes"]["clearance"] == {"type": "Long", "required": True}
    assert shape["attributes"]["department"] == {"type": "String", "required": False}


def test_application_resource_types_and_actions_are_declared():
    schema = documents_schema()
    document = schema.document[""]
    assert document["entityTypes"]["Document"]["memberOfTypes"] == ["Folder"]
    owner = document["entityTypes"]["Document"]["shape"]["attributes"]["owner"]
    assert owner == {"type": "Entity", "name": "User", "required": True}
    share = document["actions"]["share"]["appliesTo"]
    assert share["resourceTypes"] == ["Document"]
    assert set(share["context"]["attributes"]) == {"acr", "amr", "time", "ip", "recipients"}
    assert document["actions"]["edit"]["memberOf"] == [{"id": "write"}]
    assert schema.action_ancestors["edit"] == {"edit", "write"}
    assert schema.type_ancestors["Document"] == {"Document", "Folder"}


def test_extension_types_are_cedar_extension_types():
    schema = generate_schema(
        (
            AttributeDecl("limit", AttributeType.DECIMAL),
            AttributeDecl("office", AttributeType.IPADDR),
            AttributeDecl("hired", AttributeType.DATETIME),
        ),
        DOCUMENTS,
    )
    attributes = schema.document[""]["entityTypes"]["User"]["shape"]["attributes"]
    assert attributes["limit"]["name"] == "decimal"
    assert attributes["office"]["name"] == "ipaddr"
    assert attributes["hired"]["name"] == "datetime"


def test_the_generated_schema_is_one_cedar_accepts():
    cedarpy.Schema.from_json_str(documents_schema().json_text)


@pytest.mark.parametrize(
    ("user_attributes", "application", "named"),
    [
        ((AttributeDecl("if", AttributeType.STRING),), DOCUMENTS, "'if'"),
        ((AttributeDecl("a b", AttributeType.STRING),), DOCUMENTS, "'a b'"),
        (
            (AttributeDecl("x", AttributeType.LONG), AttributeDecl("x", AttributeType.LONG)),
            DOCUMENTS,
            "twice",
        ),
        ((AttributeDecl("boss", AttributeType.ENTITY),), DOCUMENTS, "'boss'"),
        (
            (AttributeDecl("boss", AttributeType.ENTITY, entity_type="Manager"),),
            DOCUMENTS,
            "'Manager'",
        ),
        ((), Application(resource_types=(ResourceTypeDecl("User"),)), "Tessera's own"),
        ((), Application(resource_types=(ResourceTypeDecl("Doc", member_of=("Box",)),)), "'Box'"),
        ((), Application(actions=(ActionDecl("read", ("Nothing",)),)), "'Nothing'"),
        ((), Application(actions=(ActionDecl("read"), ActionDecl("read"))), "twice"),
        ((), Application(actions=(ActionDecl('re"ad'),)), "not allowed"),
        ((), Application(actions=(ActionDecl("edit", member_of=("write",)),)), "'write'"),
        (
            (),
            Application(
                resource_types=(ResourceTypeDecl("Doc"),),
                actions=(ActionDecl("read", ("Doc",), ("Robot",)),),
            ),
            "'Robot'",
        ),
        (
            (),
            Application(
                resource_types=(ResourceTypeDecl("Doc"),),
                actions=(
                    ActionDecl(
                        "read", ("Doc",), context=(AttributeDecl("acr", AttributeType.LONG),)
                    ),
                ),
            ),
            "standard context",
        ),
    ],
)
def test_bad_declarations_are_refused_naming_the_problem(user_attributes, application, named):
    with pytest.raises(SchemaDeclarationError, match=named):
        generate_schema(user_attributes, application)


def test_an_action_cycle_is_refused():
    cyclic = Application(
        resource_types=(ResourceTypeDecl("Doc"),),
        actions=(
            ActionDecl("a", ("Doc",), member_of=("b",)),
            ActionDecl("b", ("Doc",), member_of=("a",)),
        ),
    )
    with pytest.raises(SchemaDeclarationError, match="Cedar refused"):
        generate_schema(USER_ATTRIBUTES, cyclic)
