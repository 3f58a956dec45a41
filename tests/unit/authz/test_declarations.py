"""The JSON form of a declaration (idp.authz.declarations) carries every field both
ways, and refuses what is not of its shape, naming where."""

from __future__ import annotations

import pytest

from idp.authz.cedar_schema import ActionDecl, Application, AttributeDecl, AttributeType
from idp.authz.declarations import (
    Declaration,
    DeclarationFormatError,
    application_from_json,
    application_to_json,
    declaration_from_json,
    declaration_to_json,
)
from tests.support.cedar_apps import DOCUMENTS, USER_ATTRIBUTES


def test_the_documents_application_survives_the_round_trip():
    assert application_from_json(application_to_json(DOCUMENTS)) == DOCUMENTS
    declaration = Declaration(USER_ATTRIBUTES, DOCUMENTS)
    assert declaration_from_json(declaration_to_json(declaration)) == declaration


def test_left_out_keys_take_the_defaults():
    parsed = application_from_json({"actions": [{"name": "write"}]})
    assert parsed == Application(actions=(ActionDecl("write"),))
    assert declaration_from_json({}) == Declaration()


def test_attributes_keep_their_type_optionality_and_entity_type():
    attribute = AttributeDecl("team", AttributeType.ENTITY, required=False, entity_type="Group")
    document = declaration_to_json(Declaration((attribute,)))
    assert document["user_attributes"] == [
        {"name": "team", "type": "entity", "required": False, "entity_type": "Group"}
    ]
    assert declaration_from_json(document).user_attributes == (attribute,)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "declaration is a JSON object"),
        ({"resource_type": []}, "unknown key 'resource_type'"),
        ({"actions": {}}, "is a JSON array"),
        ({"actions": [{"resource_types": []}]}, "'name' is missing"),
        ({"actions": [{"name": 7}]}, "actions[0].name is a name"),
        ({"user_attributes": [{"name": "a", "type": "float"}]}, "type is one of string"),
        ({"user_attributes": [{"name": "a", "type": "long", "required": "no"}]}, "true or false"),
        ({"resource_types": [{"name": "D", "member_of": "Folder"}]}, "member_of is a JSON"),
        ({"actions": [{"name": "x"}] * 1025}, "more than 1024"),
    ],
)
def test_what_is_not_of_the_shape_is_refused_naming_where(document, message):
    with pytest.raises(DeclarationFormatError) as refused:
        declaration_from_json(document)
    assert message in str(refused.value)
