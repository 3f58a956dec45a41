"""`idp roles`, `idp groups`, `idp users attributes`, `idp users access` and
`idp clients claims`: the RBAC model from the command line. Refusals (cycles, unknown
names, bad syntax) are one line and exit 1; every change is in the audit trail with
its actor, and users whose roles change get a CAEP token-claims-change event."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import query
from tests.cli.processes import error_line, run_idp

PASSWORD = "x" * 20 + "\n"


def ok(env, *args: str) -> str:
    result = run_idp(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def model(env):
    """viewer < editor < owner; staff > writers; rae in writers; a docs client."""
    created = run_idp(env, "users", "create", "rae", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    for role in ("viewer", "editor", "owner"):
        ok(env, "roles", "create", role, "--description", f"can {role}")
    ok(env, "roles", "add-composite", "editor", "viewer")
    ok(env, "roles", "add-composite", "owner", "editor")
    ok(env, "roles", "grant", "viewer", "document:read")
    ok(env, "roles", "grant", "editor", "document:write")
    ok(env, "groups", "create", "staff")
    ok(env, "groups", "create", "writers", "--parent", "staff")
    ok(env, "groups", "add-role", "writers", "editor")
    ok(env, "groups", "add-member", "writers", "rae")
    client = json.loads(
        ok(
            env,
            "clients",
            "create",
            "--name",
            "Docs",
            "--redirect-uri",
            "https://docs.example/cb",
            "--json",
        )
    )
    return client["client_id"]


def test_effective_access_comes_through_groups_and_composites(env, model):
    held = json.loads(ok(env, "users", "access", "rae", "--json"))
    assert held == {
        "roles": ["editor", "viewer"],
        "groups": ["staff", "writers"],
        "permissions": ["document:read", "document:write"],
        "mfa_required": False,
    }


def test_roles_and_groups_list(env, model):
    roles = {row["role"]: row for row in json.loads(ok(env, "roles", "list", "--json"))}
    assert roles["owner"]["composites"] == ["editor"]
    assert roles["viewer"]["permissions"] == ["document:read"]
    groups = {row["group"]: row for row in json.loads(ok(env, "groups", "list", "--json"))}
    assert groups["writers"] == {
        "group": "writers",
        "description": None,
        "parent": "staff",
        "roles": ["editor"],
        "mfa_required": False,
    }
    assert json.loads(ok(env, "groups", "members", "writers", "--json")) == ["rae"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("roles", "add-composite", "viewer", "owner"),
            "cycle refused: viewer -> owner -> editor -> viewer",
        ),
        (("groups", "set-parent", "staff", "writers"), "cycle refused: staff -> writers -> staff"),
        (("roles", "grant", "viewer", "read-everything"), "resource:action"),
        (("roles", "create", "bad name"), "role name"),
        (("roles", "create", "viewer"), "already exists"),
        (("roles", "create", "no-such-client/admin"), "no client"),
        (("roles", "assign", "ghost", "rae"), "no role 'ghost'"),
        (("roles", "assign", "viewer", "nobody"), "no user 'nobody'"),
        (("groups", "add-member", "nowhere", "rae"), "no group 'nowhere'"),
        (("roles", "mfa", "ghost", "--require"), "no role 'ghost'"),
        (("groups", "mfa", "nowhere", "--off"), "no group 'nowhere'"),
        (
            ("users", "attributes", "set", "rae", "level", "high", "--type", "number"),
            "not a number",
        ),
        (("users", "attributes", "set", "rae", "Bad", "x"), "attribute name"),
    ],
)
def test_refusals_are_one_line_and_change_nothing(env, cli_dir, model, args, message):
    before = query(cli_dir, "SELECT count(*) FROM authz_changes")
    assert message in error_line(run_idp(env, *args))
    assert query(cli_dir, "SELECT count(*) FROM authz_changes") == before


def test_changes_are_audited_with_the_operator_and_announced(env, cli_dir, model):
    ok(env, "roles", "assign", "owner", "rae")
    [(user_id,)] = query(cli_dir, "SELECT id FROM users WHERE username = 'rae'")
    [(actor, action, target, detail)] = query(
        cli_dir,
        "SELECT actor, action, target, detail FROM authz_changes ORDER BY id DESC LIMIT 1",
    )
    assert (actor, action, target) == ("operator", "user.role.assign", "owner")
    assert json.loads(detail)["users_notified"] == 1
    [(event_type, event)] = query(
        cli_dir,
        "SELECT event_type, detail FROM security_events WHERE subject = ? ORDER BY id DESC LIMIT 1",
        user_id,
    )
    assert event_type.endswith("/caep/event-type/token-claims-change")
    # owner adds only itself: editor and its permissions came through the group already.
    assert json.loads(event)["claims"] == {"roles": ["editor", "owner", "viewer"]}
    assert ok(env, "roles", "assign", "owner", "rae").strip() == "rae already had owner"
    ok(env, "roles", "unassign", "owner", "rae")
    changes = json.loads(ok(env, "roles", "changes", "--json", "--limit", "1"))
    assert changes[0]["action"] == "user.role.unassign"


def test_a_group_role_change_reaches_the_members_of_nested_groups(env, cli_dir, model):
    ok(env, "groups", "add-role", "staff", "owner")
    assert "owner" in json.loads(ok(env, "users", "access", "rae", "--json"))["roles"]
    ok(env, "groups", "remove-role", "staff", "owner")
    assert "owner" not in json.loads(ok(env, "users", "access", "rae", "--json"))["roles"]


def test_client_roles_are_namespaced(env, model):
    ok(env, "roles", "create", f"{model}/admin")
    roles = json.loads(ok(env, "roles", "list", "--client", model, "--json"))
    assert [row["role"] for row in roles] == [f"{model}/admin"]


def test_attributes_set_list_unset(env, model):
    ok(env, "users", "attributes", "set", "rae", "clearance", "2", "--type", "number")
    ok(env, "users", "attributes", "set", "rae", "teams", "a", "b", "--type", "string_list")
    ok(env, "users", "attributes", "set", "rae", "contractor", "false", "--type", "boolean")
    listed = json.loads(ok(env, "users", "attributes", "list", "rae", "--json"))
    assert listed == {
        "clearance": {"type": "number", "value": 2},
        "contractor": {"type": "boolean", "value": False},
        "teams": {"type": "string_list", "value": ["a", "b"]},
    }
    assert ok(env, "users", "attributes", "unset", "rae", "contractor").startswith("unset")
    assert "contractor" not in json.loads(ok(env, "users", "attributes", "list", "rae", "--json"))


def test_client_claim_mapping(env, cli_dir, model):
    ok(env, "clients", "claims", "set", model, "roles")
    ok(env, "clients", "claims", "set", model, "permissions", "--target", "access_token")
    ok(
        env,
        "clients",
        "claims",
        "set",
        model,
        "attribute",
        "--attribute",
        "clearance",
        "--claim",
        "level",
    )
    ok(env, "clients", "claims", "limits", model, "--max-values", "20")
    mapping = json.loads(ok(env, "clients", "claims", "list", model, "--json"))
    assert [rule["claim"] for rule in mapping["rules"]] == ["roles", "permissions", "level"]
    assert mapping["rules"][1]["targets"] == ["access_token"]
    assert mapping["rules"][2] == {
        "source": "attribute",
        "claim": "level",
        "targets": ["access_token", "id_token", "introspection", "userinfo"],
        "scope": "attributes",
        "attribute": "clearance",
    }
    assert mapping["max_values"] == 20
    ok(env, "clients", "claims", "unset", model, "level")
    shown = json.loads(ok(env, "clients", "show", model, "--json"))
    assert [rule["claim"] for rule in shown["claim_mapping"]["rules"]] == ["roles", "permissions"]
    for args, message in [
        (("set", model, "roles", "--claim", "sub"), "reserved"),
        (("set", model, "secrets"), "claim source"),
        (("set", "no-such-client", "roles"), "no client"),
        (("unset", model, "nothing"), "no claim"),
        (("limits", model, "--max-values", "5000"), "max values"),
    ]:
        assert message in error_line(run_idp(env, "clients", "claims", *args))
    [(actor,)] = query(
        cli_dir,
        "SELECT actor FROM authz_changes WHERE action = 'client.claims.set'"
        " ORDER BY id DESC LIMIT 1",
    )
    assert actor == "operator"


def test_deleting_a_group_and_a_role(env, model):
    ok(env, "groups", "create", "temp", "--parent", "staff")
    ok(env, "groups", "create", "temp-child", "--parent", "temp")
    ok(env, "groups", "delete", "temp")
    groups = {row["group"]: row for row in json.loads(ok(env, "groups", "list", "--json"))}
    assert "temp" not in groups
    assert groups["temp-child"]["parent"] is None
    ok(env, "roles", "create", "short-lived")
    ok(env, "roles", "assign", "short-lived", "rae")
    ok(env, "roles", "delete", "short-lived")
    assert "short-lived" not in json.loads(ok(env, "users", "access", "rae", "--json"))["roles"]


def test_mfa_required_by_a_role_and_by_a_group_is_set_listed_held_and_audited(env, cli_dir, model):
    """`idp roles mfa ROLE --require/--off`, `idp groups mfa GROUP --require/--off`:
    listed, held in effect through a composite role and a parent group, audited."""
    created = run_idp(env, "users", "create", "sam", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    ok(env, "roles", "create", "auditor")
    ok(env, "roles", "create", "lead")
    ok(env, "roles", "add-composite", "lead", "auditor")
    ok(env, "roles", "assign", "lead", "sam")
    ok(env, "groups", "create", "ops")
    ok(env, "groups", "create", "oncall", "--parent", "ops")
    ok(env, "groups", "add-member", "oncall", "sam")

    def held() -> bool:
        return json.loads(ok(env, "users", "access", "sam", "--json"))["mfa_required"]

    assert not held()
    assert ok(env, "roles", "mfa", "auditor", "--require").strip() == (
        "MFA required for holders of auditor"
    )
    assert ok(env, "roles", "mfa", "auditor", "--require").strip() == (
        "no change for holders of auditor"
    )
    roles = {row["role"]: row for row in json.loads(ok(env, "roles", "list", "--json"))}
    assert roles["auditor"]["mfa_required"]
    assert not roles["lead"]["mfa_required"]
    assert "auditor\tincludes: -\tpermissions: -\tMFA required" in ok(env, "roles", "list")
    assert held()  # through the composite role lead
    assert "mfa_required: yes" in ok(env, "users", "access", "sam")
    assert ok(env, "roles", "mfa", "auditor", "--off").strip() == (
        "MFA no longer required for holders of auditor"
    )
    assert not held()

    assert ok(env, "groups", "mfa", "ops", "--require").strip() == "MFA required for members of ops"
    groups = {row["group"]: row for row in json.loads(ok(env, "groups", "list", "--json"))}
    assert groups["ops"]["mfa_required"]
    assert not groups["oncall"]["mfa_required"]
    assert "ops\tparent: -\troles: -\tMFA required" in ok(env, "groups", "list")
    assert held()  # through the parent group ops
    ok(env, "groups", "mfa", "ops", "--off")
    assert not held()

    changes = query(
        cli_dir,
        "SELECT actor, action, target, detail FROM authz_changes"
        " WHERE action LIKE '%.mfa.set' ORDER BY id",
    )
    assert [
        (actor, action, target, json.loads(detail)) for actor, action, target, detail in changes
    ] == [
        ("operator", "role.mfa.set", "auditor", {"mfa_required": True}),
        ("operator", "role.mfa.set", "auditor", {"mfa_required": False}),
        ("operator", "group.mfa.set", "ops", {"mfa_required": True}),
        ("operator", "group.mfa.set", "ops", {"mfa_required": False}),
    ]


def test_mfa_commands_name_the_choice(env, model):
    """Neither --require nor --off: refused, nothing assumed."""
    for command in (("roles", "mfa", "viewer"), ("groups", "mfa", "staff")):
        result = run_idp(env, *command)
        assert result.returncode != 0
        assert "--require" in result.stderr
