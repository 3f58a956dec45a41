"""`idp serve` on PostgreSQL while the database goes away or hangs.

A real TCP proxy process (tests/support/tcp_proxy.py) stands between the IdP and
PostgreSQL: killing it makes the database unavailable, SIGSTOP makes it hang (the kernel
still accepts connections and buffers what is sent, nothing answers), and the IdP is
never restarted. What is promised (idp/store/database.py, idp/refresher.py):

- every database call is bounded by IDP_DATABASE_TIMEOUT, and a database that cannot be
  reached is 503 ``temporarily_unavailable`` with ``Retry-After`` (RFC 6749 §4.1.2.1,
  RFC 9110 §10.2.3): OAuth JSON on the token and UserInfo endpoints, an error page on
  the pages people see;
- the in-memory paths (client credentials, access-token introspection) keep answering
  from memory while the node's copy is younger than IDP_CACHE_MAX_STALENESS, then 503;
- the caches are refreshed by a thread of their own, so /healthz never waits for the
  database;
- once the database is back, everything works again.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from idp.authn.users import User
from idp.oauth.clients import Client
from idp.secret import new_token
from tests.cli.processes import ServedIdp, served_idp
from tests.support.client_requests import redeem
from tests.support.databases import postgres_database
from tests.support.flows import PASSWORD, Browser, code_flow, create_user, pkce_pair, register
from tests.support.served_flows import administered
from tests.support.server import RunningIdp, free_port
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

pytestmark = pytest.mark.postgres

DATABASE_TIMEOUT = 2.0
POLL_INTERVAL = 0.5
MAX_STALENESS = 10.0
# How long a request that needs the database may take to fail when it is hung: the
# bound on a call, a few times over (pool wait, connect, statement), plus slack.
HUNG_ANSWER_BOUND = 3 * DATABASE_TIMEOUT + 2
FAST = 1.0
ANSWER_BOUND = 4.0


@dataclass
class Deployment:
    """One `idp serve` whose only way to PostgreSQL is the proxy, and what was set up
    through it before anything went wrong."""

    idp: RunningIdp  # the served IdP, as tests/support/flows.py sees it
    server: ServedIdp
    proxy: TcpProxy
    web: Client  # confidential, first party: no consent page
    web_secret: str
    service: Client  # client credentials
    service_secret: str
    user: User
    browser: Browser  # signed in: holds an SSO session cookie
    tokens: dict[str, str]  # from the code grant: access, refresh and ID token
    unused_code: str  # issued, not yet redeemed
    unused_verifier: str
    service_token: str  # a client-credentials access token

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def service_auth(self) -> tuple[str, str]:
        return self.service.client_id, self.service_secret

    def redeem_unused_code(self) -> httpx.Response:
        return redeem(self.idp, self.web, self.unused_code, self.unused_verifier, self.web_secret)

    def token_request(self, **data: str) -> httpx.Response:
        return post(f"{self.base_url}/token", data, (self.web.client_id, self.web_secret))

    def refresh(self) -> httpx.Response:
        return self.token_request(
            grant_type="refresh_token", refresh_token=self.tokens["refresh_token"]
        )

    def userinfo(self) -> httpx.Response:
        return httpx.get(
            f"{self.base_url}/userinfo",
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
            timeout=HUNG_ANSWER_BOUND,
        )

    def authorization_request(self) -> dict[str, str]:
        _verifier, challenge = pkce_pair()
        return {
            "response_type": "code",
            "client_id": self.web.client_id,
            "redirect_uri": self.web.redirect_uris[0],
            "scope": "openid profile email",
            "state": new_token(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

    def authorize_signed_in(self) -> httpx.Response:
        """The signed-in browser comes back for another code: its session is read."""
        return self.browser.authorize(**self.authorization_request())

    def sign_in_anew(self) -> httpx.Response:
        """A browser without a session starts signing in and submits the login form
        (if the login page itself could be shown); the last answer it gets."""
        with Browser(self.idp) as browser:
            page = browser.follow(browser.authorize(**self.authorization_request()))
            if 'action="' in page.text and "/login" in page.text:
                return browser.submit_login(page, self.user.username, PASSWORD)
            return page

    def client_credentials(self) -> httpx.Response:
        data = {"grant_type": "client_credentials"}
        return post(f"{self.base_url}/token", data, self.service_auth)

    def introspect(self) -> httpx.Response:
        data = {"token": self.service_token}
        return post(f"{self.base_url}/introspect", data, self.service_auth)

    def healthz(self) -> httpx.Response:
        return httpx.get(f"{self.base_url}/healthz", timeout=HUNG_ANSWER_BOUND)


def post(url: str, data: dict[str, str], auth: tuple[str, str]) -> httpx.Response:
    return httpx.post(url, data=data, auth=auth, timeout=HUNG_ANSWER_BOUND)


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def through(proxy_port: int, database_url: str) -> str:
    """The same database, reached through the proxy."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy_port)
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database with the clients and the user the tests sign in with,
    registered the way an administrator does (directly, not through the proxy)."""

    url: str
    directory: Path  # the instance secret every `idp serve` on it shares
    web: Client
    web_secret: str
    service: Client
    service_secret: str
    user: User


def confidential(admin: RunningIdp, **options: Any) -> tuple[Client, str]:
    client, secret = register(admin, **options)
    assert secret is not None
    return client, secret


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    directory = tmp_path_factory.mktemp("outage")
    with postgres_database() as url, administered(url, directory) as admin:
        web = confidential(
            admin, grant_types=["authorization_code", "refresh_token"], first_party=True
        )
        service = confidential(admin, grant_types=["client_credentials"], scope="orders:read")
        yield Database(url, directory, *web, *service, create_user(admin))


@pytest.fixture
def deployment(database: Database) -> Iterator[Deployment]:
    """A new `idp serve` behind a new proxy, for each test: what one test breaks, no
    other sees."""
    with ExitStack() as stack:
        target = make_url(database.url)
        proxy_port = free_port()
        proxy = stack.enter_context(
            tcp_proxy(proxy_port, target.host or "127.0.0.1", target.port or 5432)
        )
        server = stack.enter_context(
            served_idp(
                database.directory,
                IDP_DATABASE_URL=through(proxy_port, database.url),
                IDP_DATABASE_TIMEOUT=str(DATABASE_TIMEOUT),
                IDP_CACHE_POLL_INTERVAL=str(POLL_INTERVAL),
                IDP_CACHE_MAX_STALENESS=str(MAX_STALENESS),
            )
        )
        # Torn down first: a request still waiting on a paused proxy ends with it, so
        # the server can stop at once.
        stack.callback(proxy.stop)
        idp = stack.enter_context(administered(database.url, database.directory, server.base_url))
        web, web_secret = database.web, database.web_secret
        service, service_secret = database.service, database.service_secret
        browser = stack.enter_context(Browser(idp))
        query, verifier = code_flow(idp, web, database.user, browser=browser)
        redeemed = redeem(idp, web, query["code"], verifier, web_secret)
        assert redeemed.status_code == 200, redeemed.text
        unused, unused_verifier = code_flow(idp, web, database.user, browser=browser)
        issued = post(
            f"{server.base_url}/token",
            {"grant_type": "client_credentials"},
            (service.client_id, service_secret),
        )
        assert issued.status_code == 200, issued.text
        deployment = Deployment(
            idp=idp,
            server=server,
            proxy=proxy,
            web=web,
            web_secret=web_secret,
            service=service,
            service_secret=service_secret,
            user=database.user,
            browser=browser,
            tokens=redeemed.json(),
            unused_code=unused["code"],
            unused_verifier=unused_verifier,
            service_token=issued.json()["access_token"],
        )
        # The node now holds both clients in memory.
        assert deployment.introspect().json()["active"] is True
        assert deployment.client_credentials().status_code == 200
        yield deployment


def assert_unavailable_json(response: httpx.Response) -> None:
    """RFC 6749 §5.2 / §4.1.2.1 and RFC 9110 §10.2.3: 503 temporarily_unavailable."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["error"] == "temporarily_unavailable", response.text
    assert int(response.headers["retry-after"]) > 0, response.headers


