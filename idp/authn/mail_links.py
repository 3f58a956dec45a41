"""Links mailed to a user: a password reset and a sign-in ("magic") link.

Each carries a 256-bit random token (``idp.secret.new_token``) stored only as its
SHA-256 digest; it is short-lived and used once, by a conditional UPDATE (of two
concurrent uses, one wins). A sign-in link is also bound to the browser that asked for
it (the digest of a cookie set on that browser) and to the interaction it continues
(NIST SP 800-63B-4 §3.1.6 out-of-band authenticators: the secret is sent to an address
the account controls, and proves possession of it once).

Asking for a link gives the same answer whether the account exists (OWASP Forgot
Password Cheat Sheet: "return a consistent message for both existent and non-existent
accounts"); ``find_account`` looks up a username, then an email address that exactly
one account has."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from idp.authn.storage import MailLinkStore
from idp.authn.users import User
from idp.secret import digest, new_token


class LinkPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    MAGIC_LINK = "magic_link"


@dataclass(frozen=True)
class MailLink:
    token_digest: str
    purpose: LinkPurpose
    user_id: str
    created_at: int
    expires_at: int
    used_at: int | None = None
    browser_digest: str | None = None
    interaction: str | None = None  # sealed (idp.interaction.sealing)


class MailLinkError(Exception):
    """A link that cannot be used; the message is for the person who opened it."""


class OtherBrowserError(MailLinkError):
    """A sign-in link opened in a browser other than the one that asked for it."""


UNUSABLE = (
    "This link is not valid: it may have been used already, have expired, or have been "
    "replaced by a newer one. Ask for a new link."
)
OTHER_BROWSER = (
    "This sign-in link belongs to the browser it was asked for. Open it there, or ask for "
    "a new link in this browser."
)
MAX_IDENTIFIER = 320  # an email address (RFC 5321 §4.5.3.1 path limits) or a username


def find_account(store: MailLinkStore, identifier: str) -> User | None:
    """The active account with this username, else the one account with this email."""
    identifier = identifier.strip()
    if not identifier or len(identifier) > MAX_IDENTIFIER:
        return None
    user = store.load_user_by_username(identifier)
    if user is None and "@" in identifier:
        user = store.load_user_by_email(identifier)
    if user is None or user.disabled or not user.email:
        return None
    return user


def issue_link(
    store: MailLinkStore,
    purpose: LinkPurpose,
    user_id: str,
    now: int,
    ttl: int,
    *,
    browser_digest: str | None = None,
    interaction: str | None = None,
) -> str:
    """A new link's token (only its digest is stored); the user's earlier unused links
    of this purpose stop working, so only the newest mail counts."""
    token = new_token()
    store.discard_mail_links(user_id, purpose)
    store.save_mail_link(
        MailLink(
            token_digest=digest(token),
            purpose=purpose,
            user_id=user_id,
            created_at=now,
            expires_at=now + ttl,
            browser_digest=browser_digest,
            interaction=interaction,
        )
    )
    return token


def check_link(
    store: MailLinkStore,
    token: str,
    purpose: LinkPurpose,
    now: int,
    *,
    browser: str | None = None,
) -> MailLink:
    """The unused, unexpired link of this purpose that ``token`` is (and, for a link
    bound to a browser, opened in it), without using it; else MailLinkError."""
    link = store.load_mail_link(digest(token)) if token else None
    if link is None or link.purpose is not purpose or link.used_at is not None:
        raise MailLinkError(UNUSABLE)
    if now >= link.expires_at:
        raise MailLinkError(UNUSABLE)
    if link.browser_digest is not None and not (
        browser and hmac.compare_digest(digest(browser), link.browser_digest)
    ):
        raise OtherBrowserError(OTHER_BROWSER)
    return link


def use_link(
    store: MailLinkStore,
    token: str,
    purpose: LinkPurpose,
    now: int,
    *,
    browser: str | None = None,
) -> MailLink:
    """``check_link``, then mark it used: a conditional UPDATE ... WHERE used_at IS NULL,
    so of two uses at once only one gets the link."""
    link = check_link(store, token, purpose, now, browser=browser)
    if not store.use_mail_link(link.token_digest, now):
        raise MailLinkError(UNUSABLE)
    return link
