"""The remembered-device cookie (idp.authn.risk) on requests and responses: long-lived,
HttpOnly, SameSite=Lax, ``__Host-`` on https, like every cookie of ours."""

from __future__ import annotations

from fastapi import Request, Response

from idp.authn.risk import DeviceEvidence
from idp.http.client_address import client_address
from idp.http.cookies import cookie_name, set_cookie
from idp.provider import Provider

DEVICE_COOKIE = "device"


def device_evidence(request: Request, provider: Provider) -> DeviceEvidence:
    """What this browser says of itself: its device cookie and its network."""
    value = request.cookies.get(cookie_name(DEVICE_COOKIE, provider.settings.secure_cookies))
    address = client_address(request, provider.settings.trusted_proxies)
    return provider.device_cookies.evidence(value, address)


def set_device_cookie(response: Response, provider: Provider, value: str) -> None:
    set_cookie(
        response,
        DEVICE_COOKIE,
        value,
        secure=provider.settings.secure_cookies,
        max_age=provider.device_cookies.lifetime,
    )
