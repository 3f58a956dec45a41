"""Every error under /admin/ is an RFC 9457 problem, also where no route matched: an
unknown path (404) and a method the resource does not take (405 with Allow, RFC 9110
§15.5.6)."""

from __future__ import annotations

import httpx

from tests.support.admin_api import admin_call, assert_problem


def test_an_unknown_path_is_a_404_problem(idp, caller):
    problem = assert_problem(caller.call("GET", "/no-such-resource"), 404)
    assert problem["title"] == "Not Found"
    assert_problem(admin_call(idp, "GET", "/no-such-resource", None), 404)


def test_a_method_not_allowed_is_a_405_problem_with_allow__rfc9110_s15_5_6(caller):
    response = caller.call("PATCH", "/roles")
    problem = assert_problem(response, 405)
    assert problem["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET, POST"


def test_elsewhere_errors_keep_their_own_surface(idp):
    response = httpx.get(f"{idp.base_url}/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
