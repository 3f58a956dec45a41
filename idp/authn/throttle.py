"""Throttling guesses at credentials: per account from one address, per account across
addresses, per address across accounts (OWASP Authentication Cheat Sheet, "Protect
Against Automated Attacks"; NIST SP 800-63B-4 §3.2.2, rate limiting).

Every path that checks a credential makes the same three calls around its check::

    throttle.check(attempt)            # raises TooManyAttempts before the check runs
    throttle.record_failure(attempt)   # after a wrong credential
    throttle.record_success(attempt)   # after a right one

A few failures are free; past them each further failure waits longer, doubling up to a
cap (``Ladder``), and the counts decay on their own: the lock-out is soft. The victim
cannot be locked out from elsewhere: failures per account *from one address* are counted
apart from failures per account *across addresses*, and the second count does not apply
to an address the account has signed in from before (``record_success`` remembers it).

Failures are counted by ``limits`` in moving windows (``idp.authn.throttle_counters``:
Redis when configured, shared by every node, else this process)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, RateLimitItemPerSecond

from idp.authn.throttle_counters import Counters
from idp.secret import digest


class Kind(StrEnum):
    """What is guessed; each kind is counted apart."""

    PASSWORD = "password"
    USER_CODE = "user_code"  # RFC 8628 §5.1: user codes are short, guessing is limited
    SECOND_FACTOR = "second_factor"  # RFC 6238 §5.2: a 6-digit code is guessed in time
    PASSKEY = "passkey"  # a WebAuthn assertion that failed (a forgery, a replay, a clone)
    # Asking for a mailed link (idp.authn.mail_links): every request counts, so nobody
    # floods an inbox, per account as typed and per address (OWASP Forgot Password).
    MAIL_LINK_REQUEST = "mail_link_request"
    MAIL_LINK = "mail_link"  # a mailed link that does not work: per address


class Scope(StrEnum):
    """Whose failures a count gathers."""

    ACCOUNT_ADDRESS = "account-address"  # one account, from one address
    ACCOUNT = "account"  # one account, from addresses it has never signed in from
    ADDRESS = "address"  # one address, whatever the account (credential stuffing)


@dataclass(frozen=True)
class Attempt:
    """One try at a credential: its kind, the caller's address and, where the caller
    names one, the account (as typed: an unknown account is counted like a known one)."""

    kind: Kind
    address: str
    account: str | None = None

    def key(self, scope: Scope) -> str:
        account = digest(self.account.casefold()) if self.account is not None else ""
        parts = {
            Scope.ACCOUNT_ADDRESS: (account, self.address),
            Scope.ACCOUNT: (account,),
            Scope.ADDRESS: (self.address,),
        }[scope]
        return ":".join((self.kind, scope, *parts))


@dataclass(frozen=True)
class Ladder:
    """``free`` failures within ``base_delay`` seconds, one more within twice that, and
    so on up to ``max_delay``: each failure past the free ones doubles the wait, and no
    wait is longer than ``max_delay``."""

    free: int
    base_delay: int
    max_delay: int

    def steps(self) -> Iterator[RateLimitItem]:
        window, extra = self.base_delay, 0
        while window < self.max_delay:
            yield RateLimitItemPerSecond(self.free + extra, window)
            window, extra = window * 2, extra + 1
        yield RateLimitItemPerSecond(self.free + extra, self.max_delay)


Policy = Mapping[Scope, Ladder]


class TooManyAttemptsError(Exception):
    """RFC 6585 §4: too many failures; ``retry_after`` seconds until the next try."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Throttle:
    policies: Mapping[Kind, Policy]
    counters: Counters
    remember_address: int  # s an address stays known to an account after a sign-in

    def check(self, attempt: Attempt) -> None:
        """Refuses the attempt if any count is past its free failures. An attempt at an
        account is taken by its (account, address) count now, before the credential is
        checked, so that attempts sent all at once cannot all pass before any has
        failed; a success gives it back (``record_success`` clears that count). Device
        user codes are counted when they fail: a right code gives nothing back (an
        attacker can always make one of their own)."""
        self._refuse_if_waiting(attempt, self._steps(attempt))
        early = _counted_at_check(attempt)
        if early is None:
            return
        taken = [
            self.counters.hit(step, attempt.key(early)) for step in self._steps_of(attempt, early)
        ]
        if not all(taken):  # others took the last free ones since: this one waits
            self._refuse_if_waiting(
                attempt, ((early, step) for step in self._steps_of(attempt, early))
            )

    def _refuse_if_waiting(
        self, attempt: Attempt, steps: Iterable[tuple[Scope, RateLimitItem]]
    ) -> None:
        waits = [self.counters.wait(step, attempt.key(scope)) for scope, step in steps]
        longest = max(waits, default=0.0)
        if longest > 0:
            raise TooManyAttemptsError(max(1, math.ceil(longest)))

    def record_failure(self, attempt: Attempt) -> None:
        """The counts take the failure, but the one that took the attempt at ``check``."""
        early = _counted_at_check(attempt)
        for scope, step in self._steps(attempt):
            if scope is not early:
                self.counters.hit(step, attempt.key(scope))

    def record_success(self, attempt: Attempt) -> None:
        """The caller proved the credential: its own count starts again and its address
        becomes known to the account. The counts across addresses or across accounts
        stay: a victim's sign-in must not give an attacker a fresh budget."""
        own = Scope.ACCOUNT_ADDRESS if attempt.account is not None else Scope.ADDRESS
        for step in self._steps_of(attempt, own):
            self.counters.clear(step, attempt.key(own))
        if attempt.account is not None:
            self.counters.remember(self._known_key(attempt), self.remember_address)

    def _steps(self, attempt: Attempt) -> Iterator[tuple[Scope, RateLimitItem]]:
        for scope, ladder in self.policies[attempt.kind].items():
            if attempt.account is None and scope is not Scope.ADDRESS:
                continue
            if scope is Scope.ACCOUNT and self._known(attempt):
                continue
            for step in ladder.steps():
                yield scope, step

    def _steps_of(self, attempt: Attempt, scope: Scope | None) -> Iterator[RateLimitItem]:
        ladder = self.policies[attempt.kind].get(scope) if scope is not None else None
        return ladder.steps() if ladder is not None else iter(())

    def _known(self, attempt: Attempt) -> bool:
        return self.counters.remembered(self._known_key(attempt))

    @staticmethod
    def _known_key(attempt: Attempt) -> str:
        return "known:" + attempt.key(Scope.ACCOUNT_ADDRESS)


def _counted_at_check(attempt: Attempt) -> Scope | None:
    return Scope.ACCOUNT_ADDRESS if attempt.account is not None else None
