"""Everything `make run` does before starting daphne, in one process (one Django start-up)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, seed demo data into an empty catalogue, collect static files, describe."

    def handle(self, *args: object, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_shop", if_empty=True, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("describe_config", stdout=self.stdout)
