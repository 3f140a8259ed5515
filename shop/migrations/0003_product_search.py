"""Indexes for product search on PostgreSQL; nothing to do on SQLite.

The GIN index is over the same expression `shop.search` matches against (name weighted A,
description C); the category name is matched through the small category table. The trigram
index serves the misspelling lookup (`name %> term`).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

PRODUCT_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(\"name\", '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(\"description\", '')), 'C'))"
)

CREATE = [
    f"CREATE INDEX IF NOT EXISTS product_search_vector ON shop_product USING gin ({PRODUCT_VECTOR})",
    "CREATE INDEX IF NOT EXISTS product_name_trgm ON shop_product USING gin (name gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS product_name_trgm",
    "DROP INDEX IF EXISTS product_search_vector",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_cart")]

    operations = [
        TrigramExtension(),  # a no-op on other databases
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
