"""The server's own `send`, for a chat socket's frames to skip the HTTP-only middleware.

Channels' session middleware wraps every message a consumer sends, so as to save the session
before an HTTP response; for a WebSocket frame it only reads the lazy session twice and hands
the frame on, and it does that for every chunk of every answer (docs/benchmarks.md, figure
11). KeepServerSend, the outermost WebSocket middleware (config.asgi), keeps the server's
`send` in the scope; the chat consumer sends its frames through it, while accept and close
still pass through every middleware.
"""

from typing import Any

SERVER_SEND = "chat.server_send"


class KeepServerSend:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await self.app({**scope, SERVER_SEND: send}, receive, send)
