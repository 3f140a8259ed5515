"""An in-memory channel layer that loses chosen group messages, as channels-redis may.

channels-redis delivers at most once and silently drops group messages to a full channel.
This layer drops on purpose so tests can prove that sockets still end right; it can also fail
the sends of chosen types, as a layer whose Redis is down does.
"""

from typing import Any

from channels.layers import InMemoryChannelLayer


def lossy_layers(
    drop_types: list[str] | None = None, drop_every: int = 1, fail_types: list[str] | None = None
) -> dict[str, Any]:
    """CHANNEL_LAYERS with this layer as the default."""
    return {
        "default": {
            "BACKEND": "tests.chat.lossy_layer.LossyChannelLayer",
            "CONFIG": {
                "drop_types": drop_types or [],
                "drop_every": drop_every,
                "fail_types": fail_types or [],
            },
        }
    }


class LossyChannelLayer(InMemoryChannelLayer):
    def __init__(
        self,
        drop_types: list[str] | None = None,
        drop_every: int = 1,
        fail_types: list[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.drop_types = set(drop_types or [])
        self.drop_every = drop_every
        self.fail_types = set(fail_types or [])
        self.dropped = 0
        self._seen = 0

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if message.get("type") in self.fail_types:
            raise ConnectionError("channel layer unreachable")
        if message.get("type") in self.drop_types:
            self._seen += 1
            if self._seen % self.drop_every == 0:
                self.dropped += 1
                return
        await super().group_send(group, message)
