"""Remembered devices are off unless the operator turns them on
(IDP_REMEMBER_DEVICE_DAYS, 0 by default): no checkbox, no device cookie, and a
device cookie is never believed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_url
from tests.support.flows import Browser, create_user, csrf_token, register
from tests.support.pages import form_action
from tests.support.second_factor import (
    authorization_request,
    enrol,
    is_second_factor_page,
    password_step,
)
from tests.support.server import RunningIdp, running_idp


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    directory: Path = tmp_path_factory.mktemp("idp")
    with database_url("sqlite", directory) as url, running_idp(url, directory) as server:
        yield server


def test_no_checkbox_and_no_device_cookie_by_default(idp):
    assert idp.settings.remember_device_days == 0
    enrolled = enrol(idp, create_user(idp))
    client = register(idp, first_party=True)[0]
    with Browser(idp) as browser:
        page = password_step(browser, enrolled.user, authorization_request(client)[0])
        assert is_second_factor_page(page)
        assert "remember_device" not in page.text
        done = browser.http.post(
            form_action(page, "second-factor"),
            data={
                "csrf_token": csrf_token(page.text),
                "code": enrolled.code(idp),
                "remember_device": "1",
                "verify": "1",
            },
        )
        assert done.status_code == 303
        assert browser.http.cookies.get("idp_device") is None
        with idp.provider.store() as store:
            assert store.list_remembered_devices(enrolled.user.id, idp.clock.now()) == []
