"""Read GET /metrics through the real ASGI application, as Prometheus does."""

from dataclasses import dataclass
from typing import Any

from channels.testing import HttpCommunicator
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-tests-0123456789"


async def get_metrics(
    *, token: str | None = TOKEN, host: bytes = b"10.0.0.7:8000", method: str = "GET"
) -> dict[str, Any]:
    """The raw response to one request; `host` is a pod address, as Prometheus sends it."""
    from config.asgi import application

    headers = [(b"host", host)]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return await HttpCommunicator(application, method, "/metrics", headers=headers).get_response()


@dataclass(frozen=True)
class Scrape:
    """Every sample of one scrape: (sample name, labels) -> value."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        return {dict(labels)[label] for sample, labels in self.samples if sample == name}

    def since(self, before: "Scrape", name: str, **labels: str) -> float:
        """How much a counter (or a histogram's _count or _sum) grew since `before`."""
        return self.value(name, **labels) - before.value(name, **labels)


async def scrape() -> Scrape:
    response = await get_metrics()
    assert response["status"] == 200, response
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response["body"].decode())
        for sample in family.samples
    }
    return Scrape(samples)
