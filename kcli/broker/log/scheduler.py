"""The log's periodic tasks on the event loop, as Kafka's KafkaScheduler runs them: at fixed rate.

A task runs at ``start + initial delay + k · interval`` (FlushSchedule in
flush_policy.py does that arithmetic as a pure function of numbers) and is
handed ``now`` in milliseconds; a run that falls behind is not repeated, the
next due time is taken. A task may be a coroutine function: its run is awaited
before the next is scheduled. Used by the log flusher (``flush.ms``) and the
log manager (retention, checkpoints).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable

from kcli.broker.log.flush_policy import FlushSchedule

MAX_SLEEP_S = 3600.0  # a far-off run is approached in steps, so a changed clock is noticed


def now_ms() -> int:
    return int(time.time() * 1000)


async def run_at_fixed_rate(schedule: FlushSchedule, started_ms: int, task: Callable[[int], Any]) -> None:
    """Run ``task(now)`` at each of ``schedule``'s times after ``started_ms``, until the schedule has no more."""
    after = started_ms
    while True:
        at = schedule.next_run(started_ms, after)
        if at is None:
            return
        now = now_ms()
        if now < at:
            await asyncio.sleep(min((at - now) / 1000, MAX_SLEEP_S))
            continue
        after = at + 1
        result = task(now)
        if inspect.isawaitable(result):
            await result
