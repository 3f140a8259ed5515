from io import StringIO

import pytest
from django.core.management import call_command

from shop.models import Product


@pytest.mark.django_db
def test_prepare_run_seeds_an_empty_shop_once_and_describes_the_configuration(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    first = StringIO()
    call_command("prepare_run", stdout=first)
    count = Product.objects.count()
    assert count >= 60
    assert "Database:" in first.getvalue() and "LLM provider:" in first.getvalue()
    assert (tmp_path / "static" / "chat" / "main.js").exists()

    second = StringIO()
    call_command("prepare_run", stdout=second)
    assert Product.objects.count() == count
    assert "nothing to do" in second.getvalue()
