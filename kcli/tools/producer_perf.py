"""kafka-producer-perf-test (Kafka's ProducerPerformance): send records as fast as allowed and keep Kafka's statistics.

``Stats`` is Kafka's arithmetic, with the clock passed in: a record's latency
is the whole milliseconds from ``send()`` to its acknowledgement; a window is
reported at the first acknowledgement 5 s or more after it opened; one latency
in every ``num_records // min(num_records, 500000)`` is kept, and a percentile
is the sorted sample at index ``int(p × kept)``. ``Throttler`` is Kafka's
ThroughputThrottler: once the rate so far exceeds the target, sleep the
accumulated deficit in steps of at least 2 ms. Payloads are Kafka's: random
A–Z bytes (seeded, refilled per record), a random pick among a file's
payloads, or the record's number as text (``--payload-monotonic``).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kcli.tools.bootstrap import wait_for_broker
from kcli.tools.client_config import to_kafka_python
from kcli.tools.console_producer import open_producer
from kcli.tools.errors import ToolError, reason

REPORTING_INTERVAL_MS = 5_000
MAX_SAMPLES = 500_000
DEFAULT_TRANSACTION_DURATION_MS = 3_000
TRANSACTION_ID_PREFIX = "performance-producer-"
_MIN_SLEEP_NS = 2_000_000  # ThroughputThrottler.MIN_SLEEP_NS
BOOTSTRAP_TIMEOUT_MS = 15_000
_A_TO_Z = bytes(65 + b % 26 for b in range(256))  # a random byte → a random capital letter, as Kafka's payloads


@dataclass(frozen=True)
class Window:
    count: int
    bytes: int
    elapsed_ms: int
    total_latency: int
    max_latency: int


@dataclass(frozen=True)
class Total:
    count: int
    bytes: int
    elapsed_ms: int
    total_latency: int
    max_latency: int
    percentiles: tuple[int, int, int, int]  # 50th, 95th, 99th, 99.9th, in ms


@dataclass
class Stats:
    """ProducerPerformance.Stats: counts, latencies and the 5-second windows, the clock given to each call."""

    num_records: int
    start_ms: int
    reporting_interval_ms: int = REPORTING_INTERVAL_MS
    count: int = 0
    bytes: int = 0
    total_latency: int = 0
    max_latency: int = 0
    window: Window = field(init=False)
    _window_start: int = field(init=False)
    _samples: list[int] = field(init=False, default_factory=list)
    _iteration: int = 0

    def __post_init__(self) -> None:
        self.sampling = self.num_records // min(self.num_records, MAX_SAMPLES)
        self._window_start = self.start_ms
        self.window = Window(0, 0, 0, 0, 0)

    def record(self, latency: int, size: int, now_ms: int) -> Window | None:
        """Count one acknowledged record; the window just closed, when this one closes it."""
        self.count += 1
        self.bytes += size
        self.total_latency += latency
        self.max_latency = max(self.max_latency, latency)
        w = self.window
        self.window = Window(w.count + 1, w.bytes + size, 0, w.total_latency + latency, max(w.max_latency, latency))
        if self._iteration % self.sampling == 0:
            self._samples.append(latency)
        self._iteration += 1
        if now_ms - self._window_start >= self.reporting_interval_ms:
            w = self.window
            closed = Window(w.count, w.bytes, now_ms - self._window_start, w.total_latency, w.max_latency)
            self._window_start, self.window = now_ms, Window(0, 0, 0, 0, 0)
            return closed
        return None

    def total(self, now_ms: int) -> Total:
        samples = sorted(self._samples) or [0]  # Kafka's array starts zeroed
        size = len(self._samples)
        picks = tuple(samples[min(int(p * size), len(samples) - 1)] for p in (0.5, 0.95, 0.99, 0.999))
        return Total(self.count, self.bytes, now_ms - self.start_ms, self.total_latency, self.max_latency, picks)  # type: ignore[arg-type]


class Throttler:
    """Kafka's ThroughputThrottler: ``throughput`` records/s (negative: unthrottled), ``sleep`` takes seconds."""

    def __init__(self, throughput: float, start_ms: int, sleep: Callable[[float], None] = time.sleep):
        self.throughput = throughput
        self.start_ms = start_ms
        self.sleep = sleep
        self._sleep_ns = int(1e9 / throughput) if throughput > 0 else 0
        self._deficit_ns = 0

    def should_throttle(self, sent_so_far: int, now_ms: int) -> bool:
        if self.throughput < 0:
            return False
        elapsed_s = (now_ms - self.start_ms) / 1000
        return elapsed_s > 0 and sent_so_far / elapsed_s > self.throughput

    def throttle(self) -> None:
        if self.throughput == 0:
            while True:
                self.sleep(3600)
        self._deficit_ns += self._sleep_ns
        if self._deficit_ns >= _MIN_SLEEP_NS:
            self.sleep(self._deficit_ns / 1e9)
            self._deficit_ns = 0


def read_payloads(path: Path, delimiter: str) -> list[bytes]:
    """The payloads of ``--payload-file``: its UTF-8 text split on ``delimiter``, empty pieces dropped (Java's Scanner)."""
    if not path.exists() or path.stat().st_size == 0:
        raise ToolError("File does not exist or empty file provided.")
    text = path.read_text(encoding="utf-8", errors="replace")
    return [piece.encode("utf-8") for piece in text.split(delimiter) if piece]


