"""RFC 9126 §2.2, §4: an expired request_uri. This module moves the server clock."""

from __future__ import annotations

from tests.spec.rfc9126_par.par import assert_error_page, open_request_uri, push
from tests.support.flows import Browser, register


def test_expired_request_uri_is_refused__rfc9126_s4(idp):
    client, _ = register(idp, public=True, require_par=True)
    response, _ = push(idp, client)
    assert response.status_code == 201, response.text
    idp.clock.advance(response.json()["expires_in"] + 1)
    with Browser(idp) as browser:
        page = open_request_uri(browser, client.client_id, response.json()["request_uri"])
    assert_error_page(page, "invalid_request_uri")
