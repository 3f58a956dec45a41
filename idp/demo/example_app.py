"""Where the examples listen when run against ``idp serve --demo``. examples/web_app.py:
the demo client registers these URIs, and the demo lets back-channel logout reach
exactly this loopback URI (idp.outbound), nothing else of the private network.
examples/orders_api.py: the demo's service client may ask for tokens for its audience."""

from __future__ import annotations

EXAMPLE_ORIGIN = "http://127.0.0.1:9000"
EXAMPLE_REDIRECT_URI = f"{EXAMPLE_ORIGIN}/callback"
EXAMPLE_POST_LOGOUT_REDIRECT_URI = f"{EXAMPLE_ORIGIN}/"
EXAMPLE_BACKCHANNEL_LOGOUT_URI = f"{EXAMPLE_ORIGIN}/backchannel-logout"

ORDERS_API_ORIGIN = "http://127.0.0.1:9001"
ORDERS_API_AUDIENCE = f"{ORDERS_API_ORIGIN}/orders"  # its resource indicator (RFC 8707)
ORDERS_API_SCOPE = "orders:read orders:write"
