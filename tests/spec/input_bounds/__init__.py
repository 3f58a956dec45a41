"""Hostile input at every surface: JWT headers of the wrong JSON types (RFC 7515 §4.1),
control characters and values longer than storage holds (refused where they arrive,
idp.oauth.parameters), loopback redirect URIs (RFC 8252 §7.3), HTTP semantics of errors
and redirects (RFC 9110, RFC 6585), and clock leeway between nodes (RFC 7519 §4.1.4)."""
