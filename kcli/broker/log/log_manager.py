"""LogManager: the broker's periodic log tasks — retention, checkpoints, deleting old segment files.

As Kafka's LogManager schedules them, each task first runs
``log.initial.task.delay.ms`` after start-up, then at a fixed rate:

==============================  ==============================================  =========
task                            interval                                        default
==============================  ==============================================  =========
retention (``cleanup_logs``)    ``log.retention.check.interval.ms``             5 min
recovery-point checkpoint       ``log.flush.offset.checkpoint.interval.ms``     1 min
log-start-offset checkpoint     ``log.flush.start.offset.checkpoint.interval.ms`` 1 min
==============================  ==============================================  =========

Retention visits the logs whose ``cleanup.policy`` has ``delete`` (Kafka's
``cleanupLogs``, and for ``compact,delete`` its cleaner thread's
``deletableLogs``; compact-only logs keep everything) and renames their deletable
segments ``.deleted`` (retention.py); each renamed batch of files is removed
``file.delete.delay.ms`` later by a timer, and a file left behind by a stop is
removed when the log is next opened. A log start offset moved by retention is
checkpointed at once. Every task runs on the event loop; ``now`` is read from
the clock here and handed to the pure functions that decide.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Callable

from kcli.broker.log import retention
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.flush_policy import INITIAL_TASK_DELAY_MS, FlushSchedule

RETENTION_CHECK_INTERVAL_MS = 300_000  # log.retention.check.interval.ms
OFFSET_CHECKPOINT_INTERVAL_MS = 60_000  # log.flush.offset.checkpoint.interval.ms
START_OFFSET_CHECKPOINT_INTERVAL_MS = 60_000  # log.flush.start.offset.checkpoint.interval.ms
_MAX_SLEEP_S = 3600.0

log = logging.getLogger("kcli.broker")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _schedule(props: dict[str, str], key: str, default: int) -> FlushSchedule:
    """Kafka's scheduler: a positive period runs at that fixed rate, any other runs once."""
    interval = int(props.get(key, default))
    return FlushSchedule(
        interval_ms=interval if interval > 0 else (1 << 63) - 1,
        initial_delay_ms=max(int(props.get("log.initial.task.delay.ms", INITIAL_TASK_DELAY_MS)), 0),
    )


class LogManager:
    def __init__(self, catalog: Catalog, props: dict[str, str]):
        self.catalog = catalog
        self.retention_schedule = _schedule(props, "log.retention.check.interval.ms", RETENTION_CHECK_INTERVAL_MS)
        self.recovery_schedule = _schedule(props, "log.flush.offset.checkpoint.interval.ms", OFFSET_CHECKPOINT_INTERVAL_MS)
        self.start_offset_schedule = _schedule(props, "log.flush.start.offset.checkpoint.interval.ms", START_OFFSET_CHECKPOINT_INTERVAL_MS)
        self.retention_runs = 0
        self._tasks: list[asyncio.Task] = []
        self._timers: set[asyncio.TimerHandle] = set()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        started = _now_ms()
        log.info("Starting log cleanup with a period of %d ms.", self.retention_schedule.interval_ms)
        for schedule, task in (
            (self.retention_schedule, self.cleanup_logs),
            (self.recovery_schedule, lambda now: self._checkpoint(self.catalog.checkpoint_recovery_points)),
            (self.start_offset_schedule, lambda now: self._checkpoint(self.catalog.checkpoint_log_start_offsets)),
        ):
            self._tasks.append(loop.create_task(self._run(schedule, started, task)))

    async def stop(self) -> None:
        """Stop the tasks; files waiting for their delay stay ``.deleted`` and go when their log is next opened."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    async def _run(self, schedule: FlushSchedule, started_ms: int, task: Callable[[int], object]) -> None:
        after = started_ms
        while True:
            at = schedule.next_run(started_ms, after)
            if at is None:
                return
            now = _now_ms()
            if now < at:
                await asyncio.sleep(min((at - now) / 1000, _MAX_SLEEP_S))
                continue
            after = at + 1
            try:
                task(now)
            except Exception:
                log.exception("Error in the log manager's scheduled task")

    # -- retention -------------------------------------------------------------

    def cleanup_logs(self, now: int) -> int:
        """One retention check over the logs whose policy has ``delete``; the number of segments deleted."""
        total = 0
        moved = False
        for topic in list(self.catalog.topics.values()):
            for partition in topic.partitions:
                if not partition.config.delete or partition.offline is not None:
                    continue
                start = partition.log_start_offset
                try:
                    total += retention.delete_old_segments(partition, now)
                except OSError as exc:
                    log.error("Error while deleting segments for %s-%d in dir %s: %s",
                              partition.topic, partition.index, self.catalog.log_dir, exc.strerror or exc)
                moved = moved or partition.log_start_offset != start
        self.retention_runs += 1
        self.schedule_deletions()
        if moved:
            self._checkpoint(self.catalog.checkpoint_log_start_offsets)
        return total

    def schedule_deletions(self) -> None:
        """Start the timers that remove the partitions' ``.deleted`` files once their delay has passed."""
        loop = asyncio.get_running_loop()
        now = _now_ms()
        self._timers = {t for t in self._timers if t.when() > loop.time()}  # forget the ones that ran
        for topic in list(self.catalog.topics.values()):
            for partition in topic.partitions:
                pending, partition.pending_deletions = partition.pending_deletions, []
                for due, paths in pending:
                    self._timers.add(loop.call_later(max(due - now, 0) / 1000, delete_files, paths))

    def _checkpoint(self, write: Callable[[], None]) -> None:
        try:
            write()
        except OSError as exc:
            log.error("Disk error while writing a checkpoint file in directory %s: %s", self.catalog.log_dir, exc.strerror or exc)


def delete_files(paths: list[Path]) -> None:
    """Remove segment files renamed for deletion (they were closed before the rename)."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Cannot delete %s: %s; it is removed when the log is next opened", path, exc.strerror or exc)
