from tests.spec.rfc6749_authorization_endpoint.authz import browser, client, user

__all__ = ["browser", "client", "user"]
