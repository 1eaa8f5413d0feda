"""LogFlusher: the broker's fsyncs, grouped across requests and kept off the event loop.

Group commit: a produce (or offset commit) whose append ``flush.messages``
says must be durable asks for its partitions with ``flush``, and awaits the
returned future. Requests that arrive while an fsync round runs on the
flusher's thread join the next round, which starts as soon as that one ends;
one fsync per file then covers them all, because each was appended (to the
page cache) before the round began. The future's result is the set of the
asked partitions whose fsync failed (they are offline from then on).

The time-based rule runs here too: Kafka's scheduler, ``now`` read from the
clock and handed to ``flush_policy``, which decides what is due.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from kcli.broker.log import flush_policy, scheduler
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import FlushJob, Partition

def _run(jobs: list[FlushJob]) -> list[OSError | None]:
    return [job.run() for job in jobs]


class LogFlusher:
    def __init__(self, catalog: Catalog, schedule: flush_policy.FlushSchedule):
        self.catalog = catalog
        self.schedule = schedule
        self.rounds = 0  # fsync rounds run (each fsyncs every file of the partitions it was given once)
        self._next: set[Partition] = set()
        self._waiters: list[tuple[asyncio.Future, set[Partition]]] = []
        self._round: asyncio.Task | None = None
        self._scheduler: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcli-log-flusher")

    @property
    def waiting(self) -> int:
        """Requests waiting for the next round (not the one running)."""
        return len(self._waiters)

    def start(self) -> None:
        self._scheduler = asyncio.get_running_loop().create_task(
            scheduler.run_at_fixed_rate(self.schedule, scheduler.now_ms(), self._flush_due_logs)
        )

    async def stop(self) -> None:
        """Stop the scheduler, let a running round finish, release the thread."""
        if self._scheduler is not None:
            self._scheduler.cancel()
            await asyncio.gather(self._scheduler, return_exceptions=True)
        if self._round is not None:
            await asyncio.gather(asyncio.shield(self._round), return_exceptions=True)
        self._executor.shutdown(wait=True)

    def flush(self, partitions: Iterable[Partition]) -> asyncio.Future:
        """A future for the next fsync round covering ``partitions``: the set of those whose fsync failed."""
        wanted = set(partitions)
        future = asyncio.get_running_loop().create_future()
        self._next |= wanted
        self._waiters.append((future, wanted))
        if self._round is None:
            self._round = asyncio.get_running_loop().create_task(self._run_rounds())
        return future

    async def _run_rounds(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._next:
                partitions, self._next = self._next, set()
                waiters, self._waiters = self._waiters, []
                failed = {p for p in partitions if p.offline is not None}
                jobs = []
                for partition in partitions - failed:
                    try:
                        job = partition.flush_job()
                    except OSError:  # no descriptor to fsync with (EMFILE): not durable, not a disk fault
                        failed.add(partition)
                        continue
                    if job is not None:
                        jobs.append(job)
                errors = await loop.run_in_executor(self._executor, _run, jobs) if jobs else []
                self.rounds += 1
                now = scheduler.now_ms()
                for job, error in zip(jobs, errors, strict=True):
                    job.partition.flushed(job, error, now)
                    if error is not None:
                        failed.add(job.partition)
                for future, wanted in waiters:
                    if not future.done():
                        future.set_result(wanted & failed)
        finally:
            self._round = None

    async def _flush_due_logs(self, now: int) -> None:
        """Kafka's log flusher task: fsync the logs whose ``flush.ms`` has passed."""
        logs = (
            (p, p.unflushed_messages, p.last_flush_ms if p.last_flush_ms is not None else now, p.config.flush_ms)
            for topic in list(self.catalog.topics.values())
            for p in topic.partitions
            if p.offline is None
        )
        due = flush_policy.due_logs(logs, now)
        if due:
            await self.flush(due)
