"""Catalogue search, ranked by relevance: what the product page and the assistant's tool call.

A shopper's words need not all match. On PostgreSQL the ranking is full-text search (a weighted
vector over the name, the category name and the description, with English stemming) plus
trigram similarity to the name, which forgives misspellings; the migration
`0003_product_search` adds the indexes. On SQLite (the no-config default) a portable fallback
scores each word by where a word starting with it is (name > category > description). Both
leave out filler words ("I need a gift for") and put in-stock products first among equally
relevant ones.

Each result also says whether it matches every word (`search_matches_all`): a caller can then
tell "running shoes under 100" apart from the running socks that a price filter leaves. Sorted
by price, a search compares like with like: only products that match every word are kept, so
the cheapest "running shoes" are shoes, not the socks of the same category.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import reduce
from operator import and_
from typing import TYPE_CHECKING, Literal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest
from django.db.models.lookups import GreaterThanOrEqual

from shop.models import Category, Product

if TYPE_CHECKING:  # django.contrib.postgres is imported only when PostgreSQL is in use
    from django.contrib.postgres.search import CombinedSearchVector, SearchQuery

MAX_SEARCH_TERMS = 8

Sort = Literal["relevance", "price_asc", "price_desc"]
SORTS: tuple[Sort, ...] = ("relevance", "price_asc", "price_desc")

# Shopper phrasing around what they want: pronouns, requests, price and stock talk, gift talk.
STOP_WORDS = frozenset(
    """a about after all also am an and any anything are as at be buy can could do does for
    from get gift gifts give got have having he her him his how i i'd i'm im in is it its like
    looking lover lovers me my need needs of on or our please present presents recommend
    recommendation see sell selling she show some someone something suggest that the their them
    there these they this those to under over want wanted what which who with would you your
    cheap cheaper cheapest affordable budget inexpensive good great best nice buy find price
    priced cost costs than less more below above euro euros eur eu € between available
    in-stock instock stock product products item items thing things kind sort shop store
    one ones pair pairs people person two""".split()
)

# Shopper words the catalogue spells differently (looked up after singular folding).
SYNONYMS = {
    "runner": "running",
    "jogging": "running",
    "jog": "running",
    "jogger": "running",
    "hiker": "hiking",
    "trek": "trekking",
    "trekker": "trekking",
    "earphone": "earbud",
    "work-from-home": "office",
    "wfh": "office",
}

_WORD = re.compile(r"[\w'-]+")

# Weights of the SQLite fallback: where a word matches.
NAME_WEIGHT, CATEGORY_WEIGHT, DESCRIPTION_WEIGHT = 6, 3, 1
# PostgreSQL: pg_trgm's default word_similarity_threshold (what `%>` uses), and how much the
# best close word similarity to the name adds to the full-text rank.
TRIGRAM_THRESHOLD = 0.6
SIMILARITY_WEIGHT = 0.5


def singular(word: str) -> str:
    """A crude English singular, so "shoes" finds "Running Shoe" (containment does the rest)."""
    lowered = word.lower()
    if len(lowered) > 4 and lowered.endswith("ies"):
        return word[:-3]  # batteries -> batter(y/ies)
    if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith("ss"):
        return word[:-1]
    return word


def search_terms(query: str) -> list[str]:
    """The query's content words, lower-cased: no filler words, no bare numbers."""
    terms: list[str] = []
    for raw in _WORD.findall(query.lower()):
        word = raw.strip("'-")
        if len(word) < 2 or word in STOP_WORDS or word.isdigit():
            continue
        word = SYNONYMS.get(word, SYNONYMS.get(singular(word), word))
        if word not in terms:
            terms.append(word)
    return terms[:MAX_SEARCH_TERMS]


