"""An in-memory channel layer that loses chosen group messages, as channels-redis may.

channels-redis delivers at most once and silently drops group messages to a full channel.
This layer drops on purpose so tests can prove that sockets still end right.
"""

from typing import Any

from channels.layers import InMemoryChannelLayer


class LossyChannelLayer(InMemoryChannelLayer):
    def __init__(self, drop_types: list[str] | None = None, drop_every: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.drop_types = set(drop_types or [])
        self.drop_every = drop_every
        self.dropped = 0
        self._seen = 0

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if message.get("type") in self.drop_types:
            self._seen += 1
            if self._seen % self.drop_every == 0:
                self.dropped += 1
                return
        await super().group_send(group, message)
