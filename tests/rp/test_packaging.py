"""``pip install 'tessera-idp[rp]'`` installs the SDK and nothing of the server: the
base requirements and the rp extra are the SDK's own (pyproject.toml), and every module
of idp.rp but the framework integrations imports with the server's libraries gone."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

import idp.rp

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
SDK_REQUIREMENTS = {"pyjwt", "cryptography", "httpx", "anyio"}
INTEGRATIONS = {"idp.rp.fastapi", "idp.rp.flask", "idp.rp.starlette"}
SERVER_LIBRARIES = [
    "fastapi", "starlette", "sqlalchemy", "alembic", "authlib", "pydantic", "pydantic_settings",
    "typer", "jinja2", "uvicorn", "sse_starlette", "argon2", "flask", "werkzeug", "psycopg",
    "redis",
]  # fmt: skip


def requirement_names(extra: str | None) -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {Requirement(line).name.lower() for line in listed}


def test_the_base_install_is_the_sdk():
    assert requirement_names(None) == SDK_REQUIREMENTS


def test_the_rp_extra_is_the_sdk():
    assert requirement_names("rp") == SDK_REQUIREMENTS


def test_the_server_extra_brings_the_server():
    assert {"fastapi", "sqlalchemy", "alembic", "argon2-cffi", "authlib"} <= requirement_names(
        "server"
    )


def test_the_sdk_imports_without_the_servers_libraries():
    """A finder that refuses the server's libraries stands for an install without them."""
    modules = sorted(
        module.name
        for module in pkgutil.iter_modules(idp.rp.__path__, "idp.rp.")
        if module.name not in INTEGRATIONS
    )
    script = f"""
import importlib, importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVER_LIBRARIES!r}:
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Absent())
for module in {modules!r}:
    importlib.import_module(module)
print(len({modules!r}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(modules) > 20


def test_the_idp_command_says_what_to_install_without_the_server():
    script = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "typer":
            raise ModuleNotFoundError(name, name=name)
sys.meta_path.insert(0, Absent())
from idp.launcher import main
main()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1
    assert "pip install 'tessera-idp[server]'" in done.stderr
    assert "Traceback" not in done.stderr
