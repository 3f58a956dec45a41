"""`idp policies`: publish a directory or a JSON file, validate (every problem with its
policy id, and its line and column where known), show, history, rollback (a new
version with the old content), schema; on SQLite and PostgreSQL. Each publication is in
the authz audit trail with its actor, ``cli:<os user>``."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.processes import error_line, idp_env, run_idp
from tests.support.databases import database_url

DECLARATION = {
    "user_attributes": [{"name": "clearance", "type": "long", "required": False}],
    "resource_types": [
        {"name": "Folder"},
        {
            "name": "Document",
            "member_of": ["Folder"],
            "attributes": [{"name": "classification", "type": "long"}],
        },
    ],
    "actions": [
        {"name": "read", "resource_types": ["Document", "Folder"], "principal_types": ["User"]},
        {"name": "edit", "resource_types": ["Document"]},
    ],
}
EDITORS = 'permit(principal in Role::"editor", action == Action::"edit", resource);\n'
CLEARED = (
    'permit(principal, action == Action::"read", resource is Document)\n'
    "  when { principal has clearance && principal.clearance >= resource.classification };\n"
)
ACTOR = f"cli:{getpass.getuser()}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    directory: Path = tmp_path_factory.mktemp("policies")
    with database_url(request.param, directory) as url:
        environment = idp_env(directory, IDP_DATABASE_URL=url)
        upgraded = run_idp(environment, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        yield environment


def ok(env: dict[str, str], *args: str) -> str:
    result = run_idp(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def policy_directory(root: Path, **policies: str) -> Path:
    root.mkdir()
    (root / "application.json").write_text(json.dumps(DECLARATION))
    for name, text in policies.items():
        (root / f"{name}.cedar").write_text(text)
    return root


def test_nothing_published_shows_so_and_the_schema_has_tesseras_types(env):
    assert ok(env, "policies", "show").strip() in ("no policies published", "")
    schema = json.loads(ok(env, "policies", "schema"))
    assert set(schema[""]["entityTypes"]) >= {"User", "Group", "Role", "Client"}


def test_publish_a_directory_then_show_history_and_the_audit_trail(env, tmp_path):
    files = policy_directory(tmp_path / "docs", **{"editors-edit": EDITORS, "cleared": CLEARED})
    published = json.loads(
        ok(env, "policies", "publish", str(files), "--comment", "first cut", "--json")
    )
    assert (published["actor"], published["comment"]) == (ACTOR, "first cut")
    shown = json.loads(ok(env, "policies", "show", "--json"))
    assert shown["version"] == published
    assert [p["id"] for p in shown["policies"]] == ["cleared", "editors-edit"]  # file order
    assert shown["declaration"]["user_attributes"] == DECLARATION["user_attributes"]
    text = ok(env, "policies", "show")
    assert "// editors-edit" in text
    assert 'Role::"editor"' in text
    listed = json.loads(ok(env, "policies", "history", "--json"))
    assert listed[0] == published
    changes = json.loads(ok(env, "roles", "changes", "--json"))
    assert (changes[0]["actor"], changes[0]["action"]) == (ACTOR, "policies.publish")
    assert changes[0]["detail"]["version"] == published["number"]
    schema = json.loads(ok(env, "policies", "schema"))
    assert "Document" in schema[""]["entityTypes"]


def test_show_json_publishes_back_and_rollback_is_a_new_version(env, tmp_path):
    first = json.loads(
        ok(env, "policies", "publish", str(policy_directory(tmp_path / "a", e=EDITORS)), "--json")
    )
    exported = tmp_path / "first.json"
    exported.write_text(ok(env, "policies", "show", "--json"))
    second = json.loads(
        ok(env, "policies", "publish", str(policy_directory(tmp_path / "b", c=CLEARED)), "--json")
    )
    assert second["number"] == first["number"] + 1
    back = json.loads(ok(env, "policies", "rollback", str(first["number"]), "--json"))
    assert back["number"] == second["number"] + 1
    assert (back["rollback_of"], back["digest"]) == (first["number"], first["digest"])
    again = json.loads(ok(env, "policies", "publish", str(exported), "--json"))
    assert again["digest"] == first["digest"]
    old = json.loads(ok(env, "policies", "show", "--version", str(first["number"]), "--json"))
    assert [p["id"] for p in old["policies"]] == ["e"]
    numbers = [v["number"] for v in json.loads(ok(env, "policies", "history", "--json"))]
    assert numbers[:4] == [again["number"], back["number"], second["number"], first["number"]]


def test_validate_prints_every_problem_and_publish_stores_nothing(env, tmp_path):
    files = policy_directory(
        tmp_path / "bad",
        good=EDITORS,
        typo='permit(principal in Rol::"editor", action, resource);',
        deep="permit(principal, action, resource) when { " + "(" * 40 + "true" + ")" * 40 + " };",
        fly='permit(principal, action == Action::"fly", resource);',
    )
    before = ok(env, "policies", "history", "--json")
    result = run_idp(env, "policies", "validate", str(files))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: policy ") for line in lines)
    assert {line.split()[2].rstrip(":") for line in lines} == {"typo", "deep", "fly"}
    assert any("deep (line 1, column " in line for line in lines)
    refused = run_idp(env, "policies", "publish", str(files))
    assert refused.returncode == 1
    assert refused.stderr == result.stderr
    assert ok(env, "policies", "history", "--json") == before


def test_validate_accepts_good_files_and_refuses_bad_declarations(env, tmp_path):
    files = policy_directory(tmp_path / "good", e=EDITORS)
    assert ok(env, "policies", "validate", str(files)).startswith("valid: 1 policies")
    (files / "application.json").write_text(json.dumps({"actions": [{"nam": "x"}]}))
    assert "unknown key 'nam'" in error_line(run_idp(env, "policies", "validate", str(files)))
    (files / "application.json").write_text(json.dumps({"resource_types": [{"name": "User"}]}))
    assert "one of Tessera's own" in error_line(run_idp(env, "policies", "publish", str(files)))
    (files / "application.json").write_text("{")
    assert "not JSON" in error_line(run_idp(env, "policies", "validate", str(files)))
    missing = tmp_path / "nowhere"
    assert "no such file" in error_line(run_idp(env, "policies", "publish", str(missing)))


def test_unknown_versions_are_one_error_line(env):
    assert error_line(run_idp(env, "policies", "rollback", "999")) == "error: no policy version 999"
    shown = run_idp(env, "policies", "show", "--version", "999")
    assert error_line(shown) == "error: no policy version 999"
