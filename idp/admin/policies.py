"""The realm's policies on the admin API: a version as JSON (the CLI's ``--json`` too),
the body of a publication, its entity tag and preconditions (RFC 9110 §13.1.1,
§13.1.2: a publication says which version it replaces, so two administrators never
overwrite each other unknowingly), and what the policy store's refusals are as HTTP
errors (RFC 9110 §15.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.authz.cedar_schema import SchemaDeclarationError
from idp.authz.policies import InvalidPolicies
from idp.authz.policy_files import PolicyFileError, content_from_json, content_to_json
from idp.authz.policy_store import PolicyStoreError, StalePolicyVersion, UnknownPolicyVersion
from idp.authz.policy_versions import PolicyContent, PolicyVersion, PolicyVersionInfo
from idp.errors import (
    InvalidFieldError,
    InvalidRequestError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    UnprocessableContentError,
)

NOTHING_PUBLISHED = 0  # what a first publication is based on (If-None-Match: *)
ANY = "*"


def version_json(info: PolicyVersionInfo) -> dict[str, Any]:
    return {
        "number": info.number,
        "digest": info.digest,
        "created_at": info.created_at,
        "actor": info.actor,
        "comment": info.comment,
        "rollback_of": info.rollback_of,
    }


def policy_version_json(version: PolicyVersion) -> dict[str, Any]:
    """The shape a publication takes back (its ``version`` is not read)."""
    return {"version": version_json(version.info), **content_to_json(version.content)}


def version_etag(number: int) -> str:
    """A version never changes once stored, so its number is a strong validator."""
    return f'"{number}"'


# A publication


@dataclass(frozen=True)
class Publication:
    content: PolicyContent
    comment: str | None


def publication(body: dict[str, Any]) -> Publication:
    """``{"declaration", "policies": [{"id", "text"}], "comment"?}`` (``version`` as GET
    gave it may stay; it is not read)."""
    body = dict(body)
    comment = body.pop("comment", None)
    if comment is not None and not isinstance(comment, str):
        raise InvalidFieldError("comment", "must be a string or null")
    try:
        content = content_from_json(body, "body")
    except PolicyFileError as error:
        raise InvalidRequestError(str(error)) from None
    return Publication(content, comment)


# Preconditions


def based_on(if_match: str | None, if_none_match: str | None, current: int | None) -> int:
    """The version a change replaces, from its preconditions and the current version
    (None: nothing published). A change without one is 428 (RFC 6585 §3); one whose
    condition is false is 412 (RFC 9110 §13.1.1: If-Match, strong comparison;
    §13.1.2: If-None-Match, ``*`` to publish the first version only)."""
    if if_match is None and if_none_match is None:
        raise PreconditionRequiredError(
            "send If-Match with the ETag of the current version (If-None-Match: * for the first)"
        )
    if if_match is not None and not _matches(if_match, current, weak=False):
        raise PreconditionFailedError(_stale(current))
    if if_none_match is not None and _matches(if_none_match, current, weak=True):
        raise PreconditionFailedError(_stale(current))
    return current or NOTHING_PUBLISHED


def optionally_based_on(
    if_match: str | None, if_none_match: str | None, current: int | None
) -> int | None:
    """As ``based_on``, for a change that may also be unconditional."""
    if if_match is None and if_none_match is None:
        return None
    return based_on(if_match, if_none_match, current)


def _matches(header: str, current: int | None, *, weak: bool) -> bool:
    if current is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    if weak:
        tags = [tag.removeprefix("W/") for tag in tags]
    return ANY in tags or version_etag(current) in tags


def _stale(current: int | None) -> str:
    if current is None:
        return "no policies are published"
    return f"the current policy version is {current} (ETag {version_etag(current)})"


# Refusals


class InvalidPoliciesError(UnprocessableContentError):
    """RFC 9110 §15.5.21: policies that do not validate; ``errors`` lists every problem
    (policy id, line and column where known, message)."""

    problem_type = "urn:tessera:problem:invalid-policies"
    problem_title = "The policies do not validate"

    def __init__(self, invalid: InvalidPolicies) -> None:
        super().__init__(f"{len(invalid.problems)} problem(s): {invalid}"[:1000])
        self.problems = invalid.problems

    def problem_members(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "policy_id": problem.policy_id,
                    "line": problem.line,
                    "column": problem.column,
                    "message": problem.message,
                }
                for problem in self.problems
            ]
        }


POLICY_REFUSALS = (InvalidPolicies, SchemaDeclarationError, PolicyStoreError)


def policy_refusal(
    error: InvalidPolicies | SchemaDeclarationError | PolicyStoreError,
) -> InvalidRequestError:
    """The HTTP error a refusal of the policy store is."""
    if isinstance(error, InvalidPolicies):
        return InvalidPoliciesError(error)
    if isinstance(error, SchemaDeclarationError):
        return UnprocessableContentError(str(error))
    if isinstance(error, UnknownPolicyVersion):
        return NotFoundError(str(error))
    if isinstance(error, StalePolicyVersion):
        return PreconditionFailedError(str(error))
    return InvalidRequestError(str(error))  # a comment out of bounds
