"""Wakeup: coroutines wait, with a timeout, until something changes; ``notify()`` wakes them all.

The Fetch long-poll waits on appends and the group timer on group changes. Built on one future per
waiter rather than ``asyncio.wait_for(event.wait(), ...)``: before Python 3.12, ``wait_for`` returns
normally when its task is cancelled in the same loop iteration the event is set, so a waiting
task could outlive the shutdown that cancelled it.
"""

from __future__ import annotations

import asyncio


class Wakeup:
    def __init__(self) -> None:
        self._waiters: set[asyncio.Future] = set()

    def notify(self) -> None:
        """Wake everyone waiting now; a later ``wait`` waits for the next ``notify``."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(True)
        self._waiters.clear()

    async def wait(self, timeout_s: float) -> bool:
        """True when notified, False after ``timeout_s``; cancelling the caller always cancels it."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_later(max(timeout_s, 0), _time_out, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)


def _time_out(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(False)
