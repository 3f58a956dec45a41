"""What the routers share: request parsing, error renderers, CSRF, cookies, headers."""
