from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chat import signals  # noqa: F401  (connects the receivers)
        from chat.worker import Worker

        # This process's chat runtime (chat.worker.current()); tests swap in a fresh one.
        self.worker = Worker()
