"""What the account pages share: sending a browser through the account's own sign-in
(idp.account.interaction) and back to the page it asked for."""

from __future__ import annotations

from fastapi import Request, Response

from idp.account.interaction import account_interaction
from idp.http.errors import redirect_to
from idp.provider import Provider


def sign_in_to_account(
    request: Request, provider: Provider, next_page: str, *, fresh: bool = False
) -> Response:
    """To the account's sign-in, then ``next_page``; ``fresh`` asks for a recent one."""
    interaction = account_interaction(next_page, fresh=fresh)
    sealed = provider.interaction_seal.seal(interaction, provider.clock.now())
    return redirect_to(f"/interaction/{sealed}", request.method)
