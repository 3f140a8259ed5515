from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's wiring as an app: its management commands and start-up checks."""

    name = "config"
    label = "project"
    verbose_name = "Project"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the checks)
