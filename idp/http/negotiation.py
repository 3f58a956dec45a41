"""Proactive content negotiation on the Accept header (RFC 9110 §12.5.1)."""

from __future__ import annotations


def accepts(accept: str | None, media_type: str) -> bool:
    """Whether ``media_type`` is acceptable: no Accept header accepts anything; otherwise
    the most specific media range that matches it decides, and ``q=0`` refuses."""
    if accept is None or not accept.strip():
        return True
    kind, _, subtype = media_type.partition("/")
    best: tuple[int, float] | None = None  # (specificity, q)
    for media_range in accept.split(","):
        name, *parameters = (part.strip() for part in media_range.split(";"))
        range_kind, _, range_subtype = name.lower().partition("/")
        specificity = _specificity(range_kind, range_subtype, kind, subtype)
        if specificity is None:
            continue
        quality = _quality(parameters)
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best is not None and best[1] > 0


def _specificity(range_kind: str, range_subtype: str, kind: str, subtype: str) -> int | None:
    if (range_kind, range_subtype) == (kind, subtype):
        return 2
    if range_kind == kind and range_subtype == "*":
        return 1
    if (range_kind, range_subtype) == ("*", "*"):
        return 0
    return None


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
