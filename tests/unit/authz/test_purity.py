"""The policy engine's modules, the AuthZEN mapping, the policy bundle's format and a
token's principal among them, import nothing of the server, so the SDK can decide with
the same code (issue 11, item 5); the import-linter contract holds the same statically.
Here they are imported, and decisions made, with every server package blocked."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = [
    "fastapi", "starlette", "sqlalchemy", "alembic", "pydantic", "pydantic_settings",
    "authlib", "jinja2", "typer", "uvicorn", "argon2",
    "idp.store", "idp.provider", "idp.http", "idp.config", "idp.oauth", "idp.authn",
]  # fmt: skip

CODE = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in {BLOCKED!r}):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
import datetime as dt
from idp.authz.cedar_schema import Application, ActionDecl, ResourceTypeDecl, generate_schema
from idp.authz.engine import AccessRequest, Authorizer
from idp.authz.entities import EntityUid, Principal, Resource, role, user
from idp.authz.policies import PolicySource, compile_policies
from idp.authz.declarations import application_from_json, application_to_json
app = Application((ResourceTypeDecl("Doc"),), (ActionDecl("read", ("Doc",)),))
app = application_from_json(application_to_json(app))
schema = generate_schema((), app)
policies = compile_policies(
    [PolicySource("p", 'permit(principal in Role::"reader", action, resource);')], schema, "1"
)
request = AccessRequest(
    Principal(user("a"), {{}}, (role("reader"),)), "read", Resource(EntityUid("Doc", "d")),
    time=dt.datetime.now(dt.UTC),
)
print(Authorizer(policies).decide(request).explain())
from idp.authz.authzen import parse_evaluation
evaluation = parse_evaluation(
    {{"subject": {{"type": "user", "id": "a"}}, "action": {{"name": "read"}},
     "resource": {{"type": "Doc", "id": "d"}}}}
)
mapped = evaluation.access_request(request.principal, request.time)
print(Authorizer(policies).decide(mapped).explain())
from idp.authz.bundles import PolicyBundle, bundle_from_payload
from idp.authz.declarations import Declaration
from idp.authz.token_principals import ClaimNames, principal_of
sources = (PolicySource("p", 'permit(principal in Role::"reader", action, resource);'),)
names = {{"c": ClaimNames(roles="roles")}}
bundle = PolicyBundle(1, policies.digest, Declaration((), app), sources, {{}}, names)
assert bundle_from_payload(bundle.payload("https://idp.example", 0)) == bundle
principal = principal_of({{"sub": "a", "client_id": "c", "roles": ["reader"]}}, (), names["c"])
local = AccessRequest(principal, "read", request.resource, time=request.time)
print(Authorizer(policies, bundle.rbac_hierarchy()).decide(local).explain())
print(sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r}))
"""


def test_the_engine_decides_with_every_server_package_blocked():
    result = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["allow by p", "allow by p", "allow by p", "[]"]
