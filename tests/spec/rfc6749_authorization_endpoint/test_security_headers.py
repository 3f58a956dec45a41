"""RFC 6749 §10.13 (clickjacking): the IdP's pages cannot be framed; they are not
MIME-sniffed, and pages with forms are not cached (OWASP Secure Headers)."""

from __future__ import annotations

import pytest

from tests.support.authorization import log_in, open_authorize


@pytest.fixture(params=["login", "consent", "error"])
def page(request, browser, client, user):
    if request.param == "login":
        return open_authorize(browser, client)
    if request.param == "consent":
        return browser.follow(log_in(browser, client, user))
    return open_authorize(browser, client, client_id="no-such-client")


def test_pages_cannot_be_framed__rfc6749_s10_13(page):
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_pages_are_not_mime_sniffed__owasp_secure_headers(page):
    assert page.headers["x-content-type-options"] == "nosniff"


def test_pages_are_not_stored_by_caches__owasp_secure_headers(page):
    assert "no-store" in page.headers["cache-control"]
