"""With IDP_COOKIE_SECURE, cookies are Secure and carry the __Host- prefix (RFC 6265bis
§4.1.3.2), so no other host or subdomain can set or read them; an unprefixed cookie of
the same name is ignored. (HTTP clients keep Secure cookies off plain http, so this test
sends them back itself, as a browser on https would.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.authorization import assert_code_issued, assert_redirected_error, request_params
from tests.support.cookies import cookie_attributes, cookie_value, set_cookie
from tests.support.databases import database_url
from tests.support.flows import PASSWORD, create_user, csrf_token, register
from tests.support.pages import form_action
from tests.support.server import RunningIdp, running_idp


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory = tmp_path_factory.mktemp("idp")
    with (
        database_url("sqlite", directory) as url,
        running_idp(url, directory, cookie_secure=True) as server,
    ):
        yield server


@pytest.fixture
def http(idp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=idp.base_url, follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture
def first_party(idp):
    return register(idp, public=True, first_party=True)[0]


def login_page(http, client) -> httpx.Response:
    interaction = http.get("/authorize", params=request_params(client))
    return http.get(interaction.headers["location"])


def log_in(http, client, user, csrf_cookie: str = "__Host-idp_csrf") -> httpx.Response:
    """Log in, sending the CSRF cookie the login page set back under ``csrf_cookie``."""
    page = login_page(http, client)
    csrf = cookie_value(set_cookie(page, "__Host-idp_csrf"))
    form = {"csrf_token": csrf_token(page.text), "username": user.username, "password": PASSWORD}
    headers = {"Cookie": f"{csrf_cookie}={csrf}"}
    return http.post(form_action(page, "login"), data=form, headers=headers)


def authorize_with_cookie(http, client, cookie: str) -> httpx.Response:
    params = request_params(client, prompt="none")
    return http.get("/authorize", params=params, headers={"Cookie": cookie})


@pytest.mark.parametrize("name", ["__Host-idp_csrf", "__Host-idp_session"])
def test_cookies_are_secure_with_host_prefix__rfc6265bis_s4_1_3_2(idp, http, first_party, name):
    response = log_in(http, first_party, create_user(idp))
    header = set_cookie(response, name) or set_cookie(login_page(http, first_party), name)
    attributes = cookie_attributes(header)
    assert "secure" in attributes
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert "httponly" in attributes
    assert set_cookie(response, "idp_session") is None


def test_host_prefixed_session_cookie_signs_in__rfc6265bis_s4_1_3_2(idp, http, first_party):
    response = log_in(http, first_party, create_user(idp))
    session = cookie_value(set_cookie(response, "__Host-idp_session"))
    response = authorize_with_cookie(http, first_party, f"__Host-idp_session={session}")
    assert_code_issued(response, first_party)


def test_unprefixed_session_cookie_is_ignored__rfc6265bis_s4_1_3_2(idp, http, first_party):
    response = log_in(http, first_party, create_user(idp))
    session = cookie_value(set_cookie(response, "__Host-idp_session"))
    response = authorize_with_cookie(http, first_party, f"idp_session={session}")
    assert_redirected_error(response, idp, first_party, "login_required")


def test_unprefixed_csrf_cookie_is_ignored__rfc6265bis_s4_1_3_2(idp, http, first_party):
    response = log_in(http, first_party, create_user(idp), csrf_cookie="idp_csrf")
    assert response.status_code == 403  # no CSRF cookie of this origin: refused
    assert set_cookie(response, "__Host-idp_session") is None
