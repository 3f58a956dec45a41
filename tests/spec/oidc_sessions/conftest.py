from tests.support.authorization import browser, client, user

__all__ = ["browser", "client", "user"]
