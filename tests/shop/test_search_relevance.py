"""Relevance of product search on the seeded catalogue, on the database backend in use.

recall@5 is the share of the shopper questions in `search_relevance.CASES` that have at least
one expected product among the first five results. The floors are below what was measured
(PostgreSQL 0.98, SQLite 0.95 on 63 questions; the old all-words search: 0.62 on both).
"""

import pytest
from django.db import connection

from shop.search import product_search
from shop.seeding import catalogue_seed
from tests.shop.search_relevance import CASES, measure

pytestmark = pytest.mark.django_db

FLOORS = {"postgresql": 0.95, "sqlite": 0.9}


def test_the_question_set_is_large_enough():
    assert len(CASES) >= 40


def test_recall_at_5_on_the_seeded_catalogue(capsys):
    catalogue_seed()

    recall, share, misses = measure(product_search)

    with capsys.disabled():
        print(
            f"\nsearch relevance on {connection.vendor}: recall@5={recall:.3f} "
            f"expected-share@5={share:.3f} over {len(CASES)} questions; "
            f"misses: {[case.question for case, _ in misses]}"
        )
    assert recall >= FLOORS[connection.vendor], misses
