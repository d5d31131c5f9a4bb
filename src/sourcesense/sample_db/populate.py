"""Create and populate the SourceSense demo database ``sample_db``.

All data is generated deterministically (seeded ``random.Random`` instances, timestamps
in 2024-01..2024-04), so loading twice yields identical data.  The same rows can be
rendered as a self-contained psql script (``render_sample_sql``); that is how
``docker/sample_db/init.sql`` is produced::

    python -m sourcesense.sample_db.populate render docker/sample_db/init.sql
    python -m sourcesense.sample_db.populate load postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql

Row = tuple[object, ...]
Leaf = tuple[int, int, int, str, list[str]]  # category id, min price, max price, top, nouns


def _words(text: str, sep: str | None = None) -> list[str]:
    return [word.strip() for word in text.split(sep) if word.strip()]


SEED = 20240501
SCHEMAS = ("analytics", "ecommerce", "reporting")
TABLES = tuple(
    _words(
        "ecommerce.users ecommerce.categories ecommerce.products ecommerce.addresses "
        "ecommerce.orders ecommerce.order_items analytics.product_views analytics.user_events "
        "analytics.sales_summary reporting.daily_sales reporting.monthly_revenue "
        "reporting.product_performance"
    )
)
MATVIEWS = ("analytics.category_sales_mv",)
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 4, 30, 23, 59, 59, tzinfo=UTC)

_FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Emma "
    "Olivia Liam Noah Sophia Lucas Mia Ethan Amelia Hannah Lukas Lena Jonas Leon Anna Hugo "
    "Chloé Louis Camille Sven Ingrid Mateo Lucía Pablo Carmen Giulia Marco Sofia Yuki Haruto "
    "Aiko Aarav Priya Zoë Noémie Björn Siobhán Kwame Amara"
)
_LAST = _words(
    "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Lopez|Wilson|"
    "Anderson|Taylor|Thomas|Moore|Jackson|Martin|Lee|Thompson|White|Harris|Clark|Lewis|Walker|"
    "Young|Allen|King|Wright|Scott|Green|Baker|Adams|Nelson|Hill|Campbell|Mitchell|Carter|"
    "O'Connor|O'Brien|Müller|Schmidt|Schneider|Fischer|Weber|Dubois|Laurent|Moreau|Rossi|Russo|"
    "Bianchi|Fernández|González|Sánchez|Tanaka|Suzuki|Sato|Patel|Sharma|Jansen|van Dijk|Mensah",
    "|",
)
_DOMAINS = _words("example.com example.net example.org mail.example.com inbox.example.org")
_STREETS = _words(
    "Main Street|Oak Avenue|Maple Drive|Cedar Lane|Park Road|High Street|Elm Street|"
    "Station Road|Church Lane|Lake View|Sunset Boulevard|River Road|Mill Lane|Harbour Way",
    "|",
)
_BRANDS = _words("Acme Nimbus Vertex Orion Lumen Polar Terra Zenith Aurora Summit Kestrel Nova")
_ADJECTIVES = _words("Classic Pro Ultra Compact Deluxe Essential Premium Smart Eco Lite Sport")
_NOTES = _words(
    "Please leave at the front door.|Gift wrap, please.\nCard: Happy birthday, Anna!|"
    "Ring the bell twice|Deliver after 5pm|Fragile \u2013 handle with care",
    "|",
)
_SEARCHES = _words("headphones|tent|gift ideas|coffee|yoga mat|desk|novel|serum", "|")
_EVENTS = _words(
    "login logout search page_view add_to_cart remove_from_cart checkout_started purchase"
)
_EVENT_WEIGHTS = (14, 6, 16, 38, 12, 3, 6, 5)
_STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
_DIAL = dict(
    pair.split("=") for pair in _words("US=1 CA=1 GB=44 DE=49 FR=33 NL=31 ES=34 IT=39 AU=61 JP=81")
)
# city|region|country|postal pattern (# digit, @ letter)|latitude|longitude|weight
_CITIES = [
    line.split("|")
    for line in _words(
        """
