"""Cookies: HttpOnly and SameSite=Lax always; Secure with the ``__Host-`` prefix when the
issuer is https (RFC 6265bis §4.1.3.2), so no subdomain can set or read them."""

from __future__ import annotations

from fastapi import Response

PREFIX = "idp_"


def cookie_name(name: str, secure: bool) -> str:
    return f"__Host-{PREFIX}{name}" if secure else f"{PREFIX}{name}"


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, max_age: int | None
) -> None:
    response.set_cookie(
        cookie_name(name, secure),
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def delete_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(
        cookie_name(name, secure), path="/", secure=secure, httponly=True, samesite="lax"
    )
