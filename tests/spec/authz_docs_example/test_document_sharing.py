"""docs/authorization.md's step-by-step example, as an operator runs it: the document
app's roles and groups with `idp roles|groups|users`, its policies published from
examples/document-sharing with `idp policies`, decisions asked over the AuthZEN API by
a client registered with `idp clients create`; then a new version and a rollback. Each
answer is the one the page shows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.authzen import decision, evaluate
from tests.support.cli_clients import create_client_with_cli, run_idp_against
from tests.support.client_requests import post_form
from tests.support.polling import eventually
from tests.support.server import RunningIdp

EXAMPLE = Path(__file__).parents[3] / "examples" / "document-sharing"
MFA = "urn:tessera:acr:mfa"
SET_UP = [
    ("roles", "create", "viewer"),
    ("roles", "create", "editor"),
    ("roles", "add-composite", "editor", "viewer"),
    ("groups", "create", "company"),
    ("groups", "create", "writers", "--parent", "company"),
    ("groups", "add-role", "company", "viewer"),
    ("groups", "add-role", "writers", "editor"),
    ("groups", "add-member", "company", "bob"),
    ("groups", "add-member", "writers", "ada"),
    ("users", "attributes", "set", "ada", "clearance", "2", "--type", "number"),
    ("users", "attributes", "set", "bob", "clearance", "1", "--type", "number"),
    ("users", "attributes", "set", "dave", "clearance", "1", "--type", "number"),
]


class Operator:
    def __init__(self, idp: RunningIdp, directory: Path) -> None:
        self.idp, self.directory = idp, directory

    def run(self, *args: str, stdin: str | None = None) -> str:
        result = run_idp_against(self.idp, self.directory, *args, stdin=stdin)
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout.strip()


@pytest.fixture(scope="module")
def operator(idp: RunningIdp, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    return Operator(idp, tmp_path_factory.mktemp("operator"))


@pytest.fixture(scope="module")
def people(operator: Operator) -> dict[str, str]:
    """The users' ids (the `sub` of their tokens, which the decision API names)."""
    for username in ("ada", "bob", "dave"):
        operator.run(
            "users",
            "create",
            username,
            "--password-stdin",
            stdin=f"correct horse battery {len(username)}q7f3k9",
        )
    for command in SET_UP:
        operator.run(*command)
    listed = json.loads(operator.run("users", "list", "--json"))
    return {user["username"]: user["id"] for user in listed}


@pytest.fixture(scope="module")
def token(idp: RunningIdp, operator: Operator) -> str:
    client = create_client_with_cli(
        idp, operator.directory, "--name", "Docs API", "--grant", "client_credentials",
        "--scope", "access.evaluate",
    )  # fmt: skip
    credentials = (client["client_id"], client["client_secret"])
    response = post_form(idp, "/token", {"grant_type": "client_credentials"}, auth=credentials)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def published(
    idp: RunningIdp, operator: Operator, people: dict[str, str], token: str
) -> tuple[str, str]:
    """What `idp policies validate` and `publish` printed for the example (a fixture, so
    that whichever test of the module runs first in a worker finds it published), once
    the node's decision point has taken up version 1 (within its staleness bound)."""
    validated = operator.run("policies", "validate", str(EXAMPLE))
    first = operator.run("policies", "publish", str(EXAMPLE), "--comment", "first version")
    assert eventually(lambda: decision(idp, token, ask(people, "ada", "edit")), within=10)
    return validated, first


def plan(people: dict[str, str]) -> dict[str, object]:
    """Bob's document, classified 1, shared with Dave."""
    return {
        "type": "Document",
        "id": "plan",
        "properties": {
            "owner": {"__entity": {"type": "User", "id": people["bob"]}},
            "shared_with": [{"__entity": {"type": "User", "id": people["dave"]}}],
            "classification": 1,
        },
    }


def ask(people: dict[str, str], who: str, action: str, acr: str | None = None) -> dict:
    subject: dict[str, object] = {"type": "user", "id": people[who]}
    if acr:
        subject["properties"] = {"acr": acr}
    return {"subject": subject, "action": {"name": action}, "resource": plan(people)}


def test_the_example_validates_and_publishes(published: tuple[str, str]):
    validated, first = published
    assert validated.startswith("valid: 6 policies")
    assert first.startswith("published version 1 ")


@pytest.mark.parametrize(
    ("who", "action", "acr", "allowed", "deciding"),
    [
        ("ada", "edit", None, True, ["editors-write"]),  # RBAC: writers hold editor
        ("bob", "edit", None, True, ["owner-all"]),  # DAC: bob owns the plan
        ("bob", "delete", None, False, ["delete-needs-mfa"]),  # step-up
        ("bob", "delete", MFA, True, ["owner-all"]),
        ("dave", "read", None, True, ["shared-read"]),  # DAC: shared with dave
        ("dave", "edit", None, False, []),  # no permit applies
    ],
)
def test_the_pages_answers(idp, token, people, published, who, action, acr, allowed, deciding):
    answer = evaluate(idp, token, ask(people, who, action, acr))
    assert answer["decision"] is allowed
    assert answer["context"].get("policy_ids", []) == deciding


def test_clearance_below_the_classification_is_a_deny(idp, token, people, published):
    secret = plan(people) | {"id": "merger"}
    secret["properties"] = {**secret["properties"], "classification": 3}  # type: ignore[dict-item]
    body = {"subject": {"type": "user", "id": people["ada"]}, "action": {"name": "read"}}
    answer = evaluate(idp, token, body | {"resource": secret})
    assert answer == {
        "decision": False,
        "context": {"reason": "deny by clearance", "policy_ids": ["clearance"]},
    }


def test_a_new_version_and_a_rollback(idp, operator, token, people, published, tmp_path):
    unshared = tmp_path / "unshared"
    shutil.copytree(EXAMPLE, unshared)
    (unshared / "shared-read.cedar").unlink()
    assert operator.run("policies", "publish", str(unshared)).startswith("published version 2 ")
    assert eventually(lambda: not decision(idp, token, ask(people, "dave", "read")), within=10)
    assert operator.run("policies", "rollback", "1").startswith("published version 3 ")
    assert eventually(lambda: decision(idp, token, ask(people, "dave", "read")), within=10)
    history = operator.run("policies", "history").splitlines()
    assert [line.split("\t")[0] for line in history] == ["3", "2", "1"]
