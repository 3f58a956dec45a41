"""OpenID Connect: discovery (OIDC Discovery 1.0), ID tokens and UserInfo (OIDC Core 1.0)."""