def product_search(
    *,
    query: str = "",
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock_only: bool = False,
    sort: Sort = "relevance",
) -> QuerySet[Product]:
    """Active products for `query`: those matching every word first, then by relevance (in
    stock first among equals).

    An empty query, or one of filler words only, lists every product by name. The filters
    (category slug or name, inclusive price bounds, stock) apply either way. `sort` by
    price (`price_asc`, `price_desc`) keeps only the products that match every word.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    products = Product.objects.filter(is_active=True).select_related("category")
    if category:
        products = products.filter(Q(category__slug=category) | Q(category__name__iexact=category))
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock_only:
        products = products.filter(stock__gt=0)
    terms = search_terms(query)
    postgres = connection.vendor == "postgresql"
    if sort != "relevance":
        if terms:
            if postgres:
                products = products.annotate(search_document=_postgres_product_vector())
            every = _postgres_term_matches if postgres else _portable_term_matches
            products = products.filter(reduce(and_, every(terms)))
        price = F("price").asc() if sort == "price_asc" else F("price").desc()
        return products.annotate(search_matches_all=Value(True)).order_by(price, "name", "pk")
    if not terms:
        return products.order_by("name")
    ranked = _postgres_ranked(products, terms) if postgres else _portable_ranked(products, terms)
    in_stock = Case(When(stock__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())
    return ranked.annotate(search_in_stock=in_stock).order_by(
        F("search_matches_all").desc(),
        F("search_rank").desc(),
        F("search_in_stock").desc(),
        "name",
        "pk",
    )


def _matches_all(conditions: list[Q]) -> Case:
    return Case(
        When(reduce(and_, conditions), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _word_start(stem: str) -> str:
    """A word that starts with `stem`: "tent" is not in "consistent", "shoe" is in "shoes"."""
    return r"\b" + re.escape(stem)


def _portable_term_matches(terms: list[str]) -> list[Q]:
    """Per word: it is in the name, the category name or the description (singular folded)."""
    return [
        Q(name__iregex=_word_start(stem))
        | Q(category__name__iregex=_word_start(stem))
        | Q(description__iregex=_word_start(stem))
        for stem in map(singular, terms)
    ]


def _portable_ranked(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    """Each word scores where a word starts with it, its singular folded; any word may match."""
    score = Value(0)
    for term in terms:
        stem = singular(term)
        for lookup, weight in (
            ("name__iregex", NAME_WEIGHT),
            ("category__name__iregex", CATEGORY_WEIGHT),
            ("description__iregex", DESCRIPTION_WEIGHT),
        ):
            score = score + Case(
                When(Q(**{lookup: _word_start(stem)}), then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return products.annotate(
        search_rank=score, search_matches_all=_matches_all(_portable_term_matches(terms))
    ).filter(search_rank__gt=0)


def _postgres_product_vector() -> CombinedSearchVector:
    from django.contrib.postgres.search import SearchVector

    # The same expression as the GIN index in migration 0003_product_search.
    return SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="C", config="english"
    )


def _postgres_words(text: str) -> SearchQuery:
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(text, search_type="websearch", config="english")


def _postgres_category_matches(words: SearchQuery) -> Exists:
    from django.contrib.postgres.search import SearchVector

    category_vector = SearchVector("name", weight="B", config="english")
    return Exists(
        Category.objects.annotate(search_vector=category_vector).filter(
            search_vector=words, pk=OuterRef("category_id")
        )
    )


def _postgres_term_matches(terms: list[str]) -> list[Q]:
    """Per word: the name or description, the category name, or a close word of the name
    matches it (on products annotated with `search_document`)."""
    matches = []
    for term in terms:
        words = _postgres_words(term)
        matches.append(
            Q(search_document=words)
            | _postgres_category_matches(words)
            | Q(name__trigram_word_similar=term)
        )
    return matches


def _postgres_ranked(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    """Full-text rank over name (A), category (B), description (C), plus trigram similarity."""
    from django.contrib.postgres.search import SearchRank, SearchVector, TrigramWordSimilarity

    # websearch syntax: "or" between the words, so no word is required.
    words = _postgres_words(" or ".join(terms))
    product_vector = _postgres_product_vector()
    category_vector_of_product = SearchVector("category__name", weight="B", config="english")
    # A misspelt word: the name has a word close to it (`name %> term`, what the trigram index
    # serves). Only such close words add their similarity to the rank.
    similar_names = Q()
    similarity = []
    for term in terms:
        similar_names |= Q(name__trigram_word_similar=term)
        close = TrigramWordSimilarity(term, "name")
        similarity.append(
            Case(
                When(GreaterThanOrEqual(close, TRIGRAM_THRESHOLD), then=close),
                default=Value(0.0),
                output_field=FloatField(),
            )
        )
    best_similarity = similarity[0] if len(similarity) == 1 else Greatest(*similarity)
    rank = SearchRank(product_vector + category_vector_of_product, words, normalization=0)
    return (
        products.annotate(search_document=product_vector)
        .filter(Q(search_document=words) | _postgres_category_matches(words) | similar_names)
        .annotate(
            # numeric(12, 4): ranks that differ past the fourth decimal are equal.
            search_rank=Cast(
                rank + best_similarity * Value(SIMILARITY_WEIGHT),
                DecimalField(max_digits=12, decimal_places=4),
            ),
            search_matches_all=_matches_all(_postgres_term_matches(terms)),
        )
    )
