"""AcceptErrorLog: a failed ``accept()`` (out of file descriptors, memory) is logged once per interval.

asyncio's selector loop reports such a failure through the loop's exception
handler ("socket.accept() out of system resource", the proactor loop on
Windows "Accept failed on a socket"), with a traceback each time. Python
3.11's loop reports it once per pending connection per retry (up to the
listen backlog, every second), so a broker out of descriptors wrote 53 MB of
tracebacks in three minutes. Installed on a server's loop, this handler logs
the first failure as one line, counts the rest, and logs the count with the
next line once ``interval_s`` has passed; every other context goes to the
loop's default handler, unchanged. The broker and the ZooKeeper server each
install it on their own loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

ACCEPT_MESSAGES = ("socket.accept() out of system resource", "Accept failed on a socket")
INTERVAL_S = 60.0


class AcceptErrorLog:
    def __init__(self, log: logging.Logger, interval_s: float = INTERVAL_S):
        self.log = log
        self.interval_s = interval_s
        self.suppressed = 0
        self._last: float | None = None

    def record(self, exc: BaseException | None, now: float) -> bool:
        """Count one accept failure at ``now`` (seconds); True when it was logged."""
        if self._last is not None and now - self._last < self.interval_s:
            self.suppressed += 1
            return False
        also = f" ({self.suppressed} more since the last report)" if self.suppressed else ""
        line = f"Cannot accept connections: {_describe(exc)}{also}; retrying every second"
        self._last, self.suppressed = now, 0
        try:
            self.log.error(line)
        except Exception:  # a handler that needs a file of its own cannot have one now
            sys.stderr.write(line + "\n")
        return True

    def handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """An event-loop exception handler (``loop.set_exception_handler``)."""
        if context.get("message") in ACCEPT_MESSAGES:
            self.record(context.get("exception"), time.monotonic())
        else:
            loop.default_exception_handler(context)


def install(log: logging.Logger, interval_s: float = INTERVAL_S) -> AcceptErrorLog:
    """Throttle accept-failure reports on the running loop."""
    accept_errors = AcceptErrorLog(log, interval_s)
    asyncio.get_running_loop().set_exception_handler(accept_errors.handler)
    return accept_errors


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) if exc is not None else "unknown error"
