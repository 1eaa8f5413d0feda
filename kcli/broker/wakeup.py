"""Wakeup: coroutines wait, with a timeout, until something they watch changes.

The Fetch long-poll waits on appends to the partitions it asked for, the group
timer on group changes. ``notify(key)`` wakes the waiters watching ``key`` (a
Produce wakes the fetches of the partitions it appended to, and no other, as
Kafka's DelayedFetch purgatory is keyed by partition) and those watching
everything; ``notify()`` wakes everyone (an append whose partitions the
notifier does not name: group and transaction coordinators, transaction
markers). ``woken`` counts the waiters woken, for tests and metrics.

Built on one future per waiter rather than ``asyncio.wait_for(event.wait(), ...)``:
before Python 3.12, ``wait_for`` returns normally when its task is cancelled in
the same loop iteration the event is set, so a waiting task could outlive the
shutdown that cancelled it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable


class Wakeup:
    def __init__(self) -> None:
        self._waiters: set[asyncio.Future] = set()  # watching everything
        self._watching: dict[Hashable, set[asyncio.Future]] = {}  # key -> the waiters watching it
        self.woken = 0

    def notify(self, key: Hashable | None = None) -> None:
        """Wake whoever waits now on ``key`` (everyone when None); a later ``wait`` waits for the next ``notify``."""
        if key is None:
            for waiters in self._watching.values():
                self._wake(waiters)
            self._watching.clear()
        else:
            self._wake(self._watching.pop(key, ()))
        self._wake(self._waiters)
        self._waiters.clear()

    def _wake(self, waiters: Iterable[asyncio.Future]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(True)
                self.woken += 1

    def waiting(self) -> int:
        """How many waiters are waiting (each counted once)."""
        return len({w for waiters in self._watching.values() for w in waiters} | self._waiters)

    async def wait(self, timeout_s: float, keys: Iterable[Hashable] | None = None) -> bool:
        """True when notified about one of ``keys`` (about anything when None), False after ``timeout_s``;
        cancelling the caller always cancels it."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        watched = None if keys is None else list(keys)
        if watched is None:
            self._waiters.add(waiter)
        else:
            for key in watched:
                self._watching.setdefault(key, set()).add(waiter)
        timer = loop.call_later(max(timeout_s, 0), _time_out, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            if watched is None:
                self._waiters.discard(waiter)
            else:
                for key in watched:
                    waiters = self._watching.get(key)
                    if waiters is not None:
                        waiters.discard(waiter)
                        if not waiters:
                            del self._watching[key]


def _time_out(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(False)
