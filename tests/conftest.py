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
