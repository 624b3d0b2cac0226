"""An identity provider's signing keys, fetched from its JWKS URL and picked by the token's `kid`.

PyJWT's `PyJWKClient` does the fetching and caching: the key set is kept for `HUB_JWT_JWKS_CACHE_SECONDS`,
and a `kid` it does not hold (the provider rotated its keys) triggers one refetch, at most once every
`HUB_JWT_JWKS_REFETCH_SECONDS`, so tokens with made-up `kid`s cannot turn the hub against the provider.
"""

from __future__ import annotations

import threading

from jwt import PyJWK, PyJWKClient
from jwt.exceptions import DecodeError, PyJWKClientConnectionError, PyJWKClientError, PyJWKError, PyJWKSetError

FETCH_TIMEOUT_SECONDS = 5.0
MAX_CACHED_SETS = 4  # distinct JWKS configurations alive at once (one in production, a few in tests)


class UnknownSigningKey(Exception):
    """The token names no key the provider publishes, or none the hub can use."""


class KeysUnavailable(Exception):
    """The provider's key set could not be fetched: the hub cannot judge any token right now."""


_clients: dict[tuple[str, float, float], PyJWKClient] = {}
_clients_lock = threading.Lock()


def _client(url: str, cache_seconds: float, refetch_seconds: float) -> PyJWKClient:
    """One client per configuration, so its cache and refetch cooldown are shared by every request."""
    key = (url, cache_seconds, refetch_seconds)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if len(_clients) >= MAX_CACHED_SETS:
                _clients.pop(next(iter(_clients)))
            client = _clients[key] = PyJWKClient(
                url, cache_jwk_set=True, lifespan=cache_seconds, timeout=FETCH_TIMEOUT_SECONDS,
                cooldown_duration=refetch_seconds,
            )
        return client


def signing_key(url: str, token: str, *, cache_seconds: float, refetch_seconds: float) -> PyJWK:
    """The published key the token's header names by `kid`; the key is bound to its own algorithm."""
    client = _client(url, cache_seconds, refetch_seconds)
    try:
        return client.get_signing_key_from_jwt(token)
    except (PyJWKClientConnectionError, PyJWKSetError, ValueError) as error:  # unreachable, not JSON, no usable key
        raise KeysUnavailable(str(error)) from None
    except DecodeError:
        raise UnknownSigningKey("the token is malformed") from None
    except (PyJWKClientError, PyJWKError):
        # The message must not say which kids exist.
        raise UnknownSigningKey("the token's signing key ('kid') is not one the identity provider publishes") from None
