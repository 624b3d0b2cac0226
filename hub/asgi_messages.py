"""Watching an ASGI response from a middleware without changing it."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Send


def on_response_start(send: Send, watch: Callable[[Message], None]) -> Send:
    """`send`, calling `watch` with the `http.response.start` message (status, headers) before it goes out."""

    async def watching(message: Message) -> None:
        if message["type"] == "http.response.start":
            watch(message)
        await send(message)

    return watching
