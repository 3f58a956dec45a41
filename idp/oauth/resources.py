"""Resource indicators (RFC 8707): which resource servers a token is for."""

from __future__ import annotations

from collections.abc import Mapping

from idp.errors import InvalidTargetError
from idp.oauth.clients import Client
from idp.oauth.uris import is_absolute_without_fragment

# RFC 8707 §2 allows several resource parameters; the parser joins them with spaces
# (a URI cannot contain one).
RESOURCE = "resource"


def check_resources(params: Mapping[str, str], client: Client) -> tuple[str, ...]:
    """The requested resources, each an absolute URI the client is registered for."""
    resources = tuple(dict.fromkeys(params.get(RESOURCE, "").split()))
    for resource in resources:
        if not is_absolute_without_fragment(resource):
            raise InvalidTargetError("resource must be an absolute URI without a fragment")
        if resource not in client.resources:
            raise InvalidTargetError(f"client may not request tokens for {resource}")
    return resources
