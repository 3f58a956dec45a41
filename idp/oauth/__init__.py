"""OAuth 2.0 authorization server core (RFC 6749, RFC 6750, RFC 7636, RFC 7523, RFC 9068,
RFC 9207). Plain Python: parses nothing from HTTP, imports no web framework or SQL."""
