"""Prometheus metrics of one bot process (prometheus-client), served at /metrics (bot.ops).

Three kinds, each at the cheapest place to count it:

- counted as things happen: updates by type and outcome with the handler's latency (an
  update middleware), scheduled feed polls by outcome;
- read from live objects at each scrape: deliveries by final status (the delivery worker's own
  tallies), 429 answers (the pacer sees every one), whether this process holds the lease;
- read from the database before each scrape, at most every few seconds: the outbox's depth and
  its oldest delivery's age, the time since each source last succeeded, subscribers by
  region, active chats by kind.

Counters start from zero when the process starts, as Prometheus expects (`rate()` copes).
Every process has its own registry, so several bots (tests) never share a metric.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from infra.pacing import Pacer
from jobs.delivery import DeliveryWorker
from jobs.ingest import PollReport
from storage.repositories import Storage
from storage.stats import OutboxState, SourceHealth

# Handler latencies: /latest answers in a few milliseconds, an import of members in seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Scrapes closer together than this read the database once.
STORED_MAX_AGE = 5.0


@dataclass
class _Stored:
    """What the database said at the last refresh."""

    at: float = 0.0  # time.monotonic()
    read_at: float = 0.0  # time.time(), for ages
    outbox: OutboxState = field(default_factory=lambda: OutboxState(0, None))
    sources: list[SourceHealth] = field(default_factory=list)
    subscribers: dict[str, int] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)


class _LiveCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        worker = self._metrics.delivery
        if worker is not None:
            stats = worker.stats
            deliveries = CounterMetricFamily(
                "visnyk_deliveries",
                "Deliveries that reached a final status in this process, by status",
                labels=["status"],
            )
            for status, count in (
                ("sent", stats.sent),
                ("failed", stats.failed),
                ("skipped", stats.skipped),
                ("cancelled", stats.cancelled),
            ):
                deliveries.add_metric([status], count)
            yield deliveries
            yield CounterMetricFamily(
                "visnyk_delivery_retries",
                "Deliveries put back for another try after a server or network error",
                value=stats.retried,
            )
            yield GaugeMetricFamily(
                "visnyk_delivery_lease_held",
                "1 while this process holds the delivery lease, 0 while it stands by",
                value=int(worker.holding_lease),
            )
        pacer = self._metrics.pacer
        if pacer is not None:
            yield CounterMetricFamily(
                "visnyk_telegram_429",
                "429 (flood control) answers received from Telegram, deliveries and replies",
                value=pacer.floods,
            )


class _StoredCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        stored = self._metrics.stored
        yield GaugeMetricFamily(
            "visnyk_outbox_depth",
            "Deliveries waiting to be sent or being sent",
            value=stored.outbox.depth,
        )
        yield GaugeMetricFamily(
            "visnyk_outbox_oldest_age_seconds",
            "Age of the oldest delivery waiting or being sent (0 when none is)",
            value=stored.outbox.oldest_age(stored.read_at),
        )
        sources = GaugeMetricFamily(
            "visnyk_feed_source_success_age_seconds",
            "Seconds since each enabled feed source was last polled successfully "
            "(since it was added, when never)",
            labels=["source", "region"],
        )
        for source in stored.sources:
            since = source.last_success_at or source.created_at
            sources.add_metric(
                [str(source.id), source.region_code], max(0.0, stored.read_at - since)
            )
        yield sources
        subscribers = GaugeMetricFamily(
            "visnyk_subscribers", "Active chats subscribed to each region", labels=["region"]
        )
        for region, count in sorted(stored.subscribers.items()):
            subscribers.add_metric([region], count)
        yield subscribers
        chats = GaugeMetricFamily(
            "visnyk_active_chats",
            "Chats the bot can reach, by kind (private, group, supergroup, channel)",
            labels=["kind"],
        )
        for kind, count in sorted(stored.chats.items()):
            chats.add_metric([kind], count)
        yield chats


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "visnyk_updates",
            "Updates handled, by type and outcome (handled, unhandled, error)",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.update_seconds = Histogram(
            "visnyk_update_handling_seconds",
            "Time from an update's arrival in the dispatcher to its handler's end, by type",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.feed_polls = Counter(
            "visnyk_feed_polls",
            "Scheduled feed polls by outcome (ok, not_modified, error, refused)",
            ["outcome"],
            registry=self.registry,
        )
        self.delivery: DeliveryWorker | None = None
        self.pacer: Pacer | None = None
        self.stored = _Stored()
        self.registry.register(_LiveCollector(self))
        self.registry.register(_StoredCollector(self))
        # Label children by (type, outcome): labels() takes a lock and builds a tuple each time.
        self._counted: dict[tuple[str, str], Any] = {}
        self._timed: dict[str, Any] = {}

    def watch(self, delivery: DeliveryWorker | None = None, pacer: Pacer | None = None) -> None:
        """Read deliveries and 429s from these at each scrape."""
        self.delivery = delivery
        self.pacer = pacer or (delivery.pacer if delivery is not None else None)

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        counter = self._counted.get((kind, outcome))
        if counter is None:
            counter = self._counted[kind, outcome] = self.updates.labels(kind, outcome)
        counter.inc()
        timer = self._timed.get(kind)
        if timer is None:
            timer = self._timed[kind] = self.update_seconds.labels(kind)
        timer.observe(seconds)

    def polled(self, reports: Iterable[PollReport]) -> None:
        for report in reports:
            if report.refused:
                outcome = "refused"
            elif not report.ok:
                outcome = "error"
            elif report.not_modified:
                outcome = "not_modified"
            else:
                outcome = "ok"
            self.feed_polls.labels(outcome).inc()

    async def refresh(self, store: Storage, max_age: float = STORED_MAX_AGE) -> None:
        """Read the database's figures, unless they were read less than `max_age` ago."""
        if time.monotonic() - self.stored.at < max_age:
            return
        ops = store.ops
        self.stored = _Stored(
            at=time.monotonic(),
            read_at=time.time(),
            outbox=await ops.outbox(),
            sources=await ops.sources(),
            subscribers=await ops.subscribers_by_region(),
            chats=await ops.active_chats(),
        )

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)


class UpdateMetrics(BaseMiddleware):
    """An outer update middleware: counts each update by type and outcome and times it."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        started = time.perf_counter()
        try:
            result = await handler(event, data)
        except Exception:
            # Inside aiogram's error middleware: the error handler answers after this.
            self._metrics.update_handled(kind, "error", time.perf_counter() - started)
            raise
        outcome = "unhandled" if result is UNHANDLED else "handled"
        self._metrics.update_handled(kind, outcome, time.perf_counter() - started)
        return result