New York|NY|US|100##|40.7128|-74.0060|8
Los Angeles|CA|US|900##|34.0522|-118.2437|6
Chicago|IL|US|606##|41.8781|-87.6298|5
Houston|TX|US|770##|29.7604|-95.3698|4
Seattle|WA|US|981##|47.6062|-122.3321|3
Boston|MA|US|021##|42.3601|-71.0589|3
Toronto|ON|CA|M#@ #@#|43.6532|-79.3832|3
Vancouver|BC|CA|V6@ #@#|49.2827|-123.1207|2
London|England|GB|SW# #@@|51.5074|-0.1278|5
Manchester|England|GB|M# #@@|53.4808|-2.2426|2
Berlin|Berlin|DE|10###|52.5200|13.4050|3
München|Bayern|DE|80###|48.1351|11.5820|2
Paris|Île-de-France|FR|750##|48.8566|2.3522|3
Lyon|Auvergne-Rhône-Alpes|FR|690##|45.7640|4.8357|1
Amsterdam|Noord-Holland|NL|10## @@|52.3676|4.9041|2
Madrid|Madrid|ES|280##|40.4168|-3.7038|2
Barcelona|Catalonia|ES|080##|41.3874|2.1686|2
Milano|Lombardia|IT|201##|45.4642|9.1900|2
Sydney|NSW|AU|2###|-33.8688|151.2093|2
Melbourne|VIC|AU|3###|-37.8136|144.9631|2
Tokyo|Tokyo|JP|1##-####|35.6762|139.6503|2
""",
        "\n",
    )
]
# top-level category;min price;max price;child=noun|noun;...
_TAXONOMY = """
Electronics;15;1500;Smartphones=Smartphone|Phone;Laptops=Laptop|Notebook;Audio=Headphones|Earbuds|Speaker;Cameras=Camera|Action Camera|Lens
Home & Kitchen;8;600;Cookware=Frying Pan|Saucepan|Dutch Oven;Appliances=Blender|Toaster|Coffee Maker|Kettle;Furniture=Chair|Desk|Bookshelf;Bedding=Duvet|Pillow|Sheet Set
Books;5;80;Fiction=Novel|Short Stories;Non-Fiction=Biography|History;Children's Books=Picture Book|Activity Book;Cookbooks=Cookbook|Baking Guide
Clothing;10;300;Men's Clothing=Shirt|Jacket|Chinos;Women's Clothing=Dress|Blouse|Coat;Shoes=Sneakers|Boots|Sandals;Accessories=Scarf|Belt|Cap
Sports & Outdoors;10;900;Fitness=Yoga Mat|Dumbbell Set|Kettlebell;Camping=Tent|Sleeping Bag|Lantern;Cycling=Bike Helmet|Bike Light|Road Bike;Running=Running Shoes|Running Vest
Toys & Games;5;250;Board Games=Board Game|Card Game;Puzzles=Jigsaw Puzzle|3D Puzzle;Building Sets=Building Set|Construction Kit;Dolls & Figures=Doll|Action Figure
Beauty;4;150;Skincare=Moisturizer|Serum|Cleanser;Hair Care=Shampoo|Conditioner|Hair Dryer;Fragrance=Eau de Parfum|Cologne;Makeup=Lipstick|Mascara|Foundation
Garden;5;700;Garden Tools=Pruner|Shovel|Rake;Plants & Seeds=Seed Kit|Herb Planter;Outdoor Furniture=Patio Chair|Garden Bench;Watering=Garden Hose|Watering Can|Sprinkler
Office Supplies;2;400;Writing=Pen Set|Journal|Fountain Pen;Desk Accessories=Desk Organizer|Monitor Stand;Paper=Printer Paper|Sticky Notes;Office Chairs=Office Chair|Ergonomic Chair
Pet Supplies;3;250;Dog Supplies=Dog Bed|Dog Leash|Chew Toy;Cat Supplies=Cat Tree|Scratching Post|Litter Box;Aquarium=Aquarium Filter|Fish Tank;Pet Food=Dry Dog Food|Cat Food
"""  # noqa: E501

# Fills the derived tables (analytics.sales_summary, reporting.*) once the base data is loaded.
REFRESH_SQL = "CALL reporting.refresh_reports()"


@dataclass(frozen=True)
class CopyBlock:
    """Rows for one ``COPY table (columns) FROM STDIN``; identity ids are 1..n in row order."""

    table: str
    columns: tuple[str, ...]
    rows: list[Row]


def schema_sql() -> str:
    """Return the DDL script (``schema.sql``) shipped with this package."""
    return resources.files("sourcesense.sample_db").joinpath("schema.sql").read_text("utf-8")


def _block(table: str, columns: str, rows: list[Row]) -> CopyBlock:
    return CopyBlock(table, tuple(_words(columns)), rows)


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")  # noqa: S311 - reproducible demo data, not crypto


def _n(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def _ts(rng: random.Random, lo: datetime, hi: datetime = END) -> datetime:
    """A whole-second timestamp in [lo, hi)."""
    return lo + timedelta(seconds=rng.randrange(max(1, int((hi - lo).total_seconds()))))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in decomposed.lower() if ch.isalnum())


def _slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.lower().replace("'", ""))
    return "-".join(cleaned.split())


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _postal(rng: random.Random, pattern: str) -> str:
    digit = {"#": "0123456789", "@": "ABCDEFGHJKLMNPRSTUVWXYZ"}
    return "".join(rng.choice(digit[ch]) if ch in digit else ch for ch in pattern)


def _users(n: int) -> tuple[CopyBlock, list[datetime], list[list[str]]]:
    """Users in sign-up order; also returns their sign-up times and home cities."""
    rng, taken, rows, homes = _rng("users"), set[str](), list[Row](), list[list[str]]()
    weights = [int(city[6]) for city in _CITIES]
    first_signup = datetime(2022, 6, 1, tzinfo=UTC)
    created = sorted(_ts(rng, first_signup, END - timedelta(days=15)) for _ in range(n))
    for i, created_at in enumerate(created, start=1):
        first, last, city = rng.choice(_FIRST), rng.choice(_LAST), rng.choices(_CITIES, weights)[0]
        homes.append(city)
        local = f"{_ascii(first)}.{_ascii(last)}"
        if local in taken or rng.random() < 0.3:
            local = f"{local}{i}"
        taken.add(local)
        phone = f"+{_DIAL[city[2]]} 555 {rng.randrange(10000):04d}" if rng.random() < 0.7 else None
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        updated = _ts(rng, created_at) if rng.random() < 0.4 else created_at
        email = f"{local}@{rng.choice(_DOMAINS)}"
        active, opt_in = rng.random() < 0.95, rng.random() < 0.35
        dob = birth if rng.random() < 0.8 else None
        rows.append((email, first, last, phone, dob, city[2], active, opt_in, created_at, updated))
    columns = "email first_name last_name phone date_of_birth country_code is_active "
    columns += "marketing_opt_in created_at updated_at"
    return _block("ecommerce.users", columns, rows), created, homes


def _categories() -> tuple[CopyBlock, list[Leaf]]:
    """A fixed two-level taxonomy (10 top-level categories with 4 children each)."""
    rows, leaves = list[Row](), list[Leaf]()
    for line in _words(_TAXONOMY, "\n"):
        top, lo, hi, *children = line.split(";")
        top_id = len(rows) + 1
        rows.append((None, top, _slug(top), f"All {top.lower()}", len(leaves) // 4))
        for sort, child in enumerate(children):
            name, nouns = child.split("=")
            rows.append((top_id, name, _slug(f"{top} {name}"), None, sort))
            leaves.append((len(rows), int(lo), int(hi), top, nouns.split("|")))
    columns = "parent_id name slug description sort_order"
    return _block("ecommerce.categories", columns, rows), leaves


def _products(n: int, leaves: list[Leaf]) -> tuple[CopyBlock, list[Decimal]]:
    rng, rows, prices = _rng("products"), list[Row](), list[Decimal]()
    for i in range(1, n + 1):
        cat_id, lo, hi, top, nouns = rng.choice(leaves)
        brand, adj, noun = rng.choice(_BRANDS), rng.choice(_ADJECTIVES), rng.choice(nouns)
        price = _money(int(lo * (hi / lo) ** rng.random()) + 0.99)
        prices.append(price)
        cost = _money(float(price) * rng.uniform(0.35, 0.75)) if rng.random() < 0.9 else None
        created = _ts(rng, datetime(2023, 1, 1, tzinfo=UTC), START)
        tags = sorted(rng.sample(["bestseller", "new", "eco", "sale", "gift"], rng.randrange(3)))
        colour = rng.choice(["black", "white", "red", "blue", "green"])
        attributes = json.dumps({"color": colour, "warranty_months": rng.choice([0, 12, 24])})
        desc = f"{adj} {noun.lower()} by {brand}." if rng.random() < 0.85 else None
        stock, weight, active = rng.randrange(500), rng.randrange(50, 5000), rng.random() < 0.95
        rows.append((cat_id, f"{top[:3].upper()}-{i:05d}", f"{brand} {adj} {noun}", desc))
        rows[-1] += (price, cost, stock, weight, active, tags, attributes, created)
        rows[-1] += (_ts(rng, created),)
    columns = "category_id sku name description price cost stock_quantity weight_grams "
    columns += "is_active tags attributes created_at updated_at"
    return _block("ecommerce.products", columns, rows), prices


def _addresses(
    n: int, created: list[datetime], homes: list[list[str]]
) -> tuple[CopyBlock, dict[int, list[int]]]:
    """One default address in the user's home city per user; the rest go to random users."""
    rng, rows, by_user = _rng("addresses"), list[Row](), dict[int, list[int]]()
    owners = list(range(1, len(created) + 1))
    owners += rng.choices(owners, k=max(0, n - len(owners)))
    weights = [int(city[6]) for city in _CITIES]
    for address_id, user_id in enumerate(sorted(owners), start=1):
        is_default = user_id not in by_user
        by_user.setdefault(user_id, []).append(address_id)
        where = homes[user_id - 1] if is_default else rng.choices(_CITIES, weights)[0]
        city, region, country, pattern, lat, lon, _ = where
        label = "home" if is_default else rng.choice(["work", "other"])
        line1 = f"{rng.randrange(1, 999)} {rng.choice(_STREETS)}"
        line2 = f"Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.3 else None
        d_lat, d_lon = (Decimal(rng.randrange(-5000, 5000)) / 100000 for _ in range(2))
        point = f"({Decimal(lat) + d_lat},{Decimal(lon) + d_lon})"
        since = created[user_id - 1]
        at = _ts(rng, since, since + timedelta(days=30))
        postal = _postal(rng, pattern)
        rows.append((user_id, label, line1, line2, city, region, postal, country, is_default))
        rows[-1] += (point, at)
    columns = "user_id label line1 line2 city region postal_code country_code is_default "
    columns += "location created_at"
    return _block("ecommerce.addresses", columns, rows), by_user


