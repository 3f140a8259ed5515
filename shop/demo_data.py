"""The demo catalogue and the demo customer's orders loaded by `manage.py seed_shop`."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoCategory:
    slug: str
    name: str


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    name: str
    category: str  # a DemoCategory slug
    price: Decimal
    stock: int
    description: str
    is_active: bool = True


@dataclass(frozen=True)
class DemoOrder:
    number: str
    status: str
    days_ago: int  # backdates created_at when the order is first created
    items: tuple[tuple[str, int], ...]  # (product slug, quantity)


DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_FIRST_NAME = "Dana"
DEMO_LAST_NAME = "Shopper"
DEMO_PASSWORD_DEFAULT = "demo-shopper-2026"


CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("running", "Running"),
    DemoCategory("outdoor", "Outdoor & Rain Gear"),
    DemoCategory("coffee-kitchen", "Coffee & Kitchen"),
    DemoCategory("audio", "Audio"),
    DemoCategory("yoga-fitness", "Yoga & Fitness"),
    DemoCategory("bags-travel", "Bags & Travel"),
    DemoCategory("home-office", "Home Office"),
)


def _p(
    slug: str,
    name: str,
    category: str,
    price: str,
    stock: int,
    description: str,
    *,
    is_active: bool = True,
) -> DemoProduct:
    return DemoProduct(slug, name, category, Decimal(price), stock, description, is_active)


PRODUCTS: tuple[DemoProduct, ...] = (
    # --- Running ---
    _p(
        "trailblaze-gtx-trail-running-shoe",
        "Trailblaze GTX Trail Running Shoe",
        "running",
        "149.00",
        24,
        "Waterproof trail shoe with a grippy 5 mm lug outsole and a rock plate for technical "
        "descents. Fits true to size with a medium-width toe box.",
    ),
    _p(
        "cloudstride-road-running-shoe",
        "Cloudstride Road Running Shoe",
        "running",
        "129.95",
        41,
        "A lightweight daily trainer with a responsive foam midsole and an 8 mm drop. "
        "The breathable knit upper stays cool on long summer runs.",
    ),
    _p(
        "tempo-carbon-racing-shoe",
        "Tempo Carbon Racing Shoe",
        "running",
        "229.00",
        0,
        "Carbon-plated race-day shoe for everything from 10K to the marathon. "
        "Just 198 g with a snappy, rockered ride.",
    ),
    _p(
        "merino-running-socks-3-pack",
        "Merino Running Socks (3-pack)",
        "running",
        "24.90",
        120,
        "Thin merino-blend socks with a seamless toe and arch support. "
        "They wick sweat and don't hold odour, even after several runs.",
    ),
    _p(
        "hi-vis-reflective-running-vest",
        "Hi-Vis Reflective Running Vest",
        "running",
        "34.50",
        18,
        "Featherweight mesh vest with 360-degree reflective bands for early-morning and "
        "after-dark runs. Adjustable side straps fit over a jacket.",
    ),
    _p(
        "hydration-running-belt",
        "Hydration Running Belt",
        "running",
        "27.00",
        33,
        "Bounce-free belt with two 250 ml soft flasks and a zipped pocket that fits a large "
        "phone. Ideal for half-marathon training.",
    ),
    _p(
        "thermal-running-tights",
        "Thermal Running Tights",
        "running",
        "59.00",
        12,
        "Brushed-back tights that keep you warm down to around 0 °C. "
        "Reflective ankle details and a rear zip pocket for keys.",
    ),
    _p(
        "pace-gps-running-watch",
        "Pace GPS Running Watch",
        "running",
        "279.00",
        7,
        "Multi-band GPS watch with wrist heart rate, interval workouts and up to 14 days of "
        "battery life. Syncs training data to your phone over Bluetooth.",
    ),
    _p(
        "ultralight-running-cap",
        "Ultralight Running Cap",
        "running",
        "19.95",
        0,
        "A quick-drying, packable cap with a sweatband and a soft brim that folds into a pocket.",
    ),
    _p(
        "anti-chafe-balm-50ml",
        "Anti-Chafe Balm 50 ml",
        "running",
        "8.50",
        64,
        "Long-lasting, fragrance-free balm stick that prevents blisters and chafing on long "
        "runs and rides.",
    ),
    # --- Outdoor & Rain Gear ---
    _p(
        "stormshell-3l-rain-jacket",
        "Stormshell 3L Rain Jacket",
        "outdoor",
        "219.00",
        9,
        "Three-layer waterproof, breathable shell with taped seams, pit zips and a helmet-"
        "compatible hood. Built for days of hiking in heavy rain.",
    ),
    _p(
        "packable-rain-jacket",
        "Packable Rain Jacket",
        "outdoor",
        "79.00",
        26,
        "A 2.5-layer waterproof jacket that packs into its own chest pocket. "
        "Light enough to live in your bag for surprise showers.",
    ),
    _p(
        "waterproof-rain-trousers",
        "Waterproof Rain Trousers",
        "outdoor",
        "59.90",
        0,
        "Full-length overtrousers with ankle zips so you can pull them on over boots. "
        "Elasticated waist and a stuff sack included.",
    ),
    _p(
        "alpine-down-jacket",
        "Alpine Down Jacket",
        "outdoor",
        "189.00",
        14,
        "Responsibly sourced 700-fill down in a lightweight ripstop shell. "
        "Warm enough for winter city days and cold evenings at camp.",
    ),
    _p(
        "grid-fleece-midlayer",
        "Grid Fleece Midlayer",
        "outdoor",
        "64.00",
        30,
        "Breathable grid fleece with a half zip and thumb loops, the layer to wear under "
        "a shell when you're moving.",
    ),
    _p(
        "compact-travel-umbrella",
        "Compact Travel Umbrella",
        "outdoor",
        "22.00",
        75,
        "Wind-resistant umbrella with a fibreglass frame that folds to 24 cm. "
        "Automatic open and close at the push of a button.",
    ),
    _p(
        "ridgeline-waterproof-hiking-boots",
        "Ridgeline Waterproof Hiking Boots",
        "outdoor",
        "169.00",
        11,
        "Leather mid-height boots with a waterproof membrane and a stiff Vibram-style sole. "
        "Comfortable out of the box for multi-day treks.",
    ),
    _p(
        "carbon-trekking-poles",
        "Carbon Trekking Poles (pair)",
        "outdoor",
        "99.00",
        6,
        "Three-section carbon poles that weigh 210 g each and fold to 38 cm. "
        "Cork grips and quick-lock length adjustment.",
    ),
    _p(
        "400-lumen-headlamp",
        "400 Lumen Rechargeable Headlamp",
        "outdoor",
        "39.95",
        0,
        "USB-C rechargeable headlamp with a red night mode and a lock-out switch so it "
        "never turns on in your pack.",
    ),
    _p(
        "touchscreen-softshell-gloves",
        "Touchscreen Softshell Gloves",
        "outdoor",
        "29.50",
        40,
        "Wind-resistant gloves with conductive fingertips so you can use your phone "
        "without taking them off.",
    ),
    _p(
        "classic-wax-poncho",
        "Classic Waxed Cotton Poncho",
        "outdoor",
        "45.00",
        3,
        "A heritage waxed-cotton poncho with a deep hood. Discontinued by the maker.",
        is_active=False,
    ),
    # --- Coffee & Kitchen ---
    _p(
        "barista-pro-espresso-machine",
        "Barista Pro Espresso Machine",
        "coffee-kitchen",
        "899.00",
        4,
        "Dual-boiler espresso machine with PID temperature control, a 58 mm group head and "
        "a powerful steam wand for silky microfoam. Brew and steam at the same time.",
    ),
    _p(
        "compact-espresso-machine",
        "Compact Espresso Machine",
        "coffee-kitchen",
        "349.00",
        0,
        "Thermoblock espresso machine that heats up in 30 seconds and fits on the smallest "
        "counter. Includes pressurised and single-wall baskets.",
    ),
    _p(
        "precision-conical-burr-grinder",
        "Precision Conical Burr Grinder",
        "coffee-kitchen",
        "189.00",
        13,
        "Steel conical burrs with 40 stepped settings from espresso to French press. "
        "Low retention and a quiet motor.",
    ),
    _p(
        "manual-hand-coffee-grinder",
        "Manual Hand Coffee Grinder",
        "coffee-kitchen",
        "69.00",
        22,
        "A travel-friendly hand grinder with stainless burrs that grinds 20 g in under a "
        "minute. Great for pour-over and AeroPress.",
    ),
    _p(
        "pour-over-dripper-set",
        "Pour-Over Dripper Set",
        "coffee-kitchen",
        "34.90",
        50,
        "Ceramic cone dripper, a 600 ml glass server and 100 paper filters. "
        "Everything you need for a clean, bright cup.",
    ),
    _p(
        "gooseneck-pour-over-kettle",
        "Gooseneck Pour-Over Kettle",
        "coffee-kitchen",
        "79.00",
        17,
        "Electric kettle with a precise gooseneck spout and temperature control to the "
        "degree. Holds water at temperature for 60 minutes.",
    ),
    _p(
        "stainless-milk-frothing-jug",
        "Stainless Milk Frothing Jug 600 ml",
        "coffee-kitchen",
        "18.50",
        44,
        "A sharp-spouted pitcher for latte art, with measurement marks inside.",
    ),
    _p(
        "calibrated-espresso-tamper-58mm",
        "Calibrated Espresso Tamper 58 mm",
        "coffee-kitchen",
        "29.00",
        0,
        "Spring-loaded tamper that clicks at 15 kg for a consistent, level puck every time.",
    ),
    _p(
        "house-blend-coffee-beans-1kg",
        "House Blend Coffee Beans 1 kg",
        "coffee-kitchen",
        "27.50",
        80,
        "A medium roast of Brazilian and Ethiopian beans with notes of chocolate, hazelnut "
        "and red berries. Roasted weekly; works for espresso and filter.",
    ),
    _p(
        "espresso-machine-descaler",
        "Espresso Machine Descaler",
        "coffee-kitchen",
        "9.90",
        150,
        "Citric-acid descaling solution for two treatments. Safe for all espresso machines "
        "and kettles.",
    ),
    _p(
        "glass-french-press-1l",
        "Glass French Press 1 L",
        "coffee-kitchen",
        "39.00",
        19,
        "Borosilicate glass press with a four-layer stainless filter for sediment-free "
        "coffee. Makes up to eight cups.",
    ),
    # --- Audio ---
    _p(
        "studio-anc-over-ear-headphones",
        "Studio ANC Over-Ear Headphones",
        "audio",
        "349.00",
        16,
        "Wireless over-ear headphones with adaptive noise cancelling and 30 hours of battery "
        "life. Soft memory-foam cushions for long flights.",
    ),
    _p(
        "everyday-wireless-headphones",
        "Everyday Wireless Headphones",
        "audio",
        "129.00",
        35,
        "Light on-ear Bluetooth headphones with a fold-flat design, multipoint pairing and "
        "45 hours of playback.",
    ),
    _p(
        "sport-wireless-earbuds",
        "Sport Wireless Earbuds",
        "audio",
        "89.00",
        0,
        "Sweat-proof (IPX7) earbuds with secure ear hooks, made for running and the gym. "
        "Eight hours per charge, 24 with the case.",
    ),
    _p(
        "quietpods-noise-cancelling-earbuds",
        "QuietPods Noise-Cancelling Earbuds",
        "audio",
        "199.00",
        21,
        "True wireless earbuds with active noise cancelling, a transparency mode and "
        "wireless charging.",
    ),
    _p(
        "portable-bluetooth-speaker",
        "Portable Bluetooth Speaker",
        "audio",
        "69.00",
        48,
        "A rugged, waterproof speaker with surprisingly deep bass and 16 hours of battery. "
        "It floats, too.",
    ),
    _p(
        "active-bookshelf-speakers",
        "Active Bookshelf Speakers (pair)",
        "audio",
        "299.00",
        5,
        "Powered bookshelf speakers with Bluetooth, optical and phono inputs. "
        "Room-filling sound without a separate amplifier.",
    ),
    _p(
        "usb-c-dac-headphone-amp",
        "USB-C DAC & Headphone Amplifier",
        "audio",
        "119.00",
        8,
        "A pocket-sized DAC that drives demanding headphones from a phone or laptop, "
        "with 3.5 mm and 4.4 mm balanced outputs.",
    ),
    _p(
        "wired-studio-monitor-headphones",
        "Wired Studio Monitor Headphones",
        "audio",
        "99.00",
        19,
        "Closed-back monitoring headphones with a flat, accurate response and a detachable "
        "coiled cable. A favourite for home recording.",
    ),
    _p(
        "walnut-headphone-stand",
        "Walnut Headphone Stand",
        "audio",
        "24.00",
        27,
        "Solid walnut stand with a felt-lined cradle that keeps headband padding in shape.",
    ),
    _p(
        "retro-cassette-player",
        "Retro Cassette Player",
        "audio",
        "59.00",
        0,
        "Portable cassette player with a belt clip and wired earphones. No longer sold.",
        is_active=False,
    ),
    # --- Yoga & Fitness ---
    _p(
        "natural-rubber-yoga-mat",
        "Natural Rubber Yoga Mat 4 mm",
        "yoga-fitness",
        "79.00",
        28,
        "Grippy natural-rubber mat with a polyurethane top layer that stays non-slip "
        "even in hot yoga. 183 x 68 cm.",
    ),
    _p(
        "foldable-travel-yoga-mat",
        "Foldable Travel Yoga Mat 1.5 mm",
        "yoga-fitness",
        "45.00",
        0,
        "An ultra-thin mat that folds to the size of a paperback and weighs under a kilo.",
    ),
    _p(
        "cork-yoga-blocks-pair",
        "Cork Yoga Blocks (pair)",
        "yoga-fitness",
        "24.90",
        36,
        "Sustainable, firm cork blocks with rounded edges for support in standing and "
        "seated poses.",
    ),
    _p(
        "cotton-yoga-strap",
        "Cotton Yoga Strap 2.5 m",
        "yoga-fitness",
        "12.50",
        60,
        "A sturdy cotton strap with a metal D-ring buckle for deeper stretches.",
    ),
    _p(
        "adjustable-dumbbells-24kg",
        "Adjustable Dumbbells 2-24 kg (pair)",
        "yoga-fitness",
        "329.00",
        3,
        "Dial-adjustable dumbbells that replace fifteen pairs of weights. "
        "Change the load in seconds with the turn of a dial.",
    ),
    _p(
        "resistance-band-set",
        "Resistance Band Set",
        "yoga-fitness",
        "29.90",
        52,
        "Five stackable latex bands from 5 to 45 kg with handles, ankle straps and a door anchor.",
    ),
    _p(
        "cast-iron-kettlebell-12kg",
        "Cast Iron Kettlebell 12 kg",
        "yoga-fitness",
        "49.00",
        10,
        "A single-piece cast-iron kettlebell with a smooth, wide handle for swings and "
        "goblet squats.",
    ),
    _p(
        "high-density-foam-roller",
        "High-Density Foam Roller",
        "yoga-fitness",
        "29.00",
        23,
        "A ridged 33 cm foam roller for post-workout recovery and mobility work.",
    ),
    _p(
        "speed-jump-rope",
        "Speed Jump Rope",
        "yoga-fitness",
        "14.90",
        70,
        "Adjustable steel-cable rope with ball-bearing handles for fast double-unders.",
    ),
    _p(
        "buckwheat-meditation-cushion",
        "Buckwheat Meditation Cushion",
        "yoga-fitness",
        "39.00",
        0,
        "A round zafu filled with buckwheat hulls that shapes to you. "
        "The cotton cover is removable and washable.",
    ),
    # --- Bags & Travel ---
    _p(
        "commuter-backpack-20l",
        "Commuter Backpack 20 L",
        "bags-travel",
        "109.00",
        22,
        "Weatherproof roll-top backpack with a padded 16-inch laptop sleeve and a hidden "
        "back pocket for your passport.",
    ),
    _p(
        "summit-hiking-daypack-28l",
        "Summit Hiking Daypack 28 L",
        "bags-travel",
        "129.00",
        14,
        "Ventilated mesh back panel, hip-belt pockets, a rain cover and a hydration sleeve. "
        "Built for full days on the trail.",
    ),
    _p(
        "carry-on-travel-backpack-40l",
        "Carry-On Travel Backpack 40 L",
        "bags-travel",
        "179.00",
        0,
        "Maximum carry-on size with a clamshell opening like a suitcase and stowable "
        "shoulder straps.",
    ),
    _p(
        "hard-shell-cabin-suitcase",
        "Hard-Shell Cabin Suitcase",
        "bags-travel",
        "229.00",
        9,
        "Polycarbonate cabin case with four silent spinner wheels and a TSA-approved lock. "
        "Fits most airline overhead bins.",
    ),
    _p(
        "packing-cubes-set",
        "Packing Cubes (set of 4)",
        "bags-travel",
        "32.00",
        45,
        "Lightweight cubes in four sizes with mesh tops, so you can see what's inside at a glance.",
    ),
    _p(
        "crossbody-sling-bag",
        "Crossbody Sling Bag",
        "bags-travel",
        "49.00",
        31,
        "A compact sling for phone, wallet and keys, with a water-repellent finish and an "
        "RFID-blocking pocket.",
    ),
    _p(
        "padded-laptop-sleeve-14",
        'Padded Laptop Sleeve 14"',
        "bags-travel",
        "29.90",
        38,
        "Felt-lined sleeve with a magnetic closure and a front pocket for the charger.",
    ),
    _p(
        "waterproof-dry-bag-20l",
        "Waterproof Dry Bag 20 L",
        "bags-travel",
        "24.50",
        27,
        "Roll-top dry bag that keeps clothes and electronics dry on kayaks, boats and beaches.",
    ),
    _p(
        "hanging-toiletry-bag",
        "Hanging Toiletry Bag",
        "bags-travel",
        "21.00",
        40,
        "A toiletry organiser with a hook, a clear pocket for liquids and four compartments.",
    ),
    _p(
        "digital-luggage-scale",
        "Digital Luggage Scale",
        "bags-travel",
        "12.90",
        58,
        "Weigh your bag before the airport does. Accurate to 10 g, up to 50 kg.",
    ),
    # --- Home Office ---
    _p(
        "ergonomic-mesh-office-chair",
        "Ergonomic Mesh Office Chair",
        "home-office",
        "449.00",
        6,
        "Breathable mesh chair with adjustable lumbar support, 4D armrests and a synchro "
        "tilt. Comfortable for a full working day.",
    ),
    _p(
        "electric-standing-desk",
        "Electric Standing Desk 140 x 70 cm",
        "home-office",
        "549.00",
        2,
        "Dual-motor sit-stand desk with four memory presets and a bamboo top. "
        "Height range 62 to 127 cm.",
    ),
    _p(
        "gas-spring-monitor-arm",
        "Gas-Spring Monitor Arm",
        "home-office",
        "89.00",
        0,
        "A single monitor arm for screens up to 32 inches and 9 kg, with clamp and grommet mounts.",
    ),
    _p(
        "low-profile-mechanical-keyboard",
        "Low-Profile Mechanical Keyboard",
        "home-office",
        "139.00",
        15,
        "Wireless mechanical keyboard with quiet tactile switches, backlighting and "
        "connections to three devices.",
    ),
    _p(
        "vertical-ergonomic-mouse",
        "Vertical Ergonomic Mouse",
        "home-office",
        "59.00",
        29,
        "A handshake-grip wireless mouse that reduces wrist strain. Rechargeable over USB-C.",
    ),
    _p(
        "led-desk-lamp",
        "LED Desk Lamp with Dimmer",
        "home-office",
        "69.00",
        21,
        "Flicker-free desk lamp with adjustable colour temperature, five brightness levels "
        "and a USB charging port.",
    ),
    _p(
        "usb-c-docking-station",
        "USB-C Docking Station",
        "home-office",
        "179.00",
        12,
        "One cable for two 4K displays, Ethernet, four USB ports and 96 W laptop charging.",
    ),
    _p(
        "full-hd-webcam",
        "Full HD Webcam with Privacy Shutter",
        "home-office",
        "79.00",
        0,
        "1080p webcam with autofocus, stereo microphones and a sliding privacy shutter.",
    ),
    _p(
        "wool-felt-desk-mat",
        "Wool Felt Desk Mat",
        "home-office",
        "34.00",
        25,
        "A 90 x 40 cm merino felt mat that quietens the keyboard and keeps the mouse smooth.",
    ),
    _p(
        "dotted-a5-notebook",
        "Dotted A5 Notebook",
        "home-office",
        "5.50",
        200,
        "A lay-flat notebook with 160 pages of 100 g dotted paper that handles fountain pens.",
    ),
)


DEMO_ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(
        "ORD-10042",
        "delivered",
        41,
        (("cloudstride-road-running-shoe", 1), ("merino-running-socks-3-pack", 2)),
    ),
    DemoOrder(
        "ORD-10057",
        "shipped",
        6,
        (("studio-anc-over-ear-headphones", 1), ("walnut-headphone-stand", 1)),
    ),
    DemoOrder(
        "ORD-10063",
        "paid",
        2,
        (
            ("natural-rubber-yoga-mat", 1),
            ("cork-yoga-blocks-pair", 1),
            ("cotton-yoga-strap", 1),
        ),
    ),
    DemoOrder(
        "ORD-10071",
        "cancelled",
        12,
        (("barista-pro-espresso-machine", 1), ("house-blend-coffee-beans-1kg", 2)),
    ),
)
