from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chat import signals  # noqa: F401  (connects the receivers)
        from chat.worker import Worker
        from metrics import record

        # This process's chat runtime (chat.worker.current()); tests swap in a fresh one.
        self.worker = Worker()
        # Read from whichever worker is current at each scrape.
        record.watch_live_state(
            active_turns=lambda: len(self.worker.turns),
            open_sockets=lambda: self.worker.open_sockets(),
        )