def _items_per_order(rng: random.Random, n_orders: int, n_items: int, cap: int) -> list[int]:
    counts, extra = [1] * n_orders, min(n_items, n_orders * cap) - n_orders
    while extra > 0:
        i = rng.randrange(n_orders)
        if counts[i] < cap:
            counts[i], extra = counts[i] + 1, extra - 1
    return counts


def _orders(
    sizes: tuple[int, int],
    created: list[datetime],
    by_user: dict[int, list[int]],
    prices: list[Decimal],
    cum_popularity: list[float],
) -> tuple[CopyBlock, CopyBlock]:
    """``sizes`` is (orders, items); orders get increasing ids in creation order."""
    rng, orders, items = _rng("orders"), list[Row](), list[Row]()
    users = rng.choices(
        range(1, len(created) + 1), [rng.random() ** 3 for _ in created], k=sizes[0]
    )
    heads = sorted((_ts(rng, max(START, created[user - 1])), user) for user in users)
    counts = _items_per_order(rng, sizes[0], sizes[1], min(8, len(prices)))
    product_ids = range(1, len(prices) + 1)
    for order_id, ((at, user_id), count) in enumerate(zip(heads, counts, strict=True), start=1):
        chosen: dict[int, None] = {}
        while len(chosen) < count:
            chosen[rng.choices(product_ids, cum_weights=cum_popularity)[0]] = None
        subtotal = Decimal(0)
        for product_id in chosen:
            price = prices[product_id - 1]
            unit = price if rng.random() < 0.85 else _money(float(price) * 0.85)
            qty = rng.choices((1, 2, 3, 4), (70, 20, 7, 3))[0]
            subtotal += unit * qty
            items.append((order_id, product_id, qty, unit))
        status = rng.choices(_STATUSES, (5, 10, 15, 62, 8))[0]
        shipped = delivered = None
        if status in ("shipped", "delivered"):
            shipped = at + timedelta(hours=rng.randrange(6, 72))
        if shipped and status == "delivered":
            delivered = shipped + timedelta(hours=rng.randrange(24, 150))
        payment = rng.choice(["card", "card", "paypal", "bank_transfer", "gift_card"])
        shipping = Decimal(0 if subtotal >= 50 else rng.choice(["4.99", "7.99"]))
        note = rng.choice(_NOTES) if rng.random() < 0.06 else None
        address = rng.choice(by_user[user_id])
        orders.append((user_id, address, status, payment, shipping, note, at))
        orders[-1] += (delivered or shipped or at, shipped, delivered)
    columns = "user_id shipping_address_id status payment_method shipping_cost notes "
    columns += "created_at updated_at shipped_at delivered_at"
    order_block = _block("ecommerce.orders", columns, orders)
    return order_block, _block(
        "ecommerce.order_items", "order_id product_id quantity unit_price", items
    )


