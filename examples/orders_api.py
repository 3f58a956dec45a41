"""An orders API protected by Tessera's access tokens, with the SDK's FastAPI dependency.

Run it next to `idp serve --demo` (which registers the demo's orders service client):

    .venv/bin/python examples/orders_api.py

- GET    /orders        scope orders:read
- POST   /orders        scope orders:write
- DELETE /orders/{id}   scope orders:write and the role clerk (RFC 9068 §7.2.1.1 roles)
- GET    /orders/export a sign-in at most 5 minutes old (RFC 9470 step-up otherwise)

Tokens taken back at Tessera (RFC 7009 revocation, a suspended user or client) are
refused from the token status lists the API follows. Settings come from the environment:
TESSERA_ISSUER (http://127.0.0.1:8000), ORDERS_API_URL (http://127.0.0.1:9001, also the
audience: tokens are asked for with resource=<it>/orders), ORDERS_API_PORT (its port).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import Depends, FastAPI, HTTPException

from idp.rp import AsyncProvider, Claims
from idp.rp.fastapi import ResourceServer

ISSUER = os.environ.get("TESSERA_ISSUER", "http://127.0.0.1:8000")
API_URL = os.environ.get("ORDERS_API_URL", "http://127.0.0.1:9001")
AUDIENCE = f"{API_URL}/orders"

provider = AsyncProvider(ISSUER)
api = ResourceServer(provider, audience=AUDIENCE, realm="orders")
orders: dict[int, dict[str, Any]] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    follower = provider.follow_revocations()  # status lists; fail closed when stale
    await follower.wait_until_current(timeout=10)
    yield
    await provider.aclose()


app = FastAPI(title="Orders", lifespan=lifespan)


@app.get("/orders")
async def list_orders(claims: Claims = Depends(api.require(scopes="orders:read"))) -> Any:  # noqa: B008
    return {"orders": list(orders.values()), "caller": claims.subject}


@app.post("/orders", status_code=201)
async def place_order(claims: Claims = Depends(api.require(scopes="orders:write"))) -> Any:  # noqa: B008
    order = {"id": len(orders) + 1, "placed_by": claims.subject}
    orders[order["id"]] = order
    return order


@app.delete("/orders/{order_id}", status_code=204)
async def cancel_order(
    order_id: int,
    _: Claims = Depends(api.require(scopes="orders:write", roles="clerk")),  # noqa: B008
) -> None:
    if orders.pop(order_id, None) is None:
        raise HTTPException(404, "no such order")


@app.get("/orders/export")
async def export_orders(claims: Claims = Depends(api.require(max_age=300))) -> Any:  # noqa: B008
    return {"orders": list(orders.values()), "exported_for": claims.subject}


if __name__ == "__main__":
    port = int(os.environ.get("ORDERS_API_PORT", urlsplit(API_URL).port or 9001))
    uvicorn.run(app, host="127.0.0.1", port=port)
