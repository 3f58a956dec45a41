"""Documents fetched from the provider and kept while HTTP caching allows (RFC 9111):
``Cache-Control: max-age`` (less ``Age``) says how long a copy is fresh, ``ETag`` makes
the next fetch conditional (RFC 9110 §13.1.2). A copy whose lifetime has passed is
fetched again by one caller while the others go on with it, and kept if that fails
(RFC 5861 stale-if-error): the provider being down for a while costs nothing until a
document is needed that the SDK does not have."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Generic, TypeVar

from idp.rp.errors import ProviderUnavailable
from idp.rp.flow import Exclusive, Flow, HttpRequest, HttpResponse

T = TypeVar("T")
Clock = Callable[[], float]

log = logging.getLogger("idp.rp")

DEFAULT_LIFETIME = 300.0  # s, without a max-age
MIN_LIFETIME = 5.0  # s: no-store, no-cache and max-age=0 are read as this
MAX_LIFETIME = 86400.0
RETRY_AFTER = 5.0  # s between attempts while the provider fails
ENTITY_TAG = re.compile(r'(W/)?"[\x21\x23-\x7e]{0,254}"')  # RFC 9110 §8.8.3


def cache_lifetime(headers: Mapping[str, str], default: float = DEFAULT_LIFETIME) -> float:
    """RFC 9111 §5.2.2.1 ``max-age`` less §5.1 ``Age``, within [MIN, MAX]_LIFETIME."""
    lifetime = default
    for directive in headers.get("cache-control", "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-store", "no-cache"):
            return MIN_LIFETIME
        if name == "max-age" and value.strip('"').isdecimal():
            lifetime = float(value.strip('"'))
    age = headers.get("age", "")
    if age.isdecimal():
        lifetime -= float(age)
    return min(max(lifetime, MIN_LIFETIME), MAX_LIFETIME)


def entity_tag(headers: Mapping[str, str]) -> str | None:
    etag = headers.get("etag")
    return etag if etag is not None and ENTITY_TAG.fullmatch(etag) else None


class CachedDocument(Generic[T]):
    """One document of the provider, as ``parse`` reads it (raising ProviderUnavailable
    for what is not the document), fetched with the request ``request`` makes."""

    def __init__(
        self,
        name: str,
        request: Callable[[], HttpRequest],
        parse: Callable[[bytes], T],
        clock: Clock,
    ) -> None:
        self.name = name
        self.value: T | None = None
        self.failed = False  # the last attempt failed
        self.generation = 0  # attempts completed, failed or not
        self._request = request
        self._parse = parse
        self._clock = clock
        self._etag: str | None = None
        self._fresh_until = 0.0
        self._retry_at = 0.0

    @property
    def etag(self) -> str | None:
        """The ETag of the copy held, if it came with one."""
        return self._etag

    def fresh(self, now: float) -> T | None:
        """The copy, if it is fresh: what a hot path asks first."""
        return self.value if now < self._fresh_until else None

    def current(self) -> Flow[T]:
        """The copy; fetched first if there is none, and again (by one caller, the
        others going on with the copy) once its lifetime has passed."""
        now = self._clock()
        if self.value is None:
            if now < self._retry_at:
                raise ProviderUnavailable(f"the provider's {self.name} could not be fetched")
            yield Exclusive(self.name, self._fetch(self.generation))
            if self.value is None:
                raise ProviderUnavailable(f"the provider's {self.name} could not be fetched")
        elif now >= self._fresh_until and now >= self._retry_at:
            with contextlib.suppress(ProviderUnavailable):  # logged; the copy serves on
                yield Exclusive(self.name, self._fetch(self.generation), wait=False)
        return self.value

    def refetch(self, fetch: bool = True) -> Flow[None]:
        """Fetch now, or wait for the fetch in flight and take its result; with
        ``fetch=False``, only wait for the fetch in flight, if any."""
        yield Exclusive(self.name, self._fetch(self.generation if fetch else None))

    def _fetch(self, seen: int | None) -> Flow[None]:
        if self.generation != seen:
            return  # another caller fetched it while this one waited (or none asked)
        try:
            request = self._request()
            if self._etag is not None and self.value is not None:
                request = replace(request, headers={**request.headers, "If-None-Match": self._etag})
            response = yield request
            self._apply(response)
            self.failed = False
        except ProviderUnavailable as exc:
            log.warning("%s", exc)
            self.failed = True
            self._retry_at = self._clock() + RETRY_AFTER
            raise
        finally:
            self.generation += 1

    def _apply(self, response: HttpResponse) -> None:
        if response.status == 304 and self.value is not None:  # RFC 9110 §15.4.5
            pass
        elif response.status == 200:
            self.value = self._parse(response.body)
            self._etag = entity_tag(response.headers)
        else:
            raise ProviderUnavailable(f"the provider's {self.name}: HTTP {response.status}")
        self._fresh_until = self._clock() + cache_lifetime(response.headers)
