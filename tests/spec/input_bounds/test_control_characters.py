"""No protocol value holds a control character, and PostgreSQL cannot even store a NUL:
a NUL, another C0 control or DEL in any parameter is refused where it arrives, on every
surface and on both databases. Forms and Basic credentials get a JSON error
(invalid_request, RFC 6749 §5.2; invalid_client, §2.3.1), browser endpoints an error
page that redirects nowhere (§4.1.2.1); nothing is stored and nothing is a 500."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import get_default_algorithms

from idp.authn.users import User
from idp.oauth.clients import Client
from tests.spec.input_bounds.inputs import (
    CONTROL_CHARACTERS,
    CONTROL_IDS,
    assert_error_page,
    assert_json_error,
    assert_no_server_error,
    basic_authorization,
    table_row_counts,
)
from tests.support.client_requests import post_form
from tests.support.flows import PASSWORD, Browser, LoopbackBrowser, csrf_token, pkce_pair, register
from tests.support.flows import create_user as new_user
from tests.support.pages import login_form
from tests.support.server import RunningIdp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ENDPOINTS = ("/token", "/introspect", "/revoke", "/par", "/device_authorization")
AUTHORIZATION_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "nonce",
    "state",
    "scope",
    "login_hint",
    "code_challenge",
)

control_character = pytest.mark.parametrize("ch", CONTROL_CHARACTERS, ids=CONTROL_IDS)


def spoiled(value: str, ch: str) -> str:
    """``value`` with the control character in its middle."""
    middle = len(value) // 2
    return f"{value[:middle]}{ch}{value[middle:]}"


@pytest.fixture(scope="module")
def idp(idp_on_each_backend: RunningIdp) -> RunningIdp:
    return idp_on_each_backend


@pytest.fixture(scope="module")
def confidential(idp: RunningIdp) -> tuple[Client, str]:
    client, secret = register(idp, grant_types=["authorization_code", "client_credentials"])
    assert secret
    return client, secret


@pytest.fixture(scope="module")
def public(idp: RunningIdp) -> Client:
    return register(idp, public=True)[0]


@pytest.fixture(scope="module")
def device_client(idp: RunningIdp) -> Client:
    return register(idp, public=True, grant_types=[DEVICE_GRANT], redirect_uris=[])[0]


@pytest.fixture(scope="module")
def user(idp: RunningIdp) -> User:
    return new_user(idp)


@pytest.fixture
def unchanged_rows(idp: RunningIdp):
    """Fails the test if any table gained or lost a row while it ran."""
    before = table_row_counts(idp)
    yield
    assert table_row_counts(idp) == before


def client_form(endpoint: str, client: Client, client_id: str, secret: str) -> dict[str, str]:
    """A request to ``endpoint`` that would otherwise be well formed."""
    credentials = {"client_id": client_id, "client_secret": secret}
    return {
        "/token": {"grant_type": "client_credentials", **credentials},
        "/introspect": {"token": "opaque-token", **credentials},
        "/revoke": {"token": "opaque-token", **credentials},
        "/par": {
            "response_type": "code",
            "redirect_uri": client.redirect_uris[0],
            "scope": "openid",
            **credentials,
        },
        "/device_authorization": {"scope": "openid", **credentials},
    }[endpoint]


# --- client_id in a form, and HTTP Basic -------------------------------------------------


@control_character
@pytest.mark.parametrize("endpoint", CLIENT_ENDPOINTS)
def test_client_id_in_a_form_is_invalid_request__rfc6749_s2_3(
    idp, confidential, endpoint, ch, unchanged_rows
):
    client, secret = confidential
    form = client_form(endpoint, client, spoiled(client.client_id, ch), secret)
    assert_json_error(post_form(idp, endpoint, form), "invalid_request", 400)


@control_character
@pytest.mark.parametrize("encoding", ["raw", "form-encoded"])
@pytest.mark.parametrize("part", ["client_id", "client_secret"])
@pytest.mark.parametrize("endpoint", CLIENT_ENDPOINTS)
def test_basic_credentials_with_control_characters_are_invalid_client__rfc6749_s2_3_1(
    idp, confidential, endpoint, part, encoding, ch, unchanged_rows
):
    client, secret = confidential
    client_id = spoiled(client.client_id, ch) if part == "client_id" else client.client_id
    password = spoiled(secret, ch) if part == "client_secret" else secret
    header = basic_authorization(client_id, password, form_encoded=encoding == "form-encoded")
    form = client_form(endpoint, client, client.client_id, secret)
    del form["client_secret"], form["client_id"]
    response = post_form(idp, endpoint, form, headers={"Authorization": header})
    assert_json_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic "), response.headers


@control_character
@pytest.mark.parametrize(
    ("endpoint", "parameter"),
    [
        ("/par", "nonce"),
        ("/par", "state"),
        ("/par", "redirect_uri"),
        ("/par", "login_hint"),
        ("/token", "scope"),
        ("/introspect", "token"),
        ("/revoke", "token"),
        ("/revoke", "token_type_hint"),
        ("/device_authorization", "scope"),
    ],
)
def test_other_form_parameters_with_control_characters_are_invalid_request__rfc6749_s5_2(
    idp, confidential, endpoint, parameter, ch, unchanged_rows
):
    client, secret = confidential
    form = client_form(endpoint, client, client.client_id, secret)
    form[parameter] = spoiled(form.get(parameter, "some value"), ch)
    assert_json_error(post_form(idp, endpoint, form), "invalid_request", 400)


@control_character
def test_access_token_in_a_userinfo_form_with_control_characters_is_refused__rfc6750_s2_2(idp, ch):
    response = post_form(idp, "/userinfo", {"access_token": spoiled("a.b.c", ch)})
    assert_json_error(response, "invalid_request", 400)


# --- the authorization endpoint ----------------------------------------------------------


def authorization_request(client: Client) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile",
        "state": "af0ifjsldkj",
        "nonce": "n-0S6_WzA2Mj",
        "login_hint": "someone",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }


@control_character
@pytest.mark.parametrize("parameter", AUTHORIZATION_PARAMETERS)
def test_authorization_request_with_control_characters_gets_an_error_page__rfc6749_s4_1_2_1(
    idp, public, parameter, ch, unchanged_rows
):
    params = authorization_request(public)
    params[parameter] = spoiled(params[parameter], ch)
    response = httpx.get(f"{idp.base_url}/authorize", params=params, timeout=10)
    assert_error_page(response, 400)


@control_character
@pytest.mark.parametrize("parameter", ["client_id", "redirect_uri", "nonce", "state"])
def test_authorization_form_post_with_control_characters_gets_an_error_page__oidc_core_s3_1_2_1(
    idp, public, parameter, ch, unchanged_rows
):
    params = authorization_request(public)
    params[parameter] = spoiled(params[parameter], ch)
    response = post_form(idp, "/authorize", params)
    assert_error_page(response, 400)


@control_character
def test_parameter_name_with_control_characters_gets_an_error_page__rfc6749_s3_1(
    idp, public, ch, unchanged_rows
):
    params = {**authorization_request(public), f"ext{ch}ra": "value"}
    response = httpx.get(f"{idp.base_url}/authorize", params=params, timeout=10)
    assert_error_page(response, 400)


# --- the login form ----------------------------------------------------------------------


@control_character
@pytest.mark.parametrize("field", ["username", "password"])
def test_login_with_control_characters_gets_an_error_page_and_no_session__rfc6749_s3_1(
    idp, public, user, field, ch
):
    with Browser(idp) as browser:
        page = browser.follow(browser.authorize(**authorization_request(public)))
        action = login_form(page)
        assert action, page.text
        token = csrf_token(page.text)
        fields = {"username": user.username, "password": PASSWORD}
        fields[field] = spoiled(fields[field], ch)
        before = table_row_counts(idp)
        response = browser.http.post(action, data={"csrf_token": token, **fields})
        assert_error_page(response, 400)
        assert not [h for h in response.headers.get_list("set-cookie") if "session" in h]
        assert table_row_counts(idp) == before
        # The sign-in page still works: the right credentials sign in.
        right = {"csrf_token": token, "username": user.username, "password": PASSWORD}
        assert browser.http.post(action, data=right).status_code == 303


# --- the device verification page --------------------------------------------------------


def user_code(idp: RunningIdp, client: Client) -> str:
    response = post_form(
        idp, "/device_authorization", {"client_id": client.client_id, "scope": "openid"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["user_code"])


@control_character
def test_typed_user_code_with_control_characters_gets_an_error_page__rfc8628_s3_3(
    idp, device_client, ch
):
    code = user_code(idp, device_client)
    with LoopbackBrowser(idp) as browser:
        page = browser.http.get("/device")
        assert page.status_code == 200, page.text
        response = browser.http.post(
            "/device", data={"csrf_token": csrf_token(page.text), "user_code": spoiled(code, ch)}
        )
        assert_error_page(response, 400)


@control_character
def test_user_code_in_the_verification_uri_with_control_characters_is_refused__rfc8628_s3_3_1(
    idp, device_client, ch
):
    code = user_code(idp, device_client).replace("-", "")
    with LoopbackBrowser(idp) as browser:
        response = browser.http.get("/device", params={"user_code": spoiled(code, ch)})
        assert_no_server_error(response)
        assert_error_page(response, 400)


# --- private_key_jwt client assertions ---------------------------------------------------


@pytest.fixture(scope="module")
def signing_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwt_client(idp: RunningIdp, signing_key: Any) -> Client:
    jwk = get_default_algorithms()["ES256"].to_jwk(signing_key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "ES256", "use": "sig"}]}
    client, _ = register(
        idp,
        auth_method="private_key_jwt",
        jwks=jwks,
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope="jobs:run",
    )
    return client


def assertion(idp: RunningIdp, client: Client, key: Any, **overrides: Any) -> str:
    """RFC 7523 §3: iss = sub = client_id, aud the token endpoint, a fresh jti."""
    now = idp.clock.now()
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": f"{idp.base_url}/token",
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"})


def client_credentials_with(idp: RunningIdp, signed: str) -> httpx.Response:
    return post_form(
        idp,
        "/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": signed,
        },
    )


def test_a_valid_assertion_gets_a_token__rfc7523_s3(idp, jwt_client, signing_key):
    """The baseline the spoiled assertions below differ from."""
    response = client_credentials_with(idp, assertion(idp, jwt_client, signing_key))
    assert response.status_code == 200, response.text


@control_character
def test_assertion_issuer_with_control_characters_is_refused__rfc7523_s3(
    idp, jwt_client, signing_key, ch, unchanged_rows
):
    issuer = spoiled(jwt_client.client_id, ch)
    signed = assertion(idp, jwt_client, signing_key, iss=issuer, sub=issuer)
    response = client_credentials_with(idp, signed)
    assert_no_server_error(response)
    assert (response.status_code, response.json()["error"]) in {
        (400, "invalid_request"),
        (401, "invalid_client"),
    }, response.text


@control_character
def test_assertion_jti_with_control_characters_is_invalid_client__rfc7523_s3(
    idp, jwt_client, signing_key, ch
):
    """The jti is stored (client_assertions.jti) to refuse its reuse."""
    signed = assertion(idp, jwt_client, signing_key, jti=spoiled(uuid.uuid4().hex, ch))
    before = table_row_counts(idp)
    response = client_credentials_with(idp, signed)
    assert_no_server_error(response)
    assert_json_error(response, "invalid_client", 401)
    assert table_row_counts(idp) == before
