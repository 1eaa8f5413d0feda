"""When a log is fsynced: Kafka's flush rules, as pure functions of the numbers and ``now``.

By default Kafka never fsyncs a log while it runs: an acknowledged record is in
the operating system's page cache, which survives the broker's death
(``kill -9``) but not the machine's (power loss, kernel crash). Two rules,
each off by default (Long.MAX_VALUE), force fsyncs:

* By count — ``flush.messages`` (broker default ``log.flush.interval.messages``):
  after an append, once the messages not yet fsynced (log end offset minus the
  recovery point) reach it, the log is fsynced before the append is
  acknowledged (Kafka's ``UnifiedLog.append``).
* By time — ``flush.ms`` (broker default ``log.flush.interval.ms``, which itself
  defaults to ``log.flush.scheduler.interval.ms``): a scheduler first runs
  ``log.initial.task.delay.ms`` after start-up, then every
  ``log.flush.scheduler.interval.ms``, and fsyncs each log with unflushed
  messages whose last fsync is at least ``flush.ms`` old (Kafka's
  ``LogManager.flushDirtyLogs``). As in Kafka, ``flush.ms`` alone does nothing
  until the scheduler interval is set too: its default runs the check once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, TypeVar

LONG_MAX = (1 << 63) - 1
INITIAL_TASK_DELAY_MS = 30_000  # Kafka's log.initial.task.delay.ms

T = TypeVar("T")


def due_by_count(unflushed_messages: int, flush_messages: int) -> bool:
    """Whether an append that left ``unflushed_messages`` must be fsynced before it is acknowledged."""
    return unflushed_messages > 0 and unflushed_messages >= flush_messages


def due_by_time(unflushed_messages: int, last_flush_ms: int, flush_ms: int, now: int) -> bool:
    """Whether the scheduler fsyncs a log now (time since its last fsync has reached ``flush.ms``)."""
    return unflushed_messages > 0 and now - last_flush_ms >= flush_ms


def due_logs(logs: Iterable[tuple[T, int, int, int]], now: int) -> list[T]:
    """The logs one scheduler run fsyncs, from ``(log, unflushed_messages, last_flush_ms, flush_ms)``."""
    return [log for log, unflushed, last_flush_ms, flush_ms in logs if due_by_time(unflushed, last_flush_ms, flush_ms, now)]


@dataclass(frozen=True, slots=True)
class FlushSchedule:
    """When the time-based check runs: ``initial_delay_ms`` after start, then every ``interval_ms`` (fixed rate)."""

    interval_ms: int = LONG_MAX
    initial_delay_ms: int = INITIAL_TASK_DELAY_MS

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "FlushSchedule":
        return cls(
            interval_ms=max(int(props.get("log.flush.scheduler.interval.ms", LONG_MAX)), 1),
            initial_delay_ms=max(int(props.get("log.initial.task.delay.ms", INITIAL_TASK_DELAY_MS)), 0),
        )

    def next_run(self, started_ms: int, now: int) -> int | None:
        """The first scheduled run at or after ``now`` (runs fall on start + delay + k·interval); None: never again."""
        first = started_ms + self.initial_delay_ms
        if now <= first:
            return first
        k = -(-(now - first) // self.interval_ms)  # ceiling division
        at = first + k * self.interval_ms
        return at if at - started_ms <= LONG_MAX else None
