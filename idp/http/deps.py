"""Request-scoped dependencies shared by the routers: the one place that reads the
provider from the application's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from idp.http.csrf import FormProtection
from idp.http.forms import form_params, optional_form_params
from idp.provider import Provider


async def get_provider(request: Request) -> Provider:
    # async: a plain def dependency would cost a thread-pool round trip per request.
    provider: Provider = request.app.state.provider
    return provider


ProviderDep = Annotated[Provider, Depends(get_provider)]


def form_protection(provider: Provider) -> FormProtection:
    return FormProtection(provider.csrf_key, provider.settings.secure_cookies)


async def _form(request: Request, provider: ProviderDep) -> dict[str, str]:
    return await form_params(request, provider.settings.max_body_bytes)


async def _optional_form(request: Request, provider: ProviderDep) -> dict[str, str]:
    return await optional_form_params(request, provider.settings.max_body_bytes)


FormDep = Annotated[dict[str, str], Depends(_form)]
OptionalFormDep = Annotated[dict[str, str], Depends(_optional_form)]
