"""Running a server, shared by the broker and the ZooKeeper server: as a process, or on a thread.

One owner per data directory. A server first takes the exclusive lock on its
directory (``lock()``, kcli/file_lock.py), before it reads, recovers or
writes anything there; a second server on that directory, in any process or
thread, is refused and touches nothing. So the pid file in the directory is
always the owner's: written once the lock is held (a server still recovering
or waiting for ZooKeeper can be stopped), removed at exit before the lock is
let go. A stop request reads it and asks that process to stop: SIGTERM on
POSIX; on Windows, where a signal cannot be delivered cleanly to another
console process, it creates the stop file beside it, which the server
watches. A pid file left by a killed server is ignored when the directory's
lock is free: its pid may belong to another program by now.

Signals are installed with ``signal.signal`` because
``loop.add_signal_handler`` does not exist on Windows. A server here is
anything with ``lock()``/``unlock()`` (sync) and ``start()`` → (host,
port)/``stop()`` (async); ``start()`` takes the lock when its caller has not,
and whoever runs the server lets it go with ``unlock()``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kcli.file_lock import FileLock

STOP_POLL_S = 0.25


class Server(Protocol):
    def lock(self) -> None: ...

    def unlock(self) -> None: ...

    async def start(self) -> tuple[str, int]: ...

    async def stop(self) -> None: ...


class StartError(Exception):
    """Start-up failed for a reason the user can fix; the message says how."""


@dataclass(frozen=True)
class ProcessFiles:
    """The files by which a server process owning ``directory`` can be found and stopped."""

    directory: Path
    pid_name: str
    stop_name: str
    lock_name: str

    @property
    def pid(self) -> Path:
        return self.directory / self.pid_name

    @property
    def stop(self) -> Path:
        return self.directory / self.stop_name

    @property
    def lock(self) -> Path:
        return self.directory / self.lock_name


def serve(server: Server, files: ProcessFiles, on_started: Callable[[str, int, float], None],
          start_error: Callable[[Exception], str | None], launched_at: float) -> None:
    """Run ``server`` until SIGINT/SIGTERM or a stop request; blocks.

    ``on_started(host, port, ready_ms)`` runs once it serves, ``ready_ms`` counted from ``launched_at``
    (a ``time.perf_counter()``). An exception for which ``start_error`` gives a message is raised as
    StartError with it; others as they are.
    """
    asyncio.run(_serve(server, files, on_started, start_error, launched_at))


async def _serve(server: Server, files: ProcessFiles, on_started, start_error, launched_at: float) -> None:
    try:
        server.lock()
    except Exception as exc:
        raise _mapped(exc, start_error) from None
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    previous = install_signals(lambda: loop.call_soon_threadsafe(stop.set))  # before the pid file names this process
    try:
        files.stop.unlink(missing_ok=True)
        files.pid.write_text(f"{os.getpid()}\n", encoding="ascii")
        await _run(server, files.stop, stop, previous, on_started, start_error, launched_at)
    finally:
        restore_signals(previous)
        files.pid.unlink(missing_ok=True)  # before the lock goes: the next owner's pid file is never touched
        files.stop.unlink(missing_ok=True)
        server.unlock()


async def _run(server: Server, stop_path: Path, stop: asyncio.Event, previous: dict, on_started, start_error,
               launched_at: float) -> None:
    watcher = asyncio.create_task(watch_stop_file(stop_path, stop)) if sys.platform == "win32" else None
    started = False
    try:
        starting = asyncio.ensure_future(server.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not starting.done():  # asked to stop while starting: the start undoes its own work
            starting.cancel()
            await asyncio.wait({starting})
            return
        try:
            host, port = starting.result()
        except Exception as exc:
            raise _mapped(exc, start_error) from None
        started = True
        on_started(host, port, (time.perf_counter() - launched_at) * 1000)
        await stop.wait()
    finally:
        restore_signals(previous)  # a second Ctrl+C while stopping stops at once
        if watcher is not None:
            watcher.cancel()
        if started:
            await server.stop()


def _mapped(exc: Exception, start_error) -> Exception:
    message = start_error(exc)
    return exc if message is None else StartError(message)


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


def running_pid(files: ProcessFiles) -> int | None:
    """The pid of the process that owns ``files.directory``, or None when none does."""
    try:
        pid = int(files.pid.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    if not alive(pid) or _lock_is_free(files.lock):
        return None
    return pid


def _lock_is_free(path: Path) -> bool:
    """True when no process holds the lock at ``path`` (taken and let go at once; a starting server may be refused in between)."""
    if not path.exists():  # a server from before the lock: trust its pid file
        return False
    probe = FileLock(path)
    try:
        return probe.try_lock()
    except OSError:
        return False
    finally:
        probe.unlock()


def request_stop(files: ProcessFiles) -> int | None:
    """Ask the process that owns ``files.directory`` to stop; its pid, or None when none runs."""
    pid = running_pid(files)
    if pid is None:
        return None
    if sys.platform == "win32":
        files.stop.write_bytes(b"")
    else:
        os.kill(pid, signal.SIGTERM)
    return pid


def wait_stopped(files: ProcessFiles, pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not files.pid.exists() or not alive(pid):
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
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
        """Stop serving and let the data directory go (another server may then start on it)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)


def serve_in_thread(make_server: Callable[[], Server], name: str, running: type[ServingThread] = ServingThread):
    """Build a server on a new thread's loop and start it; it takes its directory's lock as a process does.

    Returns once it accepts connections, as ``running``; a start-up failure (the directory in use
    included) is raised here, with the lock let go.
    """
    ready = threading.Event()
    holder: dict = {}

    async def main() -> None:
        stop = asyncio.Event()
        try:
            server = make_server()
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            return
        try:
            try:
                holder["address"] = await server.start()
            except BaseException as exc:
                holder["error"] = exc
                ready.set()
                return
            holder.update(server=server, loop=asyncio.get_running_loop(), stop=stop)
            ready.set()
            await stop.wait()
            await server.stop()
        finally:
            server.unlock()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name=name, daemon=True)
    thread.start()
    ready.wait()
    if "error" in holder:
        thread.join(30)  # the lock is let go before this returns
        raise holder["error"]
    host, port = holder["address"]
    return running(holder["server"], host, port, holder["loop"], thread, holder["stop"])
