"""Load the demo catalogue and the demo customer; optionally create or update a superuser.

    python manage.py seed_shop                 # upsert everything (safe to repeat)
    python manage.py seed_shop --if-empty      # only on a database with no products (make run)
    DJANGO_SUPERUSER_PASSWORD=... python manage.py seed_shop --superuser --admin-username ops

Environment (read here, like Django's own createsuperuser, because these are the command's
inputs rather than settings of the running site):
    DEMO_PASSWORD               password of the `demo` customer (default: demo-shopper-2026)
    DJANGO_SUPERUSER_USERNAME   superuser name when --admin-username is not given (default: admin)
    DJANGO_SUPERUSER_EMAIL      superuser e-mail when --admin-email is not given
    DJANGO_SUPERUSER_PASSWORD   superuser password; --superuser refuses to run without it
"""

import os
from argparse import ArgumentParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shop import demo_data, seeding
from shop.models import Product


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (products, categories) and the demo customer 'demo' with "
        "orders; repeatable without duplicates. The demo password comes from DEMO_PASSWORD "
        f"(default {demo_data.DEMO_PASSWORD_DEFAULT!r}). With --superuser, also create or "
        "update a superuser whose password comes from DJANGO_SUPERUSER_PASSWORD."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any product already exists.",
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Create or update a superuser (password from DJANGO_SUPERUSER_PASSWORD).",
        )
        parser.add_argument(
            "--admin-username",
            default=None,
            help="Superuser name (default: DJANGO_SUPERUSER_USERNAME or 'admin').",
        )
        parser.add_argument(
            "--admin-email",
            default=None,
            help="Superuser e-mail (default: DJANGO_SUPERUSER_EMAIL or empty).",
        )

    def handle(self, *args: object, **options: object) -> None:
        admin = self._admin_account(options) if options["superuser"] else None
        demo_password = settings.DEMO_PASSWORD

        with transaction.atomic():
            if options["if_empty"] and Product.objects.exists():
                self.stdout.write("Products already exist; nothing to do (--if-empty).")
                return
            counts = seeding.catalogue_seed()
            counts |= seeding.demo_customer_seed(password=demo_password)
            admin_outcome = None
            if admin is not None:
                try:
                    admin_outcome = seeding.superuser_upsert(**admin)
                except ValidationError as exc:
                    raise CommandError(
                        "DJANGO_SUPERUSER_PASSWORD is too weak: " + " ".join(exc.messages)
                    ) from exc

        for label, count in counts.items():
            self.stdout.write(f"{label.capitalize() + ':':<13}{count}")
        if demo_password != demo_data.DEMO_PASSWORD_DEFAULT:
            password_hint = "the password in DEMO_PASSWORD"
        else:
            password_hint = f"password {demo_password!r} (set DEMO_PASSWORD to change it)"
        self.stdout.write(f"Demo login:   {demo_data.DEMO_USERNAME!r} with {password_hint}.")
        if admin is not None:
            self.stdout.write(f"Superuser:    {admin['username']!r} {admin_outcome}.")
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))

    def _admin_account(self, options: dict[str, object]) -> dict[str, str]:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not password:
            raise CommandError(
                "--superuser needs a password: set DJANGO_SUPERUSER_PASSWORD in the environment."
            )
        username = str(
            options["admin_username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        )
        if username == demo_data.DEMO_USERNAME:
            raise CommandError(
                f"The superuser cannot be the demo customer {demo_data.DEMO_USERNAME!r}."
            )
        email = str(options["admin_email"] or os.environ.get("DJANGO_SUPERUSER_EMAIL") or "")
        return {"username": username, "email": email, "password": password}
