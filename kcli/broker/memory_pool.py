"""MemoryPool: ``queued.max.request.bytes``, the bytes of requests read and not yet answered, across all connections.

Kafka's SocketServer reads a request's 4-byte size, then allocates its buffer
from a SimpleMemoryPool of ``queued.max.request.bytes`` (none when it is -1, the
default); while the pool has nothing left, connections stop reading (the
selector mutes them) until a handled request gives its bytes back. The pool is
not strict: an allocation succeeds whenever any memory is left, so the pool may
go below zero by at most one request (``socket.request.max.bytes``). kcli does
the same: a connection awaits ``allocate(size)`` before reading the body of a
frame and ``release(size)``-s after its response is written to the transport.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class MemoryPool:
    def __init__(self, size_bytes: int):
        self.size_bytes = size_bytes  # <= 0: unbounded
        self.available = size_bytes
        self._waiters: deque[asyncio.Future] = deque()

    @property
    def bounded(self) -> bool:
        return self.size_bytes > 0

    @property
    def waiting(self) -> int:
        """Connections waiting for memory (muted, in Kafka's words)."""
        return sum(1 for w in self._waiters if not w.done())

    def try_allocate(self, n: int) -> bool:
        if not self.bounded:
            return True
        if self.available < 1:
            return False
        self.available -= n
        return True

    def allocate_now(self, n: int) -> bool:
        """Take ``n`` bytes if ``allocate`` would not wait (nobody waits before and memory is left)."""
        return not self.bounded or (not self._waiters and self.try_allocate(n))

    async def allocate(self, n: int) -> None:
        """Take ``n`` bytes, waiting (first come, first served) while the pool has none left."""
        if self.allocate_now(n):
            return
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.append(waiter)
        try:
            while True:
                await waiter  # set by _wake_first once this waiter is first in line and memory is left
                if self.try_allocate(n):
                    return
                waiter = loop.create_future()  # another took it first: still first in line
                self._waiters.appendleft(waiter)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)  # cancelled while waiting
            self._wake_first()  # memory may be left for the next in line

    def release(self, n: int) -> None:
        if not self.bounded:
            return
        self.available += n
        self._wake_first()

    def _wake_first(self) -> None:
        while self._waiters and self.available >= 1:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
