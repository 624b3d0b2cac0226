"""Who may see what only an operator should: the metrics, and `/readyz`'s details (policy version and digest,
the graph sync's leadership with its lock, its last error).

With `HUB_METRICS_TOKEN` set, a caller shows it as a bearer token, compared in constant time. Without one:
the separate listener of `HUB_METRICS_BIND` is trusted by where it listens (and the public app then shows the
details to no one); with neither, a development hub shows them to clients on this machine only (loopback), so
that `make demo` on 127.0.0.1 can be scraped locally, and a production hub refuses to start (hub/settings.py).
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

OPERATOR_REALM = 'Bearer realm="hub operator"'
Tokenless = Literal["everyone", "local clients", "no one"]


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OperatorAccess:
    """Decides per request whether the caller is the hub's operator."""

    def __init__(self, token: str | None, without_token: Tokenless) -> None:
        """`without_token`: whom to serve when no token is configured."""
        self._token = token.encode() if token is not None else None
        self.without_token = without_token

    def allows(self, request: Request) -> bool:
        if self._token is not None:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self._token)
        if self.without_token == "local clients":
            return is_loopback(request.client.host if request.client else None)
        return self.without_token == "everyone"

    def refusal(self) -> Response:
        if self._token is not None:
            body = {"errors": [{"message": "show the operator token (HUB_METRICS_TOKEN)", "extensions": {"code": "UNAUTHENTICATED"}}]}
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": OPERATOR_REALM})
        message = "not served here; see HUB_METRICS_TOKEN and HUB_METRICS_BIND"
        return JSONResponse({"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]}, status_code=403)
