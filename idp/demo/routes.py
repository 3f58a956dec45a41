"""HTTP: the demo relying party, mounted only by ``idp serve --demo``."""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.demo.relying_party import DemoRelyingParty, DemoSignInError, PendingSignIn
from idp.demo.seed import demo_client_id
from idp.http.deps import ProviderDep
from idp.http.errors import NO_STORE
from idp.http.pages import render_page

router = APIRouter(prefix="/demo", tags=["Demo"], include_in_schema=False)
PENDING_COOKIE = "idp_demo_sign_in"


@router.get("")
def start(provider: ProviderDep) -> Response:
    relying_party = _relying_party(provider)
    pending = PendingSignIn.new()
    response = RedirectResponse(relying_party.authorization_url(pending), 302, headers=NO_STORE)
    encoded = base64.urlsafe_b64encode(json.dumps(pending.__dict__).encode()).decode()
    response.set_cookie(
        PENDING_COOKIE, encoded, max_age=900, path="/demo", httponly=True, samesite="lax"
    )
    return response


@router.get("/callback")
async def callback(request: Request, provider: ProviderDep) -> Response:
    relying_party = await run_in_threadpool(_relying_party, provider)
    try:
        pending = _pending(request)
        result = await run_in_threadpool(relying_party.finish, pending, dict(request.query_params))
    except DemoSignInError as error:
        return render_page("demo_result.html", 400, error=str(error))
    response = render_page("demo_result.html", **result)
    response.delete_cookie(PENDING_COOKIE, path="/demo")
    return response


@router.get("/signed-out")
def signed_out() -> Response:
    """Where the demo application returns after logout."""
    return render_page("demo_result.html", signed_out=True)


def _relying_party(provider: ProviderDep) -> DemoRelyingParty:
    with provider.store() as store:
        return DemoRelyingParty(provider.settings.issuer, demo_client_id(store))


def _pending(request: Request) -> PendingSignIn:
    try:
        fields = json.loads(base64.urlsafe_b64decode(request.cookies[PENDING_COOKIE]))
        return PendingSignIn(**fields)
    except (KeyError, binascii.Error, ValueError, TypeError):
        raise DemoSignInError("this browser did not start a sign-in: open /demo") from None
