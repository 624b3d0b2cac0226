"""Bearer JWT authentication: who is calling, for which agency, with which jurisdiction."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import jwt
from jwt import PyJWK
from jwt.exceptions import InvalidIssuedAtError, InvalidSubjectError

from hub.access import Principal
from hub.claims import MISSING, ClaimMapping, claim_at
from hub.jwks import KeysUnavailable, UnknownSigningKey, signing_key
from hub.settings import PUBLIC_KEY_ALGORITHMS, Settings

logger = logging.getLogger(__name__)
LEEWAY_SECONDS = 30
DEFAULT_TTL_SECONDS = 8 * 3600
REALM = "hub"
# RFC 6750 allows only these characters in error_description (printable ASCII without `"` and `\`).
_NOT_IN_DESCRIPTION = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')

__all__ = ["AuthenticationFailed", "KeysUnavailable", "mint_token", "principal_from_header"]


class AuthenticationFailed(Exception):
    """401: no usable credentials. The message says what is wrong, never what a valid token holds.

    `reason`: a short fixed phrase for the log (`unknown kid`, `expired`, ...), never anything from the token.
    """

    def __init__(self, message: str, *, token_given: bool = True, reason: str = "invalid claims") -> None:
        super().__init__(message)
        self.token_given = token_given
        self.reason = reason

    @property
    def challenge(self) -> str:
        """The `WWW-Authenticate` value (RFC 6750, section 3): an error only when a token was given and refused."""
        if not self.token_given:
            return f'Bearer realm="{REALM}"'
        description = _NOT_IN_DESCRIPTION.sub("?", str(self))
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'


def _verification_key(settings: Settings, token: str) -> tuple[str | PyJWK, list[str]]:
    """The key that must have signed the token, and the algorithms it may have been signed with."""
    if settings.jwt_jwks_url is not None:
        try:
            key = signing_key(
                settings.jwt_jwks_url, token,
                cache_seconds=settings.jwt_jwks_cache_seconds, refetch_seconds=settings.jwt_jwks_refetch_seconds,
            )
        except UnknownSigningKey as unknown:
            raise AuthenticationFailed(str(unknown), reason=unknown.reason) from None
        accepted = [name for name in settings.jwt_jwks_algorithms if name in PUBLIC_KEY_ALGORITHMS]
        if key.algorithm_name not in accepted:
            raise AuthenticationFailed(
                f"tokens signed with {key.algorithm_name} are not accepted by this hub", reason="algorithm not accepted"
            )
        return key, [key.algorithm_name]
    if settings.jwt_algorithm in PUBLIC_KEY_ALGORITHMS:
        if not settings.jwt_public_key:
            raise AuthenticationFailed(
                f"the hub has no public key configured for {settings.jwt_algorithm} tokens", reason="no key configured"
            )
        return settings.jwt_public_key, [settings.jwt_algorithm]
    return settings.jwt_secret, [settings.jwt_algorithm]


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
    """The caller, from a bearer token; KeysUnavailable when the identity provider's keys cannot be fetched.

    Every refusal is logged at INFO with its reason, and nothing of the token.
    """
    try:
        return _principal_from_header(settings, authorization)
    except AuthenticationFailed as refused:
        logger.info("token refused: %s", refused.reason, extra={"reason": refused.reason})
        raise


def _principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise AuthenticationFailed(
            "missing bearer token: send 'Authorization: Bearer <token>'", token_given=False, reason="no bearer token"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "the Authorization header must be 'Bearer <token>'", token_given=False, reason="not a bearer token"
        )
    mapping = ClaimMapping.of(settings)
    claims = _decode(settings, token.strip(), mapping)
    _check_lifetime(settings, claims)
    return _principal(claims, mapping)


def _decode(settings: Settings, token: str, mapping: ClaimMapping) -> dict[str, Any]:
    # Claims named directly are required by the library; nested ones are checked when the principal is read.
    required = ["exp", *mapping.top_level(mapping.user, mapping.agency), "iat"]
    if settings.jwt_issuer is not None:
        required.append("iss")
    if settings.jwt_audience is not None:
        required.append("aud")
    key, algorithms = _verification_key(settings, token)
    try:
        return jwt.decode(
            token,
            key,
            algorithms=algorithms,
            leeway=LEEWAY_SECONDS,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            # Without a configured audience an `aud` claim is not ours to judge, so it is not checked.
            options={"require": required, "verify_aud": settings.jwt_audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the token has expired", reason="expired") from None
    except jwt.MissingRequiredClaimError as error:
        raise AuthenticationFailed(f"the token lacks the '{error.claim}' claim", reason="missing claim") from None
    except jwt.InvalidIssuerError:
        raise AuthenticationFailed(
            "the token's issuer ('iss') is not the one this hub trusts", reason="wrong issuer"
        ) from None
    except jwt.InvalidAudienceError:
        raise AuthenticationFailed("the token's audience ('aud') is not this hub", reason="wrong audience") from None
    except InvalidSubjectError:
        raise AuthenticationFailed("the 'sub' claim must be a non-empty string") from None
    except InvalidIssuedAtError:
        raise AuthenticationFailed("the 'iat' claim must be an integer") from None
    except jwt.ImmatureSignatureError:
        raise AuthenticationFailed(
            "the token is not valid yet ('iat' or 'nbf' is in the future)", reason="not valid yet"
        ) from None
    except jwt.InvalidSignatureError:
        raise AuthenticationFailed(
            "the token is malformed or its signature is not valid", reason="bad signature"
        ) from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the token is malformed or its signature is not valid", reason="malformed") from None


def _check_lifetime(settings: Settings, claims: dict[str, Any]) -> None:
    issued, expires = claims["iat"], claims["exp"]
    if not _is_number(issued) or not _is_number(expires):
        raise AuthenticationFailed("the 'iat' and 'exp' claims must be numbers (seconds since the epoch)")
    if expires - issued > settings.jwt_max_ttl:
        raise AuthenticationFailed(
            f"the token's lifetime (exp - iat) exceeds the maximum of {settings.jwt_max_ttl} seconds",
            reason="lifetime too long",
        )


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string_claim(claims: dict[str, Any], path: str, *, required: bool) -> str | None:
    value = claim_at(claims, path)
    if value is MISSING or value is None:
        if not required:
            return None
        raise AuthenticationFailed(f"the token lacks the '{path}' claim")
    if not isinstance(value, str) or not value:
        raise AuthenticationFailed(f"the '{path}' claim must be a non-empty string")
    return value


def _principal(claims: dict[str, Any], mapping: ClaimMapping) -> Principal:
    unit_id = claim_at(claims, mapping.unit_id)
    if unit_id is MISSING:
        unit_id = None
    if unit_id is not None and not _is_integer(unit_id):
        raise AuthenticationFailed(f"the '{mapping.unit_id}' claim must be an integer")
    roles = claim_at(claims, mapping.roles)
    roles = [] if roles is MISSING or roles is None else roles
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthenticationFailed(f"the '{mapping.roles}' claim must be a list of strings")
    return Principal(
        user=_string_claim(claims, mapping.user, required=True) or "",
        agency=_string_claim(claims, mapping.agency, required=True) or "",
        roles=tuple(roles),
        jurisdiction=_string_claim(claims, mapping.jurisdiction, required=False),
        level=_string_claim(claims, mapping.level, required=False),
        unit_id=unit_id,
    )
