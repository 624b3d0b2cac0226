"""An identity provider's signing keys, fetched from its JWKS URL and picked by the token's `kid`.

Rotation takes effect within known bounds:

- a key the provider starts publishing is accepted at once: a token naming an unknown `kid` fetches the key set
  right away, unless a fetch happened less than `HUB_JWT_JWKS_REFETCH_SECONDS` (default 2 s) ago;
- a key the provider stops publishing is refused at most `HUB_JWT_JWKS_CACHE_SECONDS` (default 60 s) plus one
  fetch (`FETCH_TIMEOUT_SECONDS`) after the fetch that last returned it: the set is kept that long, or for the
  `max-age` of the response's Cache-Control when shorter (never shorter than the refetch floor).

What an outage of the provider, or tokens with made-up `kid`s, may cost is bounded too:

- a token whose key is held is verified with it at once, and never waits on a fetch: when the set is older
  than its lifetime it is refreshed in the background while the held keys go on serving, for one more
  lifetime at most (a provider down longer than that leaves the hub without keys: 503, as before);
- one fetch at a time per provider, each with a short total deadline and a size limit; a request that finds a
  fetch under way does not wait for it;
- after every fetch, failed or not, an unknown `kid` fetches again only after `HUB_JWT_JWKS_REFETCH_SECONDS`;
  after a failed fetch no fetch at all (a first one, a background refresh, an unknown `kid`) happens for
  `FAILED_FETCH_RETRY_SECONDS`.

PyJWT parses the keys (`PyJWKSet`); the HTTP fetch is done here for its deadline and size limit.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

import jwt
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import DecodeError, PyJWKError, PyJWKSetError

FETCH_TIMEOUT_SECONDS = 3.0  # the whole fetch: connecting, waiting and reading the body
MAX_JWKS_BYTES = 1_000_000
FAILED_FETCH_RETRY_SECONDS = 5.0
STALE_KEYS_LIFETIMES = 2  # held keys go on serving while refreshes fail, up to twice the cache lifetime in all
MAX_CACHED_SETS = 4  # distinct JWKS configurations alive at once (one in production, a few in tests)
UNKNOWN_KID = "the token's signing key ('kid') is not one the identity provider publishes"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


class UnknownSigningKey(Exception):
    """The token names no key the provider publishes, or none the hub can use."""

    def __init__(self, message: str, reason: str = "unknown kid") -> None:
        super().__init__(message)
        self.reason = reason


def max_age(cache_control: str | None) -> float | None:
    """The `max-age` of a Cache-Control value in seconds (0 for `no-store`/`no-cache`), or None without one."""
    if not cache_control:
        return None
    if re.search(r"(?:^|,)\s*no-(?:store|cache)\s*(?:,|$)", cache_control, re.IGNORECASE):
        return 0.0
    found = _MAX_AGE.search(cache_control)
    return float(found.group(1)) if found else None


@dataclass(frozen=True)
class FetchedKeys:
    keys: dict[str, PyJWK]
    max_age: float | None  # from the response's Cache-Control


class KeysUnavailable(Exception):
    """The provider's key set could not be fetched: the hub cannot judge any token right now."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def fetch_key_set(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> FetchedKeys:
    """The provider's signing keys by `kid`; KeysUnavailable when it cannot be read within `timeout` in all."""
    if urlparse(url).scheme.lower() not in ("http", "https"):
        raise KeysUnavailable("the JWKS URL must be http or https")
    deadline = time.monotonic() + timeout
    try:
        opener = urllib.request.build_opener(_NoRedirects())
        with opener.open(urllib.request.Request(url), timeout=timeout) as response:
            lifetime = max_age(response.headers.get("cache-control"))
            body = bytearray()
            while chunk := response.read1(65536):
                body.extend(chunk)
                if len(body) > MAX_JWKS_BYTES:
                    raise KeysUnavailable(f"the key set is larger than {MAX_JWKS_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise KeysUnavailable(f"the key set took longer than {timeout:g} s to arrive")
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise KeysUnavailable("the JWKS endpoint did not return a JSON object")
        key_set = PyJWKSet.from_dict(payload)
    except KeysUnavailable:
        raise
    except HTTPError as error:
        error.close()
        raise KeysUnavailable(str(error) or type(error).__name__) from None
    except (URLError, OSError, ValueError, PyJWKError, PyJWKSetError) as error:  # HTTP errors, timeouts, bad JSON
        raise KeysUnavailable(str(error) or type(error).__name__) from None
    keys = {key.key_id: key for key in key_set.keys if key.public_key_use in ("sig", None) and key.key_id}
    return FetchedKeys(keys, lifetime)


@dataclass
class KeySet:
    """The keys of one provider, shared by every request, and when they may be fetched again."""

    url: str
    cache_seconds: float
    refetch_seconds: float
    keys: dict[str, PyJWK] = field(default_factory=dict)
    fetched_at: float | None = None  # of the keys held
    lifetime: float = 0.0  # of the keys held: the configured cache time, or the response's shorter max-age
    refetch_at: float = 0.0  # an unknown `kid` fetches again from then on (set by every fetch)
    retry_at: float = 0.0  # after a failed fetch, none before this
    last_failure: str | None = None  # why the latest fetch failed; None after a success
    fetch_lock: threading.Lock = field(default_factory=threading.Lock)

    def key_for(self, kid: str | None) -> PyJWK:
        keys = self._held()
        if kid is not None and kid in keys:
            if self._age() >= self.lifetime:
                self._refresh_in_background()
            return keys[kid]
        if not keys:
            self._fetch_first()
        elif not self._fetch_now(after=self.refetch_at):
            if self.last_failure is not None:
                raise KeysUnavailable(self.last_failure)
            raise UnknownSigningKey(UNKNOWN_KID)
        keys = self._held()
        if kid is not None and kid in keys:
            return keys[kid]
        raise UnknownSigningKey(UNKNOWN_KID)

    def _age(self) -> float:
        return float("inf") if self.fetched_at is None else time.monotonic() - self.fetched_at

    def _held(self) -> dict[str, PyJWK]:
        """The keys still usable: past twice their lifetime without a successful refresh (the provider down
        that long), they are dropped, so a key the provider withdrew meanwhile stops verifying."""
        return self.keys if self._age() < STALE_KEYS_LIFETIMES * self.cache_seconds else {}

    def _fetch_first(self) -> None:
        """No usable keys: fetch them, or wait for the fetch under way (it ends within its deadline)."""
        if time.monotonic() < self.retry_at:
            raise KeysUnavailable(self.last_failure or "the identity provider's keys could not be fetched")
        if not self.fetch_lock.acquire(timeout=FETCH_TIMEOUT_SECONDS + 1):
            raise KeysUnavailable("the identity provider's keys are being fetched")
        try:
            if not self._held() and time.monotonic() >= self.retry_at:  # not fetched while this request waited
                self._fetch_locked()
        finally:
            self.fetch_lock.release()
        if not self._held():
            raise KeysUnavailable(self.last_failure or "the identity provider publishes no usable key")

    def _fetch_now(self, after: float = 0.0) -> bool:
        """Fetch unless one is under way, a failure's retry time or `after` has not come; whether it ran."""
        if time.monotonic() < max(after, self.retry_at) or not self.fetch_lock.acquire(blocking=False):
            return False
        try:
            if time.monotonic() < max(after, self.retry_at):  # another request fetched in between
                return False
            self._fetch_locked()
            return True
        finally:
            self.fetch_lock.release()

    def _refresh_in_background(self) -> None:
        if time.monotonic() >= self.retry_at and not self.fetch_lock.locked():
            threading.Thread(target=self._fetch_now, name="jwks-refresh", daemon=True).start()

    def _fetch_locked(self) -> None:
        """One fetch, with the lock held; any outcome starts the refetch interval of unknown `kid`s."""
        try:
            fetched = fetch_key_set(self.url)
        except KeysUnavailable as unavailable:
            self.last_failure = str(unavailable)
            self.retry_at = time.monotonic() + FAILED_FETCH_RETRY_SECONDS
        else:
            self.keys, self.fetched_at, self.last_failure, self.retry_at = fetched.keys, time.monotonic(), None, 0.0
            offered = self.cache_seconds if fetched.max_age is None else max(fetched.max_age, self.refetch_seconds)
            self.lifetime = min(self.cache_seconds, offered)
        self.refetch_at = time.monotonic() + self.refetch_seconds


_key_sets: dict[tuple[str, float, float], KeySet] = {}
_key_sets_lock = threading.Lock()


def key_set_for(url: str, cache_seconds: float, refetch_seconds: float) -> KeySet:
    """One key set per configuration, so its keys, its lock and its intervals are shared by every request."""
    config = (url, cache_seconds, refetch_seconds)
    with _key_sets_lock:
        key_set = _key_sets.get(config)
        if key_set is None:
            if len(_key_sets) >= MAX_CACHED_SETS:
                _key_sets.pop(next(iter(_key_sets)))
            key_set = _key_sets[config] = KeySet(url, cache_seconds, refetch_seconds)
        return key_set


def signing_key(url: str, token: str, *, cache_seconds: float, refetch_seconds: float) -> PyJWK:
    """The published key the token's header names by `kid`; the key is bound to its own algorithm."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except DecodeError:
        raise UnknownSigningKey("the token is malformed", reason="malformed") from None
    # The message must not say which kids exist.
    return key_set_for(url, cache_seconds, refetch_seconds).key_for(kid if isinstance(kid, str) else None)
