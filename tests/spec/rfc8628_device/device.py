"""The device (RFC 8628 §3.1, §3.4) and the user's browser on the verification page
(§3.3). Every browser connects from its own loopback address (``LoopbackBrowser``): the
server limits wrong user codes per caller address, and one test's guesses must not
block another's."""

from __future__ import annotations

import re
from typing import Any

import httpx

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.support.client_requests import post_as_client, token_request
from tests.support.flows import PASSWORD, LoopbackBrowser, csrf_token, register
from tests.support.pages import is_consent_page, is_login_page
from tests.support.server import RunningIdp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")


def device_client(
    idp: RunningIdp, *, public: bool = True, extra_grants: tuple[str, ...] = (), **options: Any
) -> tuple[Client, str | None]:
    return register(
        idp, public=public, grant_types=[DEVICE_GRANT, *extra_grants], redirect_uris=[], **options
    )


def start(
    idp: RunningIdp, client: Client, secret: str | None = None, scope: str = "openid profile"
) -> httpx.Response:
    """RFC 8628 §3.1: the device authorization request."""
    return post_as_client(idp, "/device_authorization", client, secret, {"scope": scope})


def started(idp: RunningIdp, client: Client, secret: str | None = None) -> dict[str, Any]:
    response = start(idp, client, secret)
    assert response.status_code == 200, response.text
    return response.json()


def poll(
    idp: RunningIdp, client: Client, device_code: str, secret: str | None = None
) -> httpx.Response:
    """RFC 8628 §3.4: the device access token request."""
    return token_request(idp, client, secret, grant_type=DEVICE_GRANT, device_code=device_code)


class DeviceBrowser(LoopbackBrowser):
    def enter_code(self, typed: str, page_url: str = "/device") -> httpx.Response:
        """Open the verification page, type the code, submit; follow to the next page."""
        page = self.http.get(page_url)
        assert page.status_code == 200, page.text
        return self.follow(
            self.http.post(
                "/device", data={"csrf_token": csrf_token(page.text), "user_code": typed}
            )
        )

    def approve(self, user: User, typed: str, decision: str = "allow") -> httpx.Response:
        """Code, login, consent: the page the user ends on."""
        page = self.enter_code(typed)
        if is_login_page(page):
            page = self.follow(self.submit_login(page, user.username, PASSWORD))
        assert is_consent_page(page), page.text
        return self.follow(self.submit_consent(page, decision))