def assert_unavailable_page(response: httpx.Response) -> None:
    """The same on a page a person sees: an HTML error page, not a redirect."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "temporarily_unavailable" in response.text, response.text
    assert int(response.headers["retry-after"]) > 0, response.headers


@dataclass
class Latencies:
    """Answers that must come quickly: none may take ANSWER_BOUND seconds (on a busy
    machine any single request can be slow), and the median of each kind must stay
    under FAST."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def answer(self, name: str, call: Callable[[], httpx.Response]) -> httpx.Response:
        try:
            response, elapsed = timed(call)
        except httpx.TimeoutException:
            pytest.fail(f"{name}: no answer within {HUNG_ANSWER_BOUND} s")
        assert elapsed < ANSWER_BOUND, f"{name} took {elapsed:.2f} s"
        self.samples.setdefault(name, []).append(elapsed)
        return response

    def assert_fast(self) -> None:
        for name, samples in self.samples.items():
            median = statistics.median(samples)
            assert median < FAST, f"{name}: median {median:.2f} s over {len(samples)} answers"


def assert_healthy(deployment: Deployment, latencies: Latencies) -> None:
    response = latencies.answer("/healthz", deployment.healthz)
    assert response.status_code == 200, response.text


def assert_answered_from_memory(deployment: Deployment, latencies: Latencies) -> None:
    issued = latencies.answer("client credentials", deployment.client_credentials)
    assert issued.status_code == 200, issued.text
    introspected = latencies.answer("introspection", deployment.introspect)
    assert introspected.status_code == 200, introspected.text
    assert introspected.json()["active"] is True


