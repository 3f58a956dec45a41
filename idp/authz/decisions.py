"""A decision and its explanation.

Cedar's answer (https://docs.cedarpolicy.com/auth/authorization.html): allow when some
permit policy is satisfied and no forbid policy is; a forbid overrides any permit. The
explanation is Cedar's diagnostics: the ids of the determining policies (the satisfied
forbids of a deny, the satisfied permits of an allow) and the evaluation errors.

Tessera is stricter than Cedar on errors, and fails closed: Cedar skips a policy whose
evaluation errors (an attribute missing, an overflow), so an erroring *forbid* would
let a permit through. Here any evaluation error makes the decision a deny, listing the
errors (and no determining policy, since the permits Cedar found did not decide). A
request that cannot be evaluated at all (bad data, a request the schema does not allow)
is a deny with the error, never an exception.

Pure: imports only the standard library (the SDK shares it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ERROR_TEXT = 500
_POLICY_ERROR = re.compile(
    r"^error while evaluating policy `(?P<policy>[^`]+)`: (?P<message>.*)$", re.S
)


@dataclass(frozen=True, slots=True)
class EvaluationError:
    """What went wrong: in one policy (`policy_id`), or with the request (None)."""

    message: str
    policy_id: str | None = None

    def __str__(self) -> str:
        return f"policy {self.policy_id}: {self.message}" if self.policy_id else self.message


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # the determining policies: satisfied permits of an allow, satisfied forbids of a deny
    policy_ids: tuple[str, ...] = ()
    errors: tuple[EvaluationError, ...] = ()

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "deny"

    @property
    def denied(self) -> bool:
        return not self.allowed

    def explain(self) -> str:
        """One line for a log or an author: the answer, why, and what went wrong."""
        if self.policy_ids:
            reason = f"by {', '.join(self.policy_ids)}"
        elif self.errors:
            reason = "because the evaluation failed"
        else:
            reason = "as no permit applies"
        text = f"{self.decision} {reason}".strip()
        if self.errors:
            text += "; errors: " + "; ".join(str(error) for error in self.errors)
        return text


def deny(message: str, policy_id: str | None = None) -> Decision:
    """The deny of a request that could not be evaluated."""
    return Decision(False, (), (EvaluationError(_bounded(message), policy_id),))


def decision_from_cedar(
    decision: str, reasons: list[str], errors: list[str], *, redact: str = ""
) -> Decision:
    """A Decision from cedarpy's answer (its `decision` name and diagnostics).

    Anything but Cedar's `Allow` is a deny (`NoDecision` is Cedar's answer when it could
    not build the request or its entities). `redact` is text to cut from messages: Cedar
    repeats the whole entity document it could not parse, which holds the principal's
    attributes; the caller passes that document.
    """
    found = tuple(sorted((_error(text, redact) for text in errors), key=_error_key))
    if decision == "Allow" and not found:
        return Decision(True, tuple(sorted(reasons)), ())
    # a deny: Cedar's own (its reasons are the satisfied forbids), or an allow that an
    # evaluation error turns into a deny (fail closed; the permits did not decide)
    return Decision(False, tuple(sorted(reasons)) if decision != "Allow" else (), found)


def _error(text: str, redact: str) -> EvaluationError:
    if redact:
        text = text.replace(redact, "<entities>")
    match = _POLICY_ERROR.match(text)
    if match:
        return EvaluationError(_bounded(match["message"]), match["policy"])
    return EvaluationError(_bounded(text))


def _error_key(error: EvaluationError) -> tuple[str, str]:
    return (error.policy_id or "", error.message)


def _bounded(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"
