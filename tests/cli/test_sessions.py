"""`idp sessions list|revoke` against sessions made by real sign-ins at `idp serve`:
where each started, the clients that took part, and ending them through the Revoker
(whose back-channel logout tells those clients)."""

from __future__ import annotations

import json

import jwt

from tests.cli.conftest import query
from tests.cli.processes import error_line, idp_env, run_idp, served_idp
from tests.support.flows import Browser, create_user
from tests.support.logout_receiver import logout_receiver
from tests.support.relying_party import is_active, web_app
from tests.support.served_flows import administered
from tests.support.sign_in import sign_in

ENV = {"IDP_OUTBOUND_ALLOW_PRIVATE": "true"}


def listed(env, username):
    result = run_idp(env, "sessions", "list", username, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sessions_are_listed_and_ended_one_or_all(tmp_path):
    url, env = f"sqlite:///{tmp_path / 't.db'}", idp_env(tmp_path)
    with (
        logout_receiver() as receiver,
        served_idp(tmp_path, **ENV) as server,
        administered(url, tmp_path, server.base_url) as idp,
    ):
        user = create_user(idp)
        app = web_app(idp, backchannel_logout_uri=receiver.backchannel_uri)
        other = web_app(idp)
        tokens = []
        for agent in ("Firefox/140.0", "Chromium/142.0", "curl/8.1"):
            with Browser(idp) as browser:
                browser.http.headers["user-agent"] = agent
                tokens.append(sign_in(idp, app, user, browser=browser))
                if agent.startswith("Firefox"):
                    sign_in(idp, other, user, browser=browser)

        sessions = listed(env, user.username)
        assert [s["user_agent"] for s in sessions] == [
            "Firefox/140.0",
            "Chromium/142.0",
            "curl/8.1",
        ]
        assert sorted(sessions[0]["clients"]) == sorted([app.client_id, other.client_id])
        assert sessions[1]["clients"] == [app.client_id]
        assert {s["address"] for s in sessions} == {"127.0.0.1"}
        assert all(s["created_at"] <= s["last_seen_at"] < s["expires_at"] for s in sessions)

        text = run_idp(env, "sessions", "list", user.username).stdout
        assert "Firefox/140.0" in text
        assert f"clients: {app.client_id}" in text

        first_sid = jwt.decode(tokens[0]["id_token"], options={"verify_signature": False})["sid"]
        assert sessions[0]["sid"] == first_sid
        ended = run_idp(env, "sessions", "revoke", first_sid)
        assert ended.returncode == 0, ended.stderr
        assert ended.stdout.strip() == f"ended session {first_sid}"
        (posted,) = receiver.wait_for_posts(1)
        assert jwt.decode(posted["logout_token"], options={"verify_signature": False})["sid"] == (
            first_sid
        )
        assert [s["sid"] for s in listed(env, user.username)] == [s["sid"] for s in sessions[1:]]
        assert not is_active(idp, app, tokens[0]["access_token"])
        assert is_active(idp, app, tokens[1]["access_token"])
        assert query(
            tmp_path, "SELECT reason, actor FROM revocations WHERE value = ?", first_sid
        ) == [("revoked_by_administrator", "operator")]

        ended = run_idp(env, "sessions", "revoke", "--all", user.username)
        assert ended.stdout.strip() == f"ended 2 sessions of {user.username}"
        again = run_idp(env, "sessions", "revoke", "--all", user.username)
        assert again.stdout.strip() == f"ended 0 sessions of {user.username}"
        assert listed(env, user.username) == []
        receiver.wait_for_posts(3)
        assert not is_active(idp, app, tokens[2]["access_token"])

        assert "no session" in error_line(run_idp(env, "sessions", "revoke", first_sid))
        assert run_idp(env, "sessions", "revoke").returncode == 2
        assert "no user" in error_line(run_idp(env, "sessions", "list", "nobody"))
