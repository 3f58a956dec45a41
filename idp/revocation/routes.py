"""HTTP: token status lists (draft-ietf-oauth-status-list-20 §8) and their aggregation
(§9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from idp.errors import NotAcceptableError, NotFoundError, NotImplementedByServerError
from idp.http import openapi
from idp.http.conditional import conditional_response
from idp.http.deps import ProviderDep
from idp.http.negotiation import accepts
from idp.revocation.status_list import MEDIA_TYPE

router = APIRouter(tags=["Token status lists"])

ListId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The list's number")]


@router.get(
    "/statuslists/{list_id}",
    summary="A Status List Token (draft-ietf-oauth-status-list-20 §8)",
    response_class=Response,
    responses=openapi.STATUS_LIST
    | openapi.oauth_errors(400, 404, 406, 501)
    | openapi.unavailable(),
)
def status_list(request: Request, list_id: ListId, provider: ProviderDep) -> Response:
    if "time" in request.query_params:
        # §8.4: historical resolution is not offered (§12.7 recommends against it).
        raise NotImplementedByServerError("historical status lists are not served")
    if not accepts(request.headers.get("accept"), MEDIA_TYPE):
        raise NotAcceptableError(f"status lists are served as {MEDIA_TYPE}")
    published = provider.status_lists.published(list_id, provider.clock.now())
    if published is None:
        raise NotFoundError("no such status list")
    headers = {"Cache-Control": f"public, max-age={provider.status_lists.ttl}", "Vary": "Accept"}
    return conditional_response(
        request,
        published.token.encode(),
        etag=published.etag,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


@router.get(
    "/statuslists",
    summary="Status List Aggregation (draft-ietf-oauth-status-list-20 §9.3)",
    response_class=JSONResponse,
    responses=openapi.unavailable(),
)
def status_list_aggregation(provider: ProviderDep) -> JSONResponse:
    return JSONResponse(
        {"status_lists": provider.status_lists.live_lists()},
        headers={"Cache-Control": f"public, max-age={provider.status_lists.ttl}"},
    )
