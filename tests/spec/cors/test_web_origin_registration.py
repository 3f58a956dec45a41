"""`idp clients create --web-origin`: the origins a browser app's scripts call Tessera
from, when they are not (only) those of its redirect URIs. Registered with the real
CLI on the running server's database; the server then answers by them."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.processes import error_line
from tests.spec.cors.cors import (
    OTHER_ORIGIN,
    SPA_CALLBACK,
    SPA_ORIGIN,
    assert_not_readable_cross_origin,
    assert_readable_by,
    from_origin,
    node_that_keeps_its_client_cache,
)
from tests.support.cli_clients import create_client_with_cli, run_clients_create
from tests.support.client_requests import post_form

SPA = ["--name", "SPA", "--public", "--redirect-uri", SPA_CALLBACK, "--grant", "authorization_code"]
THIRD_ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with node_that_keeps_its_client_cache(tmp_path_factory.mktemp("idp")) as server:
        yield server


def refused_code(idp, client_id: str, origin: str) -> httpx.Response:
    """A token request the server refuses (invalid_grant) after naming the client."""
    data = {
        "grant_type": "authorization_code",
        "code": "not-a-code",
        "redirect_uri": SPA_CALLBACK,
        "code_verifier": "v" * 43,
        "client_id": client_id,
    }
    response = post_form(idp, "/token", data, headers=from_origin(origin))
    assert response.json()["error"] == "invalid_grant", response.text
    return response


def test_without_web_origin_the_redirect_uris_origins_are_shown__fetch_cors_protocol(idp, tmp_path):
    created = create_client_with_cli(idp, tmp_path, *SPA)
    assert created["web_origins"] == [SPA_ORIGIN]
    assert_readable_by(refused_code(idp, created["client_id"], SPA_ORIGIN), SPA_ORIGIN)


def test_web_origins_registered_with_the_cli_are_the_only_ones_answered__fetch_cors_protocol(
    idp, tmp_path
):
    created = create_client_with_cli(
        idp, tmp_path, *SPA, "--web-origin", OTHER_ORIGIN, "--web-origin", THIRD_ORIGIN
    )
    assert created["web_origins"] == sorted([OTHER_ORIGIN, THIRD_ORIGIN])
    for origin in (OTHER_ORIGIN, THIRD_ORIGIN):
        assert_readable_by(refused_code(idp, created["client_id"], origin), origin)
    assert_not_readable_cross_origin(refused_code(idp, created["client_id"], SPA_ORIGIN))


NOT_ORIGINS = [
    "https://spa.example/callback",  # a redirect URI, not its origin
    "https://user@spa.example",
    "https://spa.example:443",  # browsers never send the default port
]


@pytest.fixture(scope="module")
def refusals(idp, tmp_path_factory):
    """`idp clients create --web-origin VALUE` for each value."""
    directory = tmp_path_factory.mktemp("cli")
    return {
        value: run_clients_create(idp, directory, *SPA, "--web-origin", value)
        for value in NOT_ORIGINS
    }


@pytest.mark.parametrize("value", NOT_ORIGINS)
def test_a_value_that_is_not_an_origin_is_refused_with_one_error_line__rfc6454_s6_2(
    refusals, value
):
    result = refusals[value]
    line = error_line(result)
    assert repr(value) in line, line
    assert "scheme://host[:port]" in line, line
    assert result.stdout == ""
