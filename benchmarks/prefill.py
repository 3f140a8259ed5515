"""Pre-fill conversations with history rows, straight into the server's database.

``python -m benchmarks.prefill COUNT CONVERSATION_ID...`` with the server's environment.
"""

import os
import sys
from datetime import timedelta


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone

    from chat.models import Message

    count, ids = int(sys.argv[1]), sys.argv[2:]
    start = timezone.now() - timedelta(days=1)
    body = "A past exchange about running shoes, sizes and delivery times. " * 4
    for conversation_id in ids:
        Message.objects.bulk_create(
            [
                Message(
                    conversation_id=conversation_id,
                    role=Message.Role.USER if i % 2 == 0 else Message.Role.ASSISTANT,
                    content=f"{i}: {body}",
                    status=Message.Status.COMPLETE,
                    created_at=start + timedelta(seconds=i),
                )
                for i in range(count)
            ],
            batch_size=500,
        )


if __name__ == "__main__":
    main()
