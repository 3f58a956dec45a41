"""Key rotation seen over HTTP: `idp keys rotate` next to a running `idp serve`."""

from __future__ import annotations

import json
import time

import httpx

from tests.cli.processes import idp_env, run_idp, served_idp


def published_kids(http: httpx.Client, base_url: str) -> list[str]:
    response = http.get(f"{base_url}/jwks")
    assert response.status_code == 200, response.text
    return [key["kid"] for key in response.json()["keys"]]


def test_keys_rotated_by_the_cli_appear_in_jwks_of_a_running_server_after_the_cache_ttl(
    tmp_path,
):
    with served_idp(tmp_path, IDP_KEY_CACHE_TTL="1") as server, httpx.Client(timeout=5) as http:
        before = published_kids(http, server.base_url)
        assert len(before) == 2
        result = run_idp(
            idp_env(tmp_path, IDP_ISSUER=server.base_url, IDP_KEY_CACHE_TTL="1"),
            "keys",
            "rotate",
            "--publish-delay",
            "61",  # the floor: IDP_KEY_CACHE_TTL plus the JWKS max-age
            "--json",
        )
        assert result.returncode == 0, result.stderr
        new = [key["kid"] for key in json.loads(result.stdout)]
        rotated_at = time.monotonic()
        deadline = rotated_at + 3  # IDP_KEY_CACHE_TTL=1, on whole seconds
        while len(after := published_kids(http, server.base_url)) < 4:
            assert time.monotonic() < deadline, f"/jwks still lists {after}"
            time.sleep(0.1)
        # The retiring keys stay published next to their successors.
        assert sorted(after) == sorted(before + new)
