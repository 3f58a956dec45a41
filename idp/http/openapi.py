"""OpenAPI descriptions of parameters that routes parse themselves (strictly, per spec)."""

from __future__ import annotations

from typing import Any

FORM = "application/x-www-form-urlencoded"


def form_body(*names: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": list(required),
        "properties": {name: {"type": "string"} for name in names},
    }
    return {"requestBody": {"required": True, "content": {FORM: {"schema": schema}}}}


def query(*names: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": "string"},
            }
            for name in names
        ]
    }


CLIENT_AUTH = ("client_id", "client_secret", "client_assertion_type", "client_assertion")