def _product_views(n: int, created: list[datetime], cum_popularity: list[float]) -> CopyBlock:
    rng, timed = _rng("product_views"), list[tuple[datetime, Row]]()
    product_ids = range(1, len(cum_popularity) + 1)
    for _ in range(n):
        user = rng.randrange(1, len(created) + 1) if rng.random() < 0.75 else None
        at = _ts(rng, max(START, created[user - 1]) if user else START)
        product = rng.choices(product_ids, cum_weights=cum_popularity)[0]
        session = uuid.UUID(int=rng.getrandbits(128), version=4)
        referrer = rng.choice(["search", "direct", "email", "social", "ads", None])
        device = rng.choices(["desktop", "mobile", "tablet"], (45, 45, 10))[0]
        seconds = int(rng.expovariate(1 / 45))
        timed.append((at, (product, user, session, at, referrer, device, seconds)))
    timed.sort(key=lambda entry: entry[0])  # stable: ties keep their generation order
    columns = "product_id user_id session_id viewed_at referrer device_type duration_seconds"
    return _block("analytics.product_views", columns, [row for _, row in timed])


def _user_events(n: int, created: list[datetime], n_products: int) -> CopyBlock:
    """Events in 2024-01..04 plus ~4% in May 2024, which land in the DEFAULT partition."""
    rng, timed = _rng("user_events"), list[tuple[datetime, Row]]()
    weights = [rng.random() ** 2 for _ in created]
    for user in rng.choices(range(1, len(created) + 1), weights, k=n):
        kind = rng.choices(_EVENTS, _EVENT_WEIGHTS)[0]
        may = rng.random() < 0.04
        lo = END + timedelta(seconds=1) if may else max(START, created[user - 1])
        at = _ts(rng, lo, lo + timedelta(days=14) if may else END)
        props: dict[str, object] = {"device": rng.choice(["web", "ios", "android"])}
        if kind == "search":
            props["query"] = rng.choice(_SEARCHES)
        elif kind in ("page_view", "add_to_cart", "remove_from_cart"):
            props["product_id"] = rng.randrange(1, n_products + 1)
        ip = f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randrange(1, 255)}"
        timed.append((at, (user, kind, at, ip, json.dumps(props, sort_keys=True))))
    timed.sort(key=lambda entry: entry[0])
    columns = "user_id event_type occurred_at ip_address properties"
    return _block("analytics.user_events", columns, [row for _, row in timed])


