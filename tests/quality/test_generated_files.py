"""Generated files stay in step with the code that generates them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from idp.cli import openapi_document
from idp.config import configuration_reference

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_document_is_up_to_date():
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert committed == openapi_document(), "run: idp openapi > openapi/openapi.json"


def test_served_openapi_document_matches_the_committed_one(idp):
    served = httpx.get(f"{idp.base_url}/openapi.json").json()
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert served["paths"] == committed["paths"]


def test_configuration_reference_is_up_to_date():
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == configuration_reference(), "run: idp config docs > docs/configuration.md"
