"""Policies on disk, for ``idp policies publish|validate``: a directory or one JSON file.

A directory holds ``application.json`` (the declaration, declarations.py) and one
``NAME.cedar`` file per policy, its id the file's stem (``editors-write.cedar`` is policy
``editors-write``), read in the order of their names::

    docs-policies/
      application.json
      editors-write.cedar
      viewers-read.cedar

One JSON file holds both, the shape ``idp policies show --json`` prints (its
``version`` key, when there, is what the store says of the version, and is not read)::

    {"declaration": {...}, "policies": [{"id": "editors-write", "text": "permit(...);"}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from idp.authz.declarations import (
    Declaration,
    DeclarationFormatError,
    declaration_from_json,
    declaration_to_json,
)
from idp.authz.policies import MAX_POLICIES, PolicySource
from idp.authz.policy_versions import PolicyContent

DECLARATION_FILE = "application.json"
POLICY_SUFFIX = ".cedar"
MAX_FILE_BYTES = 4 * 1024 * 1024  # a declaration, or one policy (16,384 characters)
MAX_BUNDLE_BYTES = 256 * 1024 * 1024  # every policy at its largest, and the declaration
_BUNDLE_KEYS = {"version", "declaration", "policies"}
_REQUIRED_KEYS = {"declaration", "policies"}


class PolicyFileError(ValueError):
    """Files that are not of the documented shape; names the file and why."""


def read_policies(path: Path) -> PolicyContent:
    """The declaration and policies of a directory or a JSON file."""
    if path.is_dir():
        return _read_directory(path)
    if not path.is_file():
        raise PolicyFileError(f"{path}: no such file or directory")
    return content_from_json(_load_json(path, MAX_BUNDLE_BYTES), str(path))


def content_to_json(content: PolicyContent) -> dict[str, Any]:
    return {
        "declaration": declaration_to_json(content.declaration),
        "policies": [{"id": source.id, "text": source.text} for source in content.sources],
    }


def content_from_json(document: Any, where: str = "policies") -> PolicyContent:
    if not isinstance(document, dict):
        raise PolicyFileError(f"{where}: a JSON object with declaration and policies")
    unknown = sorted(set(document) - _BUNDLE_KEYS)
    if unknown:
        raise PolicyFileError(f"{where}: unknown key {unknown[0][:40]!r}")
    missing = sorted(_REQUIRED_KEYS - set(document))
    if missing:  # a left-out member would publish no policies, or no declaration
        raise PolicyFileError(f"{where}: {missing[0]} is required (an empty one may be given)")
    policies = document["policies"]
    if not isinstance(policies, list) or len(policies) > MAX_POLICIES:
        raise PolicyFileError(f"{where}: policies is a list of at most {MAX_POLICIES}")
    sources = []
    for index, policy in enumerate(policies):
        if (
            not isinstance(policy, dict)
            or set(policy) != {"id", "text"}
            or not all(isinstance(value, str) for value in policy.values())
        ):
            raise PolicyFileError(f"{where}: policies[{index}] is {{'id': str, 'text': str}}")
        sources.append(PolicySource(policy["id"], policy["text"]))
    return PolicyContent(_declaration(document["declaration"], where), tuple(sources))


def _read_directory(directory: Path) -> PolicyContent:
    declaration_file = directory / DECLARATION_FILE
    if not declaration_file.is_file():
        raise PolicyFileError(f"{directory}: no {DECLARATION_FILE}")
    declaration = _declaration(_load_json(declaration_file, MAX_FILE_BYTES), str(declaration_file))
    files = sorted(directory.glob(f"*{POLICY_SUFFIX}"))
    if len(files) > MAX_POLICIES:
        raise PolicyFileError(f"{directory}: more than {MAX_POLICIES} policies")
    sources = tuple(PolicySource(file.stem, _read_text(file, MAX_FILE_BYTES)) for file in files)
    return PolicyContent(declaration, sources)


def _declaration(document: Any, where: str) -> Declaration:
    try:
        return declaration_from_json(document)
    except DeclarationFormatError as error:
        raise PolicyFileError(f"{where}: {error}") from None


def _load_json(path: Path, limit: int) -> Any:
    try:
        return json.loads(_read_text(path, limit))
    except json.JSONDecodeError as error:
        raise PolicyFileError(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _read_text(path: Path, limit: int) -> str:
    try:
        if path.stat().st_size > limit:
            raise PolicyFileError(f"{path}: larger than {limit} bytes")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise PolicyFileError(f"{path}: {error.strerror}") from None
