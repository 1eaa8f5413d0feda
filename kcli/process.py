"""Running a server as a process, shared by the broker and the ZooKeeper server.

A server writes its pid to a file in its data directory while it runs. A stop
request reads it and asks that process to stop: SIGTERM on POSIX; on Windows,
where a signal cannot be delivered cleanly to another console process, it
creates a stop file beside the pid file, which the server watches. Signals are
installed with ``signal.signal`` because ``loop.add_signal_handler`` does not
exist on Windows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

STOP_POLL_S = 0.25


async def watch_stop_file(path: Path, stop: asyncio.Event) -> None:
    while not path.exists():
        await asyncio.sleep(STOP_POLL_S)
    stop.set()


def install_signals(callback) -> dict:
    """Ctrl+C, SIGTERM and (Windows) Ctrl+Break call ``callback``; returns the handlers to restore."""
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, lambda *_: callback())
    return previous


def restore_signals(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def request_stop(pid_path: Path, stop_path: Path) -> int | None:
    """Ask the process named in ``pid_path`` to stop; its pid, or None when none runs."""
    try:
        pid = int(pid_path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    if not alive(pid):
        pid_path.unlink(missing_ok=True)
        return None
    if sys.platform == "win32":
        stop_path.write_bytes(b"")
    else:
        os.kill(pid, signal.SIGTERM)
    return pid


def wait_stopped(pid_path: Path, pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not pid_path.exists() or not alive(pid):
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class ServingThread:
    """A server serving on a background thread with its own event loop (tests, quickstart)."""

    server: Any
    host: str
    port: int
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread
    _stop: asyncio.Event

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)


def serve_in_thread(make_server: Callable[[], Any], name: str, running: type[ServingThread] = ServingThread):
    """Build a server (async ``start()`` → (host, port), async ``stop()``) on a new thread's loop and start it.

    Returns once it accepts connections, as ``running``; a start-up failure is raised here.
    """
    ready = threading.Event()
    holder: dict = {}

    async def main() -> None:
        stop = asyncio.Event()
        try:
            server = make_server()
            holder["address"] = await server.start()
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            return
        holder.update(server=server, loop=asyncio.get_running_loop(), stop=stop)
        ready.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name=name, daemon=True)
    thread.start()
    ready.wait()
    if "error" in holder:
        raise holder["error"]
    host, port = holder["address"]
    return running(holder["server"], host, port, holder["loop"], thread, holder["stop"])