def recovered(response: httpx.Response) -> bool:
    """While the node catches up after the database is back, 503 still; never a 500."""
    assert response.status_code in (200, 503), response.text
    return response.status_code == 200


def test_unreachable_database_is_503_temporarily_unavailable_with_retry_after__rfc6749_s4_1_2_1(
    deployment,
):
    deployment.proxy.kill()

    assert_unavailable_json(deployment.redeem_unused_code())
    assert_unavailable_json(deployment.refresh())
    assert_unavailable_json(deployment.userinfo())
    assert_unavailable_page(deployment.authorize_signed_in())
    assert_unavailable_page(deployment.sign_in_anew())
    latencies = Latencies()
    for _ in range(5):
        assert_healthy(deployment, latencies)
    latencies.assert_fast()


def test_everything_recovers_when_the_database_comes_back_without_restarting_the_idp(
    deployment,
):
    deployment.proxy.kill()
    assert_unavailable_json(deployment.refresh())

    deployment.proxy.start()

    # The pool's dead connections are found out and replaced on the next use.
    redeemed = deployment.redeem_unused_code()
    assert redeemed.status_code == 200, redeemed.text
    assert deployment.refresh().status_code == 200
    assert deployment.userinfo().status_code == 200
    signed_in = deployment.authorize_signed_in()
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["location"].startswith(deployment.web.redirect_uris[0])
    logged_in = deployment.sign_in_anew()
    assert logged_in.status_code == 303, logged_in.text  # on to the interaction
    assert deployment.client_credentials().status_code == 200
    assert deployment.introspect().json()["active"] is True
    assert deployment.server.process.poll() is None


def test_in_memory_paths_serve_from_memory_until_the_staleness_bound_then_answer_503(
    deployment,
):
    deployment.proxy.kill()
    killed_at = time.monotonic()
    # The copy was last refreshed shortly before (every IDP_CACHE_POLL_INTERVAL, a
    # little later on a busy machine), so it is trusted until about killed_at +
    # IDP_CACHE_MAX_STALENESS: until a little before that, it must be; a little
    # after, it must not.
    trusted_until = killed_at + MAX_STALENESS - 3
    untrusted_from = killed_at + MAX_STALENESS + 3

    latencies = Latencies()
    while time.monotonic() < trusted_until:
        assert_answered_from_memory(deployment, latencies)
        assert_healthy(deployment, latencies)
        time.sleep(0.25)
    latencies.assert_fast()

    while deployment.client_credentials().status_code == 200:
        assert time.monotonic() < untrusted_from, "still served from memory past the bound"
        time.sleep(0.1)
    time.sleep(0.5)  # past the bound for the revocation copy too, whatever the order

    # Past the bound, nothing is answered from a copy that old, and nothing is a 500.
    assert_unavailable_json(deployment.client_credentials())
    assert_unavailable_json(deployment.introspect())
    assert_unavailable_json(deployment.userinfo())
    assert_healthy(deployment, latencies)

    deployment.proxy.start()
    deadline = time.monotonic() + 2 * POLL_INTERVAL + 5
    answers = (deployment.client_credentials, deployment.introspect, deployment.userinfo)
    while not all(recovered(answer()) for answer in answers):
        assert time.monotonic() < deadline, "did not recover"
        time.sleep(0.1)
    assert deployment.introspect().json()["active"] is True


