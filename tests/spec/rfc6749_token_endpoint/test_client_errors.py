"""RFC 6749 §2.3, §3.2, §5.2: client authentication failures and malformed token
requests. Each gets its own error code; none is a 500."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.support.assertions import assert_invalid_client, assert_oauth_error
from tests.support.client_requests import post_body, post_form, redeem
from tests.support.flows import REDIRECT_URI, register
from tests.support.sign_in import sign_in_for_code


def code_request(code: str = "any-code", **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        **extra,
    }


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": f"Basic {credentials}"}


def test_wrong_secret_is_invalid_client__rfc6749_s5_2(idp):
    client, _ = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem(idp, client, code, verifier, "not-the-secret"))


def test_unknown_client_is_invalid_client__rfc6749_s5_2(idp):
    response = post_form(idp, "/token", code_request(), auth=("no-such-client", "secret"))
    assert_invalid_client(response)


def test_unknown_public_client_id_is_invalid_client__rfc6749_s5_2(idp):
    assert_invalid_client(post_form(idp, "/token", code_request(client_id="no-such-client")))


def test_request_without_client_authentication_is_invalid_client__rfc6749_s3_2_1(idp):
    assert_invalid_client(post_form(idp, "/token", code_request()))


@pytest.mark.parametrize(
    "credentials",
    [
        "%%%not-base64%%%",
        "YWJj=ZGVm",
        base64.b64encode(b"no-colon-here").decode(),
        base64.b64encode(b"\xff\xfe:secret").decode(),
    ],
    ids=["not-base64", "padding-inside", "no-colon", "not-utf8"],
)
def test_malformed_basic_credentials_are_invalid_client__rfc6749_s2_3_1(idp, credentials):
    assert_invalid_client(post_form(idp, "/token", code_request(), headers=basic(credentials)))


def test_basic_client_sending_secret_in_body_is_invalid_client__oidc_core_s9(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, client_secret=secret)
    assert_invalid_client(response)


def test_post_client_sending_basic_is_invalid_client__oidc_core_s9(idp):
    client, secret = register(idp, auth_method="client_secret_post")
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem(idp, client, code, verifier, secret))


def test_confidential_client_sending_no_credentials_is_invalid_client__oidc_core_s9(idp):
    client, _ = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem(idp, client, code, verifier))


def test_public_client_sending_a_secret_is_invalid_client__oidc_core_s9(idp):
    client, _ = register(idp, public=True)
    code, verifier = sign_in_for_code(idp, client)
    assert_invalid_client(redeem(idp, client, code, verifier, "invented-secret"))


def test_two_authentication_methods_are_invalid_request__rfc6749_s2_3(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(
        idp, client, code, verifier, secret, client_id=client.client_id, client_secret=secret
    )
    assert_oauth_error(response, "invalid_request")


def test_basic_plus_body_secret_without_client_id_is_invalid_request__rfc6749_s2_3(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = redeem(idp, client, code, verifier, secret, client_secret=secret)
    assert_oauth_error(response, "invalid_request")


def test_missing_grant_type_is_invalid_request__rfc6749_s4_1_3(idp):
    client, secret = register(idp)
    request = code_request()
    del request["grant_type"]
    assert_oauth_error(
        post_form(idp, "/token", request, auth=(client.client_id, secret)), "invalid_request"
    )


def test_password_grant_is_unsupported_grant_type__rfc6749_s5_2(idp):
    client, secret = register(idp)
    request = {"grant_type": "password", "username": "ada", "password": "secret"}
    response = post_form(idp, "/token", request, auth=(client.client_id, secret))
    assert_oauth_error(response, "unsupported_grant_type")


def test_json_body_is_invalid_request__rfc6749_s3_2(idp):
    client, secret = register(idp)
    response = post_body(idp, "/token", json=code_request(), auth=(client.client_id, secret))
    assert_oauth_error(response, "invalid_request")


def oversized_chunks(size: int):
    yield b"grant_type=authorization_code&code="
    for _ in range(size // 4096 + 1):
        yield b"a" * 4096


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_limit_is_413_invalid_request__rfc6749_s5_2(idp, streamed):
    size = idp.settings.max_body_bytes
    content = oversized_chunks(size) if streamed else b"code=" + b"a" * size
    response = post_body(
        idp,
        "/token",
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_oauth_error(response, "invalid_request", status=413)


def test_repeated_parameter_is_invalid_request__rfc6749_s3_2(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    request = {**code_request(code, code_verifier=verifier), "code": [code, code]}
    assert_oauth_error(
        post_form(idp, "/token", request, auth=(client.client_id, secret)), "invalid_request"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"grant_type=authorization_code&code=%ff",
        b"\xff\xfe\x00",
        b"grant_type=password&" + b"&".join(b"p%d=1" % n for n in range(64)),
    ],
    ids=["empty", "percent-encoded-non-utf8", "binary", "too-many-fields"],
)
def test_unparseable_form_is_invalid_request_not_500__rfc6749_s3_2(idp, body):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert_oauth_error(post_body(idp, "/token", content=body, headers=headers), "invalid_request")


def test_get_on_token_endpoint_is_405_and_redeems_nothing__rfc6749_s3_2(idp):
    client, secret = register(idp)
    code, verifier = sign_in_for_code(idp, client)
    response = httpx.get(
        f"{idp.base_url}/token",
        params=code_request(code, code_verifier=verifier),
        auth=(client.client_id, secret),
    )
    assert response.status_code == 405, response.text
    assert redeem(idp, client, code, verifier, secret).status_code == 200
