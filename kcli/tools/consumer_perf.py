"""kafka-consumer-perf-test (Kafka's ConsumerPerformance): read N records in a group and keep Kafka's statistics.

The loop is Kafka's: ``poll(100 ms)`` until ``messages`` records are read or
``timeout`` ms pass without one; bytes are key plus value lengths; the time
spent joining the group (subscribe → first assignment, and again after each
revocation of everything) is the rebalance time, and fetch time is the run's
time less it. With detailed stats, a report is due at the first record polled
``reporting_interval`` ms or more after the last. ``SimpleDateFormat`` turns
Java's date patterns (``yyyy-MM-dd HH:mm:ss:SSS``) into local-time text.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from kcli.tools import authentication
from kcli.tools.bootstrap import wait_for_broker
from kcli.tools.client_config import to_kafka_python
from kcli.tools.errors import ToolError
from kcli.tools.group_subscription import subscribe

POLL_TIMEOUT_MS = 100
BOOTSTRAP_TIMEOUT_MS = 15_000
DEFAULT_DATE_FORMAT = "yyyy-MM-dd HH:mm:ss:SSS"


@dataclass(frozen=True)
class Interval:
    """One ``--show-detailed-stats`` report: totals so far and the interval's rates."""

    end_ms: int
    bytes: int
    messages: int
    interval_ms: int
    interval_bytes: int
    interval_messages: int
    join_ms: int  # rebalance time within the interval


@dataclass(frozen=True)
class Result:
    start_ms: int
    end_ms: int
    bytes: int
    messages: int
    join_ms: int
    timed_out: bool

    @property
    def fetch_ms(self) -> int:
        return self.end_ms - self.start_ms - self.join_ms


def default_group(rng: random.Random | None = None) -> str:
    """Kafka's default group: ``perf-consumer-`` and a number below 100,000."""
    return f"perf-consumer-{(rng or random.Random()).randrange(100_000)}"


