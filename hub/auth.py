"""Bearer JWT authentication: who is calling, for which agency, with which jurisdiction."""

from __future__ import annotations

import time
from typing import Any

import jwt
from jwt.exceptions import InvalidIssuedAtError, InvalidSubjectError

from hub.settings import Settings
from schema.access import Principal

LEEWAY_SECONDS = 30
DEFAULT_TTL_SECONDS = 8 * 3600


class AuthenticationFailed(Exception):
    """401: no usable credentials. The message says what is wrong, never what a valid token holds."""


def _verification_key(settings: Settings) -> str:
    if settings.jwt_algorithm.startswith("RS"):
        if not settings.jwt_public_key:
            raise AuthenticationFailed("the hub has no public key configured for RS256 tokens")
        return settings.jwt_public_key
    return settings.jwt_secret


def mint_token(
    settings: Settings,
    *,
    agency: str,
    user: str,
    roles: tuple[str, ...] = (),
    jurisdiction: str | None = None,
    level: str | None = None,
    unit_id: int | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    signing_key: str | None = None,
) -> str:
    """A signed token for development and tests (HS256 with the configured secret unless a key is given)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user, "agency": agency, "roles": list(roles), "iat": now, "exp": now + ttl_seconds}
    if jurisdiction:
        claims["jurisdiction"] = jurisdiction
    if level:
        claims["level"] = level
    if unit_id is not None:
        claims["unit_id"] = unit_id
    return jwt.encode(claims, signing_key or settings.jwt_secret, algorithm=settings.jwt_algorithm)


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise AuthenticationFailed("missing bearer token: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
    claims = _decode(settings, token.strip())
    _check_lifetime(settings, claims)
    return _principal(claims)


def _decode(settings: Settings, token: str) -> dict[str, Any]:
    required = ["exp", "sub", "agency", "iat"]
    if settings.jwt_issuer is not None:
        required.append("iss")
    if settings.jwt_audience is not None:
        required.append("aud")
    try:
        return jwt.decode(
            token,
            _verification_key(settings),
            algorithms=[settings.jwt_algorithm],
            leeway=LEEWAY_SECONDS,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            # Without a configured audience an `aud` claim is not ours to judge, so it is not checked.
            options={"require": required, "verify_aud": settings.jwt_audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the token has expired") from None
    except jwt.MissingRequiredClaimError as error:
        raise AuthenticationFailed(f"the token lacks the '{error.claim}' claim") from None
    except jwt.InvalidIssuerError:
        raise AuthenticationFailed("the token's issuer ('iss') is not the one this hub trusts") from None
    except jwt.InvalidAudienceError:
        raise AuthenticationFailed("the token's audience ('aud') is not this hub") from None
    except InvalidSubjectError:
        raise AuthenticationFailed("the 'sub' claim must be a non-empty string") from None
    except InvalidIssuedAtError:
        raise AuthenticationFailed("the 'iat' claim must be an integer") from None
    except jwt.ImmatureSignatureError:
        raise AuthenticationFailed("the token is not valid yet ('iat' or 'nbf' is in the future)") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the token is malformed or its signature is not valid") from None


def _check_lifetime(settings: Settings, claims: dict[str, Any]) -> None:
    issued, expires = claims["iat"], claims["exp"]
    if not _is_number(issued) or not _is_number(expires):
        raise AuthenticationFailed("the 'iat' and 'exp' claims must be numbers (seconds since the epoch)")
    if expires - issued > settings.jwt_max_ttl:
        raise AuthenticationFailed(f"the token's lifetime (exp - iat) exceeds the maximum of {settings.jwt_max_ttl} seconds")


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string_claim(claims: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise AuthenticationFailed(f"the '{name}' claim must be a non-empty string")
    return value


def _principal(claims: dict[str, Any]) -> Principal:
    unit_id = claims.get("unit_id")
    if unit_id is not None and not _is_integer(unit_id):
        raise AuthenticationFailed("the 'unit_id' claim must be an integer")
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthenticationFailed("the 'roles' claim must be a list of strings")
    return Principal(
        user=_string_claim(claims, "sub", required=True) or "",
        agency=_string_claim(claims, "agency", required=True) or "",
        roles=tuple(roles),
        jurisdiction=_string_claim(claims, "jurisdiction", required=False),
        level=_string_claim(claims, "level", required=False),
        unit_id=unit_id,
    )
