"""Server-rendered end-user pages (Jinja2, autoescaped)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

_templates = Environment(
    loader=PackageLoader("idp", "web/templates"),
    autoescape=select_autoescape(default=True),
    auto_reload=False,
)
_templates.filters["datetime"] = lambda epoch: datetime.fromtimestamp(epoch, UTC).strftime(
    "%Y-%m-%d %H:%M UTC"
)


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


_templates.filters["duration"] = _duration


def render_page(
    template: str,
    status_code: int = 200,
    *,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(
        html, status_code=status_code, headers={"Cache-Control": "no-store", **(headers or {})}
    )
