"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from idp.http.forms import form_params, optional_form_params
from idp.provider import Provider


async def get_provider(request: Request) -> Provider:
    # async: a plain def dependency would cost a thread-pool round trip per request.
    provider: Provider = request.app.state.provider
    return provider


ProviderDep = Annotated[Provider, Depends(get_provider)]
FormDep = Annotated[dict[str, str], Depends(form_params)]
OptionalFormDep = Annotated[dict[str, str], Depends(optional_form_params)]