def generate_data(scale: float = 1.0) -> list[CopyBlock]:
    """Base-table rows in FK dependency order; the category taxonomy does not scale."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    users, created, homes = _users(_n(2000, scale))
    categories, leaves = _categories()
    products, prices = _products(_n(1000, scale), leaves)
    addresses, by_user = _addresses(_n(3000, scale), created, homes)
    n_orders = _n(5000, scale)
    sizes = (n_orders, max(n_orders, _n(12000, scale)))
    popular = _rng("popularity")
    cum_popularity = list(itertools.accumulate(popular.random() ** 2 for _ in prices))
    orders, items = _orders(sizes, created, by_user, prices, cum_popularity)
    views = _product_views(_n(8000, scale), created, cum_popularity)
    events = _user_events(_n(10000, scale), created, len(prices))
    return [users, categories, products, addresses, orders, items, views, events]


def _drop_sql() -> str:
    # sample_db is exactly its three schemas: the empty default `public` goes too.
    return f"DROP SCHEMA IF EXISTS public, {', '.join(SCHEMAS)} CASCADE"


def _qualified(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))


def _copy_in(cur: psycopg.Cursor[tuple[object, ...]], block: CopyBlock) -> None:
    columns = sql.SQL(", ").join(map(sql.Identifier, block.columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(_qualified(block.table), columns)
    with cur.copy(statement) as copy:
        for row in block.rows:
            copy.write_row(row)


def load_rows(cur: psycopg.Cursor[tuple[object, ...]], blocks: list[CopyBlock]) -> None:
    """COPY the generated rows into the tables schema.sql created."""
    for block in blocks:
        _copy_in(cur, block)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """Render one value in COPY text format (the same value the live load sends)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, list):
        quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in value)
        text = "{" + ",".join(f'"{v}"' for v in quoted) + "}"
    else:
        text = str(value)
    return text.translate(_COPY_ESCAPES)


