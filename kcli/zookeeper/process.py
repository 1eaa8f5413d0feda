"""Running the ZooKeeper server as a process: the pid file, stop requests, signals.

``<dataDir>/zookeeper_server.pid`` (the name zkServer.sh uses) holds the pid
of the server using that data directory while it runs. ``kcli zookeeper-stop``
reads it and asks that process to stop: SIGTERM on POSIX; on Windows, where a
signal cannot be delivered cleanly to another console process, it creates
``kcli-zookeeper.stop`` beside the pid file, which the server watches. Either
way the server fsyncs its log and writes a snapshot before it exits. Signals
are installed with ``signal.signal`` because ``loop.add_signal_handler`` does
not exist on Windows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import DataDirError, ZooKeeperServer

PID_FILE = "zookeeper_server.pid"
STOP_FILE = "kcli-zookeeper.stop"
_STOP_POLL_S = 0.25


@dataclass(frozen=True)
class Started:
    host: str
    port: int
    data_dir: Path
    ready_ms: float
    recovered_txns: int
    sessions: int
    zxid: int
    tick_time: int
    four_letter_words: tuple


class StartError(Exception):
    """Start-up failed for a reason the user can fix; the message says how."""


def serve(config: ZooKeeperConfig, on_started, launched_at: float | None = None) -> None:
    """Run a server until SIGINT/SIGTERM or a stop request; blocks."""
    asyncio.run(_serve(config, on_started, launched_at or time.perf_counter()))


async def _serve(config: ZooKeeperConfig, on_started, launched_at: float) -> None:
    server = ZooKeeperServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        host, port = await server.start()
    except DataDirError as exc:
        raise StartError(str(exc)) from None
    except OSError as exc:
        address = config.client_port_address or "0.0.0.0"
        raise StartError(
            f"Unable to bind to {address}:{config.client_port}: {exc.strerror or exc}. Stop the other ZooKeeper "
            "(kcli zookeeper-stop) or set another clientPort in zookeeper.properties"
        ) from None
    pid_path = config.data_dir / PID_FILE
    stop_path = config.data_dir / STOP_FILE
    stop_path.unlink(missing_ok=True)
    pid_path.write_text(f"{os.getpid()}\n", encoding="ascii")
    previous = _install_signals(lambda: loop.call_soon_threadsafe(stop.set))
    watcher = asyncio.create_task(_watch_stop_file(stop_path, stop)) if sys.platform == "win32" else None
    try:
        core = server.core
        on_started(Started(
            host, port, config.data_dir, (time.perf_counter() - launched_at) * 1000, server.recovered_txns,
            len(core.db.sessions.sessions), core.zxid, config.tick_time, tuple(sorted(config.four_letter_words)),
        ))
        await stop.wait()
    finally:
        _restore_signals(previous)
        if watcher is not None:
            watcher.cancel()
        await server.stop()
        pid_path.unlink(missing_ok=True)
        stop_path.unlink(missing_ok=True)


async def _watch_stop_file(path: Path, stop: asyncio.Event) -> None:
    while not path.exists():
        await asyncio.sleep(_STOP_POLL_S)
    stop.set()


def _install_signals(callback):
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, lambda *_: callback())
    return previous


def _restore_signals(previous) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def request_stop(data_dir: Path) -> int | None:
    """Ask the server using ``data_dir`` to stop; its pid, or None when none runs."""
    pid_path = data_dir / PID_FILE
    try:
        pid = int(pid_path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    if not _alive(pid):
        pid_path.unlink(missing_ok=True)
        return None
    if sys.platform == "win32":
        (data_dir / STOP_FILE).write_bytes(b"")
    else:
        os.kill(pid, signal.SIGTERM)
    return pid


def wait_stopped(data_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not (data_dir / PID_FILE).exists() or not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
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
