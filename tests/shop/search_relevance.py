"""Shopper questions against the seeded catalogue (`shop.demo_data`), with the products a
person would expect to see. The whole question is the query: filler words are the search's
job; price phrases are the caller's (the tool passes them as min/max price), so they are
given here as the tool would."""

from decimal import Decimal
from typing import Any, NamedTuple


class Case(NamedTuple):
    question: str
    expected: tuple[str, ...]  # product slugs, any order
    filters: dict[str, Any] = {}


CASES: tuple[Case, ...] = (
    Case(
        "running shoes",
        (
            "trailblaze-gtx-trail-running-shoe",
            "cloudstride-road-running-shoe",
            "tempo-carbon-racing-shoe",
        ),
    ),
    Case(
        "runing shoes",
        (
            "trailblaze-gtx-trail-running-shoe",
            "cloudstride-road-running-shoe",
        ),
    ),
    Case(
        "I need a gift for a runner under 150 euros",
        (
            "trailblaze-gtx-trail-running-shoe",
            "cloudstride-road-running-shoe",
            "merino-running-socks-3-pack",
            "hydration-running-belt",
            "thermal-running-tights",
            "hi-vis-reflective-running-vest",
        ),
        {"max_price": Decimal("150")},
    ),
    Case(
        "gift for a coffee lover",
        (
            "house-blend-coffee-beans-1kg",
            "manual-hand-coffee-grinder",
            "pour-over-dripper-set",
            "glass-french-press-1l",
        ),
    ),
    Case(
        "waterproof jacket for hiking",
        (
            "stormshell-3l-rain-jacket",
            "packable-rain-jacket",
        ),
    ),
    Case(
        "cheap headphones",
        (
            "everyday-wireless-headphones",
            "wired-studio-monitor-headphones",
        ),
        {"max_price": Decimal("150")},
    ),
    Case(
        "hedphones",
        (
            "studio-anc-over-ear-headphones",
            "everyday-wireless-headphones",
            "wired-studio-monitor-headphones",
        ),
    ),
    Case(
        "noise cancelling headphones for flights",
        (
            "studio-anc-over-ear-headphones",
            "quietpods-noise-cancelling-earbuds",
        ),
    ),
    Case(
        "wireless earbuds for the gym",
        (
            "sport-wireless-earbuds",
            "quietpods-noise-cancelling-earbuds",
        ),
    ),
    Case("espresso machine", ("barista-pro-espresso-machine", "compact-espresso-machine")),
    Case("expresso machine", ("barista-pro-espresso-machine", "compact-espresso-machine")),
    Case("coffee grinder", ("precision-conical-burr-grinder", "manual-hand-coffee-grinder")),
    Case(
        "something to make pour over coffee",
        (
            "pour-over-dripper-set",
            "gooseneck-pour-over-kettle",
        ),
    ),
    Case("kettle", ("gooseneck-pour-over-kettle",)),
    Case("coffee beans", ("house-blend-coffee-beans-1kg",)),
    Case("french press", ("glass-french-press-1l",)),
    Case("how do I descale my espresso machine", ("espresso-machine-descaler",)),
    Case("milk jug for latte art", ("stainless-milk-frothing-jug",)),
    Case("rain jacket", ("stormshell-3l-rain-jacket", "packable-rain-jacket")),
    Case("hiking boots", ("ridgeline-waterproof-hiking-boots",)),
    Case("walking poles for trekking", ("carbon-trekking-poles",)),
    Case("a warm jacket for winter", ("alpine-down-jacket",)),
    Case("umbrella", ("compact-travel-umbrella",)),
    Case("headlamp for camping", ("400-lumen-headlamp",)),
    Case("gloves that work with my phone", ("touchscreen-softshell-gloves",)),
    Case("yoga mat", ("natural-rubber-yoga-mat", "foldable-travel-yoga-mat")),
    Case("yoga mat for travelling", ("foldable-travel-yoga-mat",)),
    Case(
        "yoga",
        (
            "natural-rubber-yoga-mat",
            "foldable-travel-yoga-mat",
            "cork-yoga-blocks-pair",
            "cotton-yoga-strap",
        ),
    ),
    Case(
        "weights for home workouts",
        (
            "adjustable-dumbbells-24kg",
            "cast-iron-kettlebell-12kg",
            "resistance-band-set",
        ),
    ),
    Case("kettlebell", ("cast-iron-kettlebell-12kg",)),
    Case("dumbells", ("adjustable-dumbbells-24kg",)),
    Case("foam roller for recovery", ("high-density-foam-roller",)),
    Case("jump rope", ("speed-jump-rope",)),
    Case("meditation cushion", ("buckwheat-meditation-cushion",)),
    Case("backpack for my laptop", ("commuter-backpack-20l", "padded-laptop-sleeve-14")),
    Case("hiking backpack", ("summit-hiking-daypack-28l",)),
    Case("carry-on suitcase", ("hard-shell-cabin-suitcase", "carry-on-travel-backpack-40l")),
    Case("packing cubes", ("packing-cubes-set",)),
    Case("dry bag for kayaking", ("waterproof-dry-bag-20l",)),
    Case("scale to weigh my luggage", ("digital-luggage-scale",)),
    Case("office chair", ("ergonomic-mesh-office-chair",)),
    Case("standing desk", ("electric-standing-desk",)),
    Case("mechanical keyboard", ("low-profile-mechanical-keyboard",)),
    Case("ergonomic mouse", ("vertical-ergonomic-mouse",)),
    Case("webcam for video calls", ("full-hd-webcam",)),
    Case("desk lamp", ("led-desk-lamp",)),
    Case("docking station for two monitors", ("usb-c-docking-station",)),
    Case("notebook", ("dotted-a5-notebook",)),
    Case("keyboard", ("low-profile-mechanical-keyboard",)),
    Case("bluetooth speaker", ("portable-bluetooth-speaker", "active-bookshelf-speakers")),
    Case("speakers", ("portable-bluetooth-speaker", "active-bookshelf-speakers")),
    Case("running watch with gps", ("pace-gps-running-watch",)),
    Case("socks for running", ("merino-running-socks-3-pack",)),
    Case("something to stop blisters", ("anti-chafe-balm-50ml",)),
    Case("reflective vest for running in the dark", ("hi-vis-reflective-running-vest",)),
    Case(
        "outdoor gear",
        (
            "stormshell-3l-rain-jacket",
            "packable-rain-jacket",
            "alpine-down-jacket",
            "ridgeline-waterproof-hiking-boots",
            "grid-fleece-midlayer",
            "compact-travel-umbrella",
            "carbon-trekking-poles",
            "touchscreen-softshell-gloves",
            "waterproof-rain-trousers",
            "400-lumen-headlamp",
        ),
    ),
    Case(
        "audio",
        (
            "studio-anc-over-ear-headphones",
            "everyday-wireless-headphones",
            "quietpods-noise-cancelling-earbuds",
            "portable-bluetooth-speaker",
            "active-bookshelf-speakers",
            "usb-c-dac-headphone-amp",
            "wired-studio-monitor-headphones",
            "walnut-headphone-stand",
            "sport-wireless-earbuds",
        ),
    ),
    Case(
        "home office",
        (
            "ergonomic-mesh-office-chair",
            "electric-standing-desk",
            "gas-spring-monitor-arm",
            "low-profile-mechanical-keyboard",
            "vertical-ergonomic-mouse",
            "led-desk-lamp",
            "usb-c-docking-station",
            "full-hd-webcam",
            "wool-felt-desk-mat",
            "dotted-a5-notebook",
        ),
    ),
    Case(
        "travel bags",
        (
            "commuter-backpack-20l",
            "summit-hiking-daypack-28l",
            "carry-on-travel-backpack-40l",
            "hard-shell-cabin-suitcase",
            "crossbody-sling-bag",
            "hanging-toiletry-bag",
            "packing-cubes-set",
            "waterproof-dry-bag-20l",
        ),
    ),
    Case("do you have a stand for my headphones", ("walnut-headphone-stand",)),
    Case("amp for headphones", ("usb-c-dac-headphone-amp",)),
    Case("fleece", ("grid-fleece-midlayer",)),
    Case("waterproof trousers", ("waterproof-rain-trousers",)),
)


def top_slugs(search, case: Case, k: int = 5) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.slug for p in search(query=case.question, **case.filters)[:k]]


def measure(search, k: int = 5) -> tuple[float, float, list[tuple[Case, list[str]]]]:  # type: ignore[no-untyped-def]
    """(recall@k, mean expected share@k, misses).

    recall@k: the share of questions with at least one expected product in the top k.
    expected share@k: per question, the share of its expected products in the top k (capped
    at k expected), averaged."""
    hits, share, misses = 0, 0.0, []
    for case in CASES:
        top = top_slugs(search, case, k)
        found = len(set(top) & set(case.expected))
        hits += found > 0
        share += found / min(k, len(case.expected))
        if not found:
            misses.append((case, top))
    return hits / len(CASES), share / len(CASES), misses
