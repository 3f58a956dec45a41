"""The outbox loses nothing when the IdP dies mid-delivery: a logout token being sent
when ``idp serve`` is killed (-9) is sent again by the restarted server once the claim's
lease (IDP_DELIVERY_LEASE) has run out, with the same jti."""

from __future__ import annotations

import time

import jwt

from tests.cli.processes import served_idp
from tests.support.flows import Browser, create_user
from tests.support.logout_receiver import Behaviour, logout_receiver
from tests.support.relying_party import web_app
from tests.support.served_flows import administered
from tests.support.sign_in import sign_in

LEASE = 10
ENV = {"IDP_OUTBOUND_ALLOW_PRIVATE": "true", "IDP_DELIVERY_LEASE": str(LEASE)}


def test_a_delivery_cut_off_by_a_crash_is_sent_after_the_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    with logout_receiver() as receiver:
        receiver.behaviour = Behaviour(hang=LEASE * 3)  # the first attempt never answers
        with (
            served_idp(tmp_path, **ENV) as first,
            administered(url, tmp_path, first.base_url) as idp,
        ):
            app = web_app(idp, backchannel_logout_uri=receiver.backchannel_uri)
            with Browser(idp) as browser:
                id_token = sign_in(idp, app, create_user(idp), browser=browser)["id_token"]
                browser.http.get("/logout", params={"id_token_hint": id_token})
            receiver.wait_for_posts(1)
            first.process.kill()  # mid-delivery: the receiver has not answered
            first.process.wait(timeout=10)
        receiver.behaviour = Behaviour(status=200)
        killed_at = time.monotonic()
        with served_idp(tmp_path, **ENV), administered(url, tmp_path) as idp:
            first_try, second_try = receiver.wait_for_posts(2, timeout=LEASE + 20)
            assert time.monotonic() - killed_at < LEASE + 20
            deadline = time.monotonic() + 10
            while True:
                with idp.provider.store() as store:
                    (delivery,) = store.list_deliveries(None, 10)
                if delivery.delivered_at is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
    assert delivery.delivered_at is not None, delivery
    jtis = {
        jwt.decode(form["logout_token"], options={"verify_signature": False})["jti"]
        for form in (first_try, second_try)
    }
    assert len(jtis) == 1