def render_sample_sql(scale: float = 1.0) -> str:
    """Render schema and data as one deterministic psql script (docker-entrypoint-initdb.d)."""
    out = [
        "-- Generated by `python -m sourcesense.sample_db.populate render`; do not edit.",
        f"-- SourceSense demo database sample_db, scale={scale!r}; run with psql -f.",
        "\\set ON_ERROR_STOP on",
        "SET client_encoding = 'UTF8';",
        "SET standard_conforming_strings = on;",
        "BEGIN;",
        f"{_drop_sql()};",
        schema_sql().strip(),
    ]
    for block in generate_data(scale):
        out.append(f"\nCOPY {block.table} ({', '.join(block.columns)}) FROM stdin;")
        out.extend("\t".join(map(_copy_text, row)) for row in block.rows)
        out.append("\\.")
    out += [f"\n{REFRESH_SQL};", "COMMIT;", "ANALYZE;"]
    out += [f"REFRESH MATERIALIZED VIEW {matview};" for matview in MATVIEWS]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``load CONNINFO [--database D] [--scale S]`` or ``render PATH [--scale S]``."""
    parser = argparse.ArgumentParser(prog="python -m sourcesense.sample_db.populate")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="create or replace the demo data in a database")
    load.add_argument("conninfo", help="libpq connection string or URL of an existing database")
    load.add_argument("--database", default="sample_db")
    render = commands.add_parser("render", help="write schema and data as a psql script")
    render.add_argument("output", type=Path)
    for sub in (load, render):
        sub.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.command == "load":
        from sourcesense.sample_db import load_sample_db  # noqa: PLC0415 (loading imports us)

        for table, count in load_sample_db(args.conninfo, args.database, args.scale).items():
            print(f"{table:32} {count:>8}")
    else:
        args.output.write_text(render_sample_sql(args.scale), encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