class _Joins:
    """ConsumerPerfRebListener: time from (re)joining with nothing assigned to the first assignment."""

    def __init__(self, start_ms: int, now_ms: Callable[[], int]):
        self.now_ms = now_ms
        self.join_start = start_ms
        self.total = 0
        self.in_round = 0
        self.assigned: set = set()

    def on_partitions_revoked(self, revoked) -> None:
        self.assigned -= set(revoked)
        if not self.assigned:
            self.join_start = self.now_ms()

    def on_partitions_assigned(self, assigned) -> None:
        if not self.assigned:
            elapsed = self.now_ms() - self.join_start
            self.total += elapsed
            self.in_round += elapsed
        self.assigned |= set(assigned)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class ConsumerPerformance:
    """A kafka-python consumer with ConsumerPerformance's settings; ``ignored`` lists properties it cannot use."""

    def __init__(self, bootstrap: str, props: dict[str, str], group: str, fetch_size: int, socket_buffer_size: int,
                 from_latest: bool, on_refused=None, on_unresolved=None, bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS):
        from kafka import KafkaConsumer
        from kafka.errors import KafkaConnectionError, KafkaTimeoutError

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        props = {**props, "max.partition.fetch.bytes": str(fetch_size),
                 "auto.offset.reset": "latest" if from_latest else "earliest", "check.crcs": "false"}
        props.setdefault("client.id", "perf-consumer-client")
        props.pop("bootstrap.servers", None)
        props.pop("group.id", None)
        client = to_kafka_python(props, KafkaConsumer)
        self.ignored = client.ignored
        kwargs = {"bootstrap_timeout_ms": wait_for_broker(bootstrap, bootstrap_timeout_ms, on_refused, on_unresolved),
                  **client.kwargs, "receive_buffer_bytes": socket_buffer_size}
        with authentication.watch() as failures:
            try:
                self._consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=group, **kwargs)
            except (KafkaTimeoutError, KafkaConnectionError):
                failed = failures.message(java_name=True)
                raise (ToolError(failed) if failed else ToolError.unreachable(bootstrap)) from None
            except Exception as exc:
                raise ToolError(f"{type(exc).__name__}: {exc}") from None

    def run(self, num_messages: int, timeout_ms: int, reporting_interval_ms: int, topic: str | None = None,
            include: str | None = None, on_interval: Callable[[Interval], None] | None = None,
            on_progress: Callable[[int], None] = lambda read: None, now_ms: Callable[[], int] = _wall_ms) -> Result:
        """Read until ``num_messages`` or ``timeout_ms`` without a record; ``on_interval`` gets the detailed reports."""
        from kafka import ConsumerRebalanceListener
        from kafka.errors import KafkaError

        start = now_ms()
        joins = _Joins(start, now_ms)

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                joins.on_partitions_revoked(revoked)

            def on_partitions_assigned(self, assigned):
                joins.on_partitions_assigned(assigned)

        consumer = self._consumer
        read = read_bytes = last_read = last_bytes = 0
        try:
            subscribe(consumer, [topic] if topic else (), pattern=include, listener=Listener())
            now = last_report = last_consumed = now_ms()
            while read < num_messages and now - last_consumed <= timeout_ms:
                polled = consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
                now = now_ms()
                if polled:
                    last_consumed = now
                for records in polled.values():
                    for record in records:
                        read += 1
                        read_bytes += len(record.key or b"") + len(record.value or b"")
                        if now - last_report >= reporting_interval_ms:
                            if on_interval is not None:
                                on_interval(Interval(now, read_bytes, read, now - last_report, read_bytes - last_bytes,
                                                     read - last_read, joins.in_round))
                            joins.in_round = 0
                            last_report, last_read, last_bytes = now, read, read_bytes
                on_progress(read)
        except (KafkaError, ValueError, re.error) as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from None
        return Result(start, now_ms(), read_bytes, read, joins.total, read < num_messages)

    def metrics(self) -> list[tuple[str, object]]:
        from kcli.tools.producer_perf import client_metrics

        return client_metrics(self._consumer.metrics(raw=True))

    def close(self) -> None:
        self._consumer.close(autocommit=False)


_JAVA_FIELD = re.compile(r"'((?:[^']|'')*)'|([A-Za-z])\2*")


class SimpleDateFormat:
    """The common letters of Java's SimpleDateFormat (y M d H h m s S a E z Z), quoted text kept, in local time."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        for match in _JAVA_FIELD.finditer(pattern):
            letter = match.group(2)
            if letter and letter not in "yMdHhmsSaEzZ":
                raise ToolError(f"Illegal pattern character '{letter}'")

    def format(self, ms: int) -> str:
        moment = datetime.fromtimestamp(ms / 1000).astimezone()
        return _JAVA_FIELD.sub(lambda m: self._field(m, moment, ms), self.pattern)

    @staticmethod
    def _field(match: re.Match, moment: datetime, ms: int) -> str:
        if match.group(2) is None:
            return match.group(1).replace("''", "'") or "'"  # '' is a quote, in quoted text too
        letter, width = match.group(2), len(match.group(0))
        if letter == "y":
            return f"{moment.year % 100:02d}" if width == 2 else f"{moment.year:0{width}d}"
        if letter == "M":
            return moment.strftime("%B" if width >= 4 else "%b") if width >= 3 else f"{moment.month:0{width}d}"
        if letter == "E":
            return moment.strftime("%A" if width >= 4 else "%a")
        if letter == "a":
            return "AM" if moment.hour < 12 else "PM"
        if letter == "z":
            return moment.tzname() or ""
        if letter == "Z":
            return moment.strftime("%z")
        value = {"d": moment.day, "H": moment.hour, "h": moment.hour % 12 or 12, "m": moment.minute,
                 "s": moment.second, "S": ms % 1000}[letter]
        return f"{value:0{width}d}"