class Payloads:
    """The value of each record, as ProducerPerformance.generateRandomPayload makes it."""

    def __init__(self, record_size: int | None, from_file: list[bytes], monotonic: bool):
        self.record_size = record_size
        self.from_file = from_file
        self.monotonic = monotonic
        self._random = random.Random(0)

    def next(self, number: int) -> bytes:
        if self.from_file:
            return self.from_file[self._random.randrange(len(self.from_file))]
        if self.record_size is not None:
            return self._random.randbytes(self.record_size).translate(_A_TO_Z)
        return str(number).encode()


@dataclass(frozen=True)
class Settings:
    topic: str
    num_records: int
    throughput: float
    props: dict[str, str]
    transactional_id: str | None = None
    transaction_duration_ms: int | None = None

    @property
    def transactions(self) -> bool:
        return self.transactional_id is not None or self.transaction_duration_ms is not None or "transactional.id" in self.props


def producer_settings(topic: str, num_records: int, throughput: float, props: dict[str, str],
                      transactional_id: str | None, transaction_duration_ms: int | None) -> Settings:
    """Kafka's ConfigPostProcessor: client.id defaults to perf-producer-client; transactions get an id and a duration."""
    props = dict(props)
    props.setdefault("client.id", "perf-producer-client")
    settings = Settings(topic, num_records, throughput, props, transactional_id, transaction_duration_ms)
    if settings.transactions:
        props["transactional.id"] = transactional_id or props.get("transactional.id") or TRANSACTION_ID_PREFIX + str(uuid.uuid4())
        settings = Settings(topic, num_records, throughput, props, props["transactional.id"],
                            transaction_duration_ms or DEFAULT_TRANSACTION_DURATION_MS)
    return settings


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class ProducerPerformance:
    """A kafka-python producer sending ``num_records`` records at ``throughput`` and counting their acknowledgements.

    ``ignored`` lists the properties kafka-python has no use for, with why.
    """

    def __init__(self, bootstrap: str, settings: Settings, on_refused=None, on_unresolved=None,
                 bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS):
        from kafka import KafkaProducer

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        self.settings = settings
        props = {k: v for k, v in settings.props.items() if k != "bootstrap.servers"}
        client = to_kafka_python(props, KafkaProducer)
        self.ignored = client.ignored
        kwargs = {"bootstrap_timeout_ms": wait_for_broker(bootstrap, bootstrap_timeout_ms, on_refused, on_unresolved), **client.kwargs}
        if kwargs.get("acks", 1) != "all" and not settings.transactions:
            kwargs.setdefault("enable_idempotence", False)  # Kafka: idempotence needs acks=all
        self._producer = open_producer(bootstrap, kwargs)

    def run(self, payloads: Payloads, on_window: Callable[[Window], None], on_failure: Callable[[str], None],
            on_progress: Callable[[int], None] = lambda sent: None, now_ms: Callable[[], int] = _now_ms,
            sleep: Callable[[float], None] = time.sleep) -> Total:
        """Send every record, flush, and return the totals; windows and failures are reported as they happen."""
        from kafka.errors import KafkaError

        s = self.settings
        producer = self._producer
        start = now_ms()
        stats = Stats(s.num_records, start)
        throttler = Throttler(s.throughput, start, sleep)

        def acknowledged(sent_ms: int, size: int):
            def callback(_metadata) -> None:
                now = now_ms()
                closed = stats.record(now - sent_ms, size, now)
                if closed is not None:
                    on_window(closed)
            return callback

        in_transaction, transaction_start = 0, 0
        try:
            if s.transactions:
                producer.init_transactions()
            for i in range(s.num_records):
                payload = payloads.next(i)
                if s.transactions and in_transaction == 0:
                    producer.begin_transaction()
                    transaction_start = now_ms()
                sent_ms = now_ms()
                future = producer.send(s.topic, payload)
                future.add_callback(acknowledged(sent_ms, len(payload)))
                future.add_errback(lambda exc: on_failure(reason(exc)))
                in_transaction += 1
                if s.transactions and s.transaction_duration_ms is not None and s.transaction_duration_ms <= sent_ms - transaction_start:
                    producer.commit_transaction()
                    in_transaction = 0
                if throttler.should_throttle(i, sent_ms):
                    throttler.throttle()
                if i % 1024 == 0:
                    on_progress(i)
            if s.transactions and in_transaction:
                producer.commit_transaction()
            producer.flush()
        except KafkaError as exc:
            raise ToolError(reason(exc)) from None
        on_progress(s.num_records)
        return stats.total(now_ms())

    def metrics(self) -> list[tuple[str, object]]:
        """Every client metric as Kafka's ToolsUtils.printMetrics names it: ``group:name:{tag=value, ...}``."""
        return client_metrics(self._producer.metrics(raw=True))

    def close(self) -> None:
        self._producer.close()


def client_metrics(raw: dict) -> list[tuple[str, object]]:
    """kafka-python's raw metrics as (``group:name:{tags}``, value), sorted by name as Kafka's TreeMap sorts them."""
    out = {}
    for name, metric in raw.items():
        tags = "{" + ", ".join(f"{k}={v}" for k, v in name.tags.items()) + "}"
        out[f"{name.group}:{name.name}:{tags}"] = metric.value()
    return sorted(out.items())