def test_hung_database_stalls_neither_healthz_nor_memory_paths_nor_requests_past_the_timeout(
    deployment,
):
    # Several concurrent requests first, so the pool holds several open connections:
    # a hung database must bound those too, not only new connections.
    with ThreadPoolExecutor(max_workers=6) as pool:
        warm = [pool.submit(deployment.userinfo) for _ in range(6)]
        assert all(future.result().status_code == 200 for future in warm)

    deployment.proxy.pause()
    paused_at = time.monotonic()
    # Requests that read the database and change nothing, so that one answered late
    # cannot spoil what comes after.
    needs_database: dict[str, Callable[[], httpx.Response]] = {
        "authorization_code grant": lambda: deployment.token_request(
            grant_type="authorization_code",
            code=new_token(),
            redirect_uri=deployment.web.redirect_uris[0],
            code_verifier=new_token(32),
        ),
        "refresh_token grant": lambda: deployment.token_request(
            grant_type="refresh_token", refresh_token=new_token()
        ),
        "userinfo": deployment.userinfo,
        "authorize (signed in)": deployment.authorize_signed_in,
        "refresh_token grant, again": lambda: deployment.token_request(
            grant_type="refresh_token", refresh_token=new_token()
        ),
        "userinfo, again": deployment.userinfo,
    }
    try:
        with ThreadPoolExecutor(max_workers=len(needs_database)) as pool:
            in_flight: dict[str, Future[tuple[httpx.Response, float]]] = {
                name: pool.submit(timed, call) for name, call in needs_database.items()
            }
            # While they wait on the database, the node still answers /healthz, and
            # what it holds in memory, at once (well within the staleness bound).
            latencies = Latencies()
            while not all(future.done() for future in in_flight.values()):
                waited = time.monotonic() - paused_at
                if waited > HUNG_ANSWER_BOUND:
                    break
                assert_healthy(deployment, latencies)
                if waited < MAX_STALENESS - POLL_INTERVAL - ANSWER_BOUND:
                    assert_answered_from_memory(deployment, latencies)
                time.sleep(0.2)
            assert len(latencies.samples["/healthz"]) >= 3, "no requests stayed in flight"
            latencies.assert_fast()
            outcomes = {name: _outcome(future) for name, future in in_flight.items()}
    finally:
        deployment.proxy.resume()

    late = {name: outcome for name, outcome in outcomes.items() if outcome != "503"}
    assert not late, f"not 503 within {HUNG_ANSWER_BOUND} s of a hung database: {late}"

    # The database answers again: so does everything that needs it.
    deadline = time.monotonic() + 5
    while (refreshed := deployment.refresh()).status_code != 200:
        assert time.monotonic() < deadline, refreshed.text
        time.sleep(0.2)
    assert deployment.userinfo().status_code == 200
    assert deployment.authorize_signed_in().status_code == 302


def _outcome(future: Future[tuple[httpx.Response, float]]) -> str:
    """``503`` for a timely 503 temporarily_unavailable; else what happened instead."""
    try:
        response, elapsed = future.result()
    except httpx.TimeoutException:
        return f"no answer within {HUNG_ANSWER_BOUND} s"
    if response.status_code != 503 or "temporarily_unavailable" not in response.text:
        return f"{response.status_code} {response.text[:80]!r}"
    return "503" if elapsed < HUNG_ANSWER_BOUND else f"503 after {elapsed:.1f} s"
