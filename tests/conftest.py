import pytest

from tests import services


@pytest.fixture
def redis_url() -> str:
    services.need("redis")
    return services.REDIS_URL


@pytest.fixture
def postgres_url() -> str:
    services.need("postgres")
    return services.DATABASE_URL


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        "services: postgres={} redis={} require_services={}".format(
            "yes" if services.HAS_POSTGRES else "no (SQLite)",
            "yes" if services.HAS_REDIS else "no (in-memory layer)",
            services.REQUIRE_SERVICES,
        )
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "needs " in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep("=", f"{len(skipped)} tests skipped: services not configured")
        terminalreporter.write_line(
            "Set DATABASE_URL=postgres://... and REDIS_URL=redis://... to run them "
            "(bash .ci/run does this and fails on any such skip)."
        )


@pytest.fixture
def catalogue(db):  # type: ignore[no-untyped-def]
    """A small real catalogue: two categories, a few products, one out of stock."""
    from decimal import Decimal

    from shop.models import Category, Product

    shoes = Category.objects.create(name="Footwear", slug="footwear")
    outdoor = Category.objects.create(name="Outdoor", slug="outdoor")
    products = [
        Product(
            name="Trail Runner 2",
            slug="trail-runner-2",
            price=Decimal("89.00"),
            stock=12,
            category=shoes,
            description="Light running shoes with a grippy sole.",
        ),
        Product(
            name="Road Racer",
            slug="road-racer",
            price=Decimal("129.00"),
            stock=0,
            category=shoes,
            description="Fast running shoes for the road.",
        ),
        Product(
            name="Storm Rain Jacket",
            slug="storm-rain-jacket",
            price=Decimal("149.00"),
            stock=4,
            category=outdoor,
            description="Waterproof rain jacket.",
        ),
    ]
    Product.objects.bulk_create(products)
    return {"categories": [shoes, outdoor], "products": list(Product.objects.all())}


@pytest.fixture(scope="session", autouse=True)
def _asgi_application_loaded() -> None:
    """Import the ASGI app once, first: get_asgi_application() runs django.setup(), which
    re-applies LOGGING and would drop the log handlers of whichever test imported it."""
    import config.asgi  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _close_worker_thread_connections(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Async code reaches the ORM through asgiref's one sync thread and the chat's database
    threads, each of which keeps its own connection; close them before the test database is
    dropped."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from chat import db_calls

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    db_calls.close_connections()
