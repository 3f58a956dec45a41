"""The web-app login helper (idp.rp.web_login) against a real Tessera: sign-in with
state, nonce and PKCE; the sealed cookies; refresh; RP-initiated and back-channel
logout; the time an app session has left."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from idp.rp import Provider
from idp.rp.errors import InvalidLoginState, LoginRefused, SessionEnded, UnsafeReturnTo
from idp.rp.sealed import Sealer
from idp.rp.web_login import SignedIn, WebLogin
from tests.rp.web_apps import FORM, end_sso_session, form, registered_app, settings_of, through_idp
from tests.support.flows import Browser, create_user, query_of, register
from tests.support.logout_receiver import LogoutReceiver, logout_receiver
from tests.support.relying_party import App
from tests.support.server import RunningIdp

ORIGIN = "http://127.0.0.1:9"  # the app is never called at its redirect URI here


@pytest.fixture(scope="module")
def receiver() -> Iterator[LogoutReceiver]:
    with logout_receiver() as site:
        yield site


@pytest.fixture(scope="module")
def app(idp: RunningIdp, receiver: LogoutReceiver) -> App:
    return registered_app(idp, ORIGIN, backchannel_logout_uri=receiver.backchannel_uri)


@pytest.fixture
def login(provider: Provider, app: App) -> WebLogin:
    return WebLogin(provider, settings_of(app.client_id, ORIGIN, app.secret))


@pytest.fixture
def browser(idp: RunningIdp) -> Iterator[Browser]:
    with Browser(idp) as fresh:
        yield fresh


def sign_in(idp: RunningIdp, login: WebLogin, browser: Browser, return_to: str = "/") -> SignedIn:
    start = login.start_login(return_to)
    query = through_idp(browser, start.url, create_user(idp))
    return login.finish_login(query, start.cookie.value)


def transaction_of(login: WebLogin, cookie: str) -> dict[str, object]:
    opened = Sealer(login.core.settings.secret_key, "login transaction").open(cookie, now=0)
    assert opened is not None
    return opened


def shifted(idp: RunningIdp, seconds: int) -> Provider:
    """The SDK's clock ``seconds`` ahead of the server's."""
    return Provider(idp.base_url, clock=lambda: idp.clock.now() + seconds)


def test_sign_in_sends_state_nonce_and_s256_challenge__oidc_core_s3_1_2_1(idp, login, browser):
    start = login.start_login("/orders?page=2")
    query = query_of(start.url)
    transaction = transaction_of(login, start.cookie.value)
    verifier = str(transaction["code_verifier"]).encode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
    assert query["code_challenge"] == challenge.decode()
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == transaction["state"]
    assert query["nonce"] == transaction["nonce"]
    assert query["scope"] == "openid profile email"
    assert start.url.startswith(f"{idp.issuer}/authorize?")

    signed_in = login.finish_login(
        through_idp(browser, start.url, create_user(idp)), start.cookie.value
    )
    assert signed_in.return_to == "/orders?page=2"
    session = signed_in.session
    assert session.claims["name"] == "Ada Lovelace"
    record = login.core.registry.load(session.id)
    assert record is not None
    id_token = jwt.decode(record.tokens.id_token, options={"verify_signature": False})
    assert id_token["nonce"] == transaction["nonce"]
    assert session.sid == id_token["sid"]
    assert login.session(signed_in.cookie.value) == session


def test_the_cookies_are_httponly_lax_and_the_transaction_is_cleared(idp, login, browser):
    signed_in = sign_in(idp, login, browser)
    header = signed_in.cookie.header()
    assert header.startswith("tessera_session=")
    assert "; HttpOnly" in header
    assert "; SameSite=Lax" in header
    assert "; Path=/" in header
    assert "Secure" not in header  # http on loopback only
    assert signed_in.clear.header().startswith("tessera_login=; Max-Age=0; Path=/callback")
    assert len(header) < 1500  # the tokens are kept server-side


def test_cookies_are_secure_for_an_https_app(provider, app):
    settings = settings_of(app.client_id, "https://app.example", app.secret)
    assert "; Secure" in WebLogin(provider, settings).start_login().cookie.header()


def test_a_public_client_signs_in_with_pkce_alone(idp, provider, browser):
    client, _ = register(
        idp,
        public=True,
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[f"{ORIGIN}/callback"],
    )
    login = WebLogin(provider, settings_of(client.client_id, ORIGIN, None))
    assert sign_in(idp, login, browser).session.subject


@pytest.mark.parametrize(
    "change",
    [
        lambda value: value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),  # tampered
        lambda value: value[:40],  # truncated
        lambda value: "",
    ],
)
def test_a_tampered_login_transaction_is_refused(idp, login, browser, change):
    start = login.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    with pytest.raises(InvalidLoginState):
        login.finish_login(query, change(start.cookie.value))


def test_a_login_transaction_sealed_with_another_key_is_refused(idp, provider, app, login, browser):
    other = WebLogin(provider, settings_of(app.client_id, ORIGIN, app.secret))
    start = other.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    with pytest.raises(InvalidLoginState):
        login.finish_login(query, start.cookie.value)


def test_an_expired_login_transaction_is_refused(idp, app, login, browser):
    start = login.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    settings = login.core.settings
    with shifted(idp, settings.login_timeout + 1) as later, pytest.raises(InvalidLoginState):
        WebLogin(later, settings).finish_login(query, start.cookie.value)


def test_a_wrong_state_is_refused__rfc6749_s10_12(idp, login, browser):
    start = login.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    with pytest.raises(InvalidLoginState, match="state"):
        login.finish_login({**query, "state": secrets.token_urlsafe(16)}, start.cookie.value)
    with pytest.raises(InvalidLoginState):
        login.finish_login(query, login.start_login().cookie.value)  # another sign-in's


def test_another_issuer_in_the_response_is_refused__rfc9207_s2_4(idp, login, browser):
    start = login.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    with pytest.raises(InvalidLoginState, match="issuer"):
        login.finish_login({**query, "iss": "https://evil.example"}, start.cookie.value)


def test_an_error_response_is_a_login_refused__oidc_core_s3_1_2_6(idp, login, browser):
    start = login.start_login(prompt="none")  # this browser has no session at Tessera
    query = query_of(browser.follow(browser.http.get(start.url)).headers["location"])
    with pytest.raises(LoginRefused) as refused:
        login.finish_login(query, start.cookie.value)
    assert refused.value.error == "login_required"


def test_an_error_response_with_another_state_is_not_believed(login):
    start = login.start_login()
    with pytest.raises(InvalidLoginState):
        login.finish_login({"error": "access_denied", "state": "forged"}, start.cookie.value)


def test_a_code_used_twice_is_refused(idp, login, browser):
    start = login.start_login()
    query = through_idp(browser, start.url, create_user(idp))
    login.finish_login(query, start.cookie.value)
    with pytest.raises(LoginRefused) as refused:
        login.finish_login(query, start.cookie.value)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil",
        "/\nSet-Cookie: x=1",
        "",
    ],
)
def test_an_open_redirect_is_refused__rfc6749_s10_15(login, return_to):
    with pytest.raises(UnsafeReturnTo):
        login.start_login(return_to)


@pytest.mark.parametrize(
    "change",
    [
        lambda value: value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
        lambda value: value[:60],
        lambda value: "x" * 10_000,
    ],
)
def test_a_tampered_session_cookie_is_refused(idp, login, browser, change):
    signed_in = sign_in(idp, login, browser)
    assert login.session(change(signed_in.cookie.value)) is None


def test_a_session_cookie_sealed_with_another_key_or_for_another_purpose_is_refused(
    idp, login, browser
):
    signed_in = sign_in(idp, login, browser)
    payload = signed_in.session.cookie_payload()
    forged = Sealer(secrets.token_urlsafe(32), "app session").seal(payload, now=0, max_age=10**10)
    assert login.session(forged) is None
    key = login.core.settings.secret_key
    other_purpose = Sealer(key, "login transaction").seal(payload, now=0, max_age=10**10)
    assert login.session(other_purpose) is None


def test_a_session_ends_after_its_idle_and_absolute_timeouts(idp, app, browser):
    settings = settings_of(app.client_id, ORIGIN, app.secret, idle_timeout=600)
    with shifted(idp, 0) as now, shifted(idp, 601) as idle, shifted(idp, 8 * 3600) as late:
        login = WebLogin(now, settings)
        signed_in = sign_in(idp, login, browser)
        registry = login.core.registry
        assert WebLogin(late, settings, registry=registry).session(signed_in.cookie.value) is None
        signed_in = sign_in(idp, login, browser)
        assert WebLogin(idle, settings, registry=registry).session(signed_in.cookie.value) is None
        assert registry.load(signed_in.session.id) is None


def test_idle_time_left__counts_the_earliest_end(idp, app, browser):
    settings = settings_of(
        app.client_id, ORIGIN, app.secret, idle_timeout=900, sso_session_lifetime=3600
    )
    with shifted(idp, 0) as now, shifted(idp, 300) as later:
        login = WebLogin(now, settings)
        signed_in = sign_in(idp, login, browser)
        assert login.seconds_left(signed_in.session) == 900
        session = WebLogin(later, settings, registry=login.core.registry).session(
            signed_in.cookie.value
        )
        assert session is not None
        assert WebLogin(later, settings).seconds_left(session) == 900  # seen again: idle anew
        auth_time = signed_in.session.auth_time
        assert auth_time is not None
        long_idle = settings_of(
            app.client_id, ORIGIN, app.secret, idle_timeout=7200, sso_session_lifetime=3600
        )
        assert WebLogin(now, long_idle).seconds_left(signed_in.session) == pytest.approx(
            auth_time + 3600 - idp.clock.now(), abs=2
        )


def test_the_access_token_is_refreshed_near_its_expiry__rfc6749_s6(idp, provider, app, browser):
    settings = settings_of(app.client_id, ORIGIN, app.secret)
    login = WebLogin(provider, settings)
    signed_in = sign_in(idp, login, browser)
    first = login.access_token(signed_in.session)
    assert login.access_token(signed_in.session) == first  # fresh: kept
    near_expiry = WebLogin(
        provider,
        settings_of(app.client_id, ORIGIN, app.secret, refresh_margin=10**6),
        registry=login.core.registry,
    )
    second = near_expiry.access_token(signed_in.session)
    assert second != first
    claims = provider.validate_access_token(second, audience=idp.settings.audience or idp.issuer)
    assert claims.subject == signed_in.session.subject


def test_a_refresh_refused_ends_the_app_session(idp, provider, app, browser):
    settings = settings_of(app.client_id, ORIGIN, app.secret, refresh_margin=10**6)
    login = WebLogin(provider, settings)
    signed_in = sign_in(idp, login, browser)
    record = login.core.registry.load(signed_in.session.id)
    assert record is not None
    end_sso_session(browser, record.tokens.id_token)  # its refresh tokens end with it
    with pytest.raises(SessionEnded):
        login.access_token(signed_in.session)
    assert login.session(signed_in.cookie.value) is None


def test_the_logout_url__rp_initiated_logout_s2(idp, login, browser):
    signed_in = sign_in(idp, login, browser)
    record = login.core.registry.load(signed_in.session.id)
    assert record is not None
    signed_out = login.logout(signed_in.session, state="back")
    url = urlsplit(signed_out.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{idp.issuer}/logout"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "client_id": login.core.settings.client_id,
        "id_token_hint": record.tokens.id_token,
        "post_logout_redirect_uri": f"{ORIGIN}/",
        "state": "back",
    }
    assert signed_out.clear.header().startswith("tessera_session=; Max-Age=0")
    assert login.session(signed_in.cookie.value) is None  # ended here at once
    following = browser.http.get(signed_out.url)
    assert following.headers["location"] == f"{ORIGIN}/?state=back"  # Tessera accepts it


def logout_token_for(receiver: LogoutReceiver, browser: Browser, login: WebLogin, signed_in) -> str:
    record = login.core.registry.load(signed_in.session.id)
    assert record is not None
    seen = len(receiver.posts)
    end_sso_session(browser, record.tokens.id_token)
    return receiver.wait_for_posts(seen + 1)[seen]["logout_token"]


def test_a_backchannel_logout_ends_the_app_sessions_of_its_sid__bcl_s2_7(
    idp, provider, app, receiver, browser
):
    told = []
    login = WebLogin(
        provider, settings_of(app.client_id, ORIGIN, app.secret), on_logout=told.append
    )
    signed_in = sign_in(idp, login, browser)
    start = login.start_login()  # a second app session in the same SSO session
    second = login.finish_login(
        through_idp(browser, start.url, create_user(idp)), start.cookie.value
    )
    token = logout_token_for(receiver, browser, login, signed_in)

    answer = login.receive_backchannel_logout(form(logout_token=token), FORM)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert login.session(signed_in.cookie.value) is None  # although the browser has it
    (logged_out,) = told
    assert logged_out.sid == signed_in.session.sid
    assert set(logged_out.session_ids) == {signed_in.session.id} | (
        {second.session.id} if second.session.sid == signed_in.session.sid else set()
    )


def test_a_replayed_logout_token_is_refused__bcl_s2_6(idp, login, receiver, browser):
    signed_in = sign_in(idp, login, browser)
    token = logout_token_for(receiver, browser, login, signed_in)
    assert login.receive_backchannel_logout(form(logout_token=token), FORM).status == 200
    replayed = login.receive_backchannel_logout(form(logout_token=token), FORM)
    assert replayed.status == 400
    assert json.loads(replayed.body)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (form(logout_token="not.a.token"), FORM),
        (form(logout_token="x" * 100_000), FORM),
        (b"", FORM),
        (form(logout_token="a", other="b") + b"&logout_token=c", FORM),
        (b"\xff\xfe", FORM),
        (json.dumps({"logout_token": "a.b.c"}).encode(), "application/json"),
    ],
)
def test_a_bad_logout_request_is_a_400_never_a_500__bcl_s2_8(login, body, content_type):
    answer = login.receive_backchannel_logout(body, content_type)
    assert answer.status == 400
    assert answer.headers["Cache-Control"] == "no-store"
    assert json.loads(answer.body)["error"] == "invalid_request"


def test_an_id_token_is_no_logout_token(idp, login, browser):
    signed_in = sign_in(idp, login, browser)
    record = login.core.registry.load(signed_in.session.id)
    assert record is not None
    answer = login.receive_backchannel_logout(form(logout_token=record.tokens.id_token), FORM)
    assert answer.status == 400
    assert login.session(signed_in.cookie.value) is not None


def test_a_failing_on_logout_is_answered_400(idp, provider, app, receiver, browser):
    def fail(_logged_out: object) -> None:
        raise RuntimeError("the app's own cleanup failed")

    login = WebLogin(provider, settings_of(app.client_id, ORIGIN, app.secret), on_logout=fail)
    signed_in = sign_in(idp, login, browser)
    token = logout_token_for(receiver, browser, login, signed_in)
    assert login.receive_backchannel_logout(form(logout_token=token), FORM).status == 400
    assert login.session(signed_in.cookie.value) is None
