"""Discovery and the JWKS are documents clients cache (OIDC Discovery §4, RFC 7517):
each answer has a strong ETag (RFC 9110 §8.8.3), a request naming it gets 304 Not
Modified with the same validators and caching headers (§13.1.2, §15.4.5), and HEAD is
answered as GET without the content (§9.3.2)."""

from __future__ import annotations

import re

import httpx
import pytest

DOCUMENTS = ["/.well-known/openid-configuration", "/jwks"]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_a_document_names_its_etag__rfc9110_s8_8_3(idp, path):
    first = httpx.get(f"{idp.base_url}{path}", timeout=10)
    second = httpx.get(f"{idp.base_url}{path}", timeout=10)
    assert re.fullmatch(r'"[0-9a-f]{32}"', first.headers["etag"])  # strong: no W/
    assert first.headers["etag"] == second.headers["etag"]


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_if_none_match_with_its_etag_is_not_modified__rfc9110_s13_1_2(idp, path, form):
    fresh = httpx.get(f"{idp.base_url}{path}", timeout=10)
    condition = form.format(etag=fresh.headers["etag"])
    cached = httpx.get(f"{idp.base_url}{path}", headers={"If-None-Match": condition}, timeout=10)
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == fresh.headers["etag"]
    assert cached.headers["cache-control"] == fresh.headers["cache-control"]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_another_etag_gets_the_document__rfc9110_s13_1_2(idp, path):
    response = httpx.get(f"{idp.base_url}{path}", headers={"If-None-Match": '"x"'}, timeout=10)
    assert response.status_code == 200
    assert response.json()


@pytest.mark.parametrize("path", DOCUMENTS)
def test_head_is_get_without_content__rfc9110_s9_3_2(idp, path):
    head = httpx.head(f"{idp.base_url}{path}", timeout=10)
    get = httpx.get(f"{idp.base_url}{path}", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == get.headers["content-type"]
