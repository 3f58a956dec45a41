"""The tests' own layering: a spec folder (tests/spec/<subject>/) imports only from
itself and from tests/support/, where what several folders share lives. No module
outside a spec folder imports from one either (tests/support/ least of all)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def spec_folder(module: str) -> str | None:
    """``tests.spec.<folder>`` for a module in a spec folder (or the folder itself)."""
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["tests", "spec"] and len(parts) > 2 else None


def imported(node: ast.Import | ast.ImportFrom | ast.Assign, package: str) -> Iterator[str]:
    """The modules an import statement (or a ``pytest_plugins`` list) may load:
    relative imports resolved against ``package``; for ``from a import b`` both ``a``
    and ``a.b``, since ``b`` may be a module."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        parts = package.split(".")
        base = parts[: len(parts) - node.level + 1] if node.level else []
        module = ".".join([*base, *([node.module] if node.module else [])])
        yield module
        yield from (f"{module}.{alias.name}" for alias in node.names)
    elif any(
        isinstance(target, ast.Name) and target.id == "pytest_plugins" for target in node.targets
    ):
        for value in ast.walk(node.value):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield value.value


def crossings(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Each import in ``source`` (the text of ``module``) that reaches into a spec
    folder other than the module's own, as ``line: statement``."""
    package = module if is_package else module.rpartition(".")[0]
    own = spec_folder(module)
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Import | ast.ImportFrom | ast.Assign):
            continue
        reached = {spec_folder(name) for name in imported(node, package)} - {None, own}
        if reached:
            found.append(f"{node.lineno}: {ast.get_source_segment(source, node)}")
    return found


def test_no_test_module_imports_from_another_spec_folder() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{crossing}"
        for path in sorted(TESTS.rglob("*.py"))
        for crossing in crossings(
            module_name(path), path.read_text(), is_package=path.name == "__init__.py"
        )
    ]
    assert not found, "move what spec folders share to tests/support/:\n" + "\n".join(found)


CROSSING = [
    "from tests.spec.rfc9700_refresh_grace.refresh import assert_invalid_grant",
    "from ..rfc9700_refresh_grace.refresh import assert_invalid_grant",
    "from .. import rfc9700_refresh_grace",
    "import tests.spec.rfc9700_refresh_grace.refresh",
    "from tests.spec import rfc9700_refresh_grace",
    "def helper():\n    from tests.spec.rfc9700_refresh_grace import refresh",
    'pytest_plugins = ["tests.spec.rfc9700_refresh_grace.refresh"]',
]
ALLOWED = [
    "from tests.spec.rfc6749_refresh.test_scope import OFFLINE_SCOPE",
    "from .test_scope import OFFLINE_SCOPE",
    "from . import test_scope",
    "from tests.support.relying_party import refresh",
    "import tests.spec",
]


def test_the_guard_sees_every_way_of_importing_a_sibling_folder() -> None:
    """In a spec folder: each CROSSING import is found, no ALLOWED one is; and
    tests/support/ may not import from any spec folder."""
    module = "tests.spec.rfc6749_refresh.test_rotation"
    assert [source for source in CROSSING if not crossings(module, source)] == []
    assert [source for source in ALLOWED if crossings(module, source)] == []
    assert crossings("tests.support.relying_party", ALLOWED[0])
