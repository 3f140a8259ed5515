"""Catalogue search, ranked by relevance: what the product page and the assistant's tool call.

A shopper's words need not all match. On PostgreSQL the ranking is full-text search (a weighted
vector over the name, the category name and the description, with English stemming) plus
trigram similarity to the name, which forgives misspellings; the migration
`0003_product_search` adds the indexes. On SQLite (the no-config default) a portable fallback
scores each word by where it matches (name > category > description). Both leave out filler
words ("I need a gift for") and put in-stock products first among equally relevant ones.
"""

import re
from decimal import Decimal

from django.db import connection
from django.db.models import (
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

MAX_SEARCH_TERMS = 8

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


def _singular(word: str) -> str:
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
        word = SYNONYMS.get(word, SYNONYMS.get(_singular(word), word))
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
) -> QuerySet[Product]:
    """Active products for `query`, most relevant first (in stock first among equals).

    An empty query, or one of filler words only, lists every product by name. The filters
    (category slug or name, inclusive price bounds, stock) apply either way.
    """
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
    if not terms:
        return products.order_by("name")
    if connection.vendor == "postgresql":
        ranked = _postgres_ranked(products, terms)
    else:
        ranked = _portable_ranked(products, terms)
    in_stock = Case(When(stock__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())
    return ranked.annotate(search_in_stock=in_stock).order_by(
        F("search_rank").desc(), F("search_in_stock").desc(), "name", "pk"
    )


def _portable_ranked(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    """Each word scores where it matches, its singular folded; any word may match."""
    score = Value(0)
    for term in terms:
        stem = _singular(term)
        for lookup, weight in (
            ("name__icontains", NAME_WEIGHT),
            ("category__name__icontains", CATEGORY_WEIGHT),
            ("description__icontains", DESCRIPTION_WEIGHT),
        ):
            score = score + Case(
                When(Q(**{lookup: stem}), then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return products.annotate(search_rank=score).filter(search_rank__gt=0)


def _postgres_ranked(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    """Full-text rank over name (A), category (B), description (C), plus trigram similarity."""
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        SearchVector,
        TrigramWordSimilarity,
    )

    # websearch syntax: "or" between the words, so no word is required.
    words = SearchQuery(" or ".join(terms), search_type="websearch", config="english")
    # The same expression as the GIN index in migration 0003_product_search.
    product_vector = SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="C", config="english"
    )
    category_vector = SearchVector("name", weight="B", config="english")
    category_vector_of_product = SearchVector("category__name", weight="B", config="english")
    matching_categories = Category.objects.annotate(search_vector=category_vector).filter(
        search_vector=words, pk=OuterRef("category_id")
    )
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
        .filter(Q(search_document=words) | Exists(matching_categories) | similar_names)
        .annotate(
            # numeric(12, 4): ranks that differ past the fourth decimal are equal.
            search_rank=Cast(
                rank + best_similarity * Value(SIMILARITY_WEIGHT),
                DecimalField(max_digits=12, decimal_places=4),
            )
        )
    )
