"""Running the broker as a process: the pid file, stop requests, signals.

``<log dir>/kcli-broker.pid`` holds the pid of the broker serving that
directory while it runs. ``kcli server-stop`` reads it and asks that process to
stop: SIGTERM on POSIX; on Windows, where a signal cannot be delivered
cleanly to another console process, it creates ``kcli-broker.stop`` beside the
pid file, which the broker watches. Either way the broker flushes and closes
its logs before it exits. Signals are installed with ``signal.signal`` because
``loop.add_signal_handler`` does not exist on Windows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kcli.broker.config import BrokerConfig, ConfigError
from kcli.broker.server import Broker, LogDirError
from kcli.broker.znodes import ZooKeeperError

PID_FILE = "kcli-broker.pid"
STOP_FILE = "kcli-broker.stop"
_STOP_POLL_S = 0.25


@dataclass(frozen=True)
class Started:
    node_id: int
    host: str
    port: int
    log_dir: Path
    ready_ms: float
    recovered: bool
    zookeeper: str | None = None  # zookeeper.connect, when registered there


class StartError(Exception):
    """Start-up failed for a reason the user can fix; the message says how."""


def serve(config: BrokerConfig, on_started, launched_at: float | None = None) -> None:
    """Run a broker until SIGINT/SIGTERM or a stop request; blocks."""
    asyncio.run(_serve(config, on_started, launched_at or time.perf_counter()))


async def _serve(config: BrokerConfig, on_started, launched_at: float) -> None:
    broker = Broker(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        host, port = await broker.start()
    except (LogDirError, ZooKeeperError) as exc:
        raise StartError(str(exc)) from None
    except OSError as exc:
        raise StartError(
            f"Socket server failed to bind to {config.listener_host or '0.0.0.0'}:{config.listener_port}: "
            f"{exc.strerror or exc}. Stop the other broker (kcli server-stop) or choose another port with "
            "--override listeners=PLAINTEXT://localhost:9093"
        ) from None
    pid_path = config.log_dir / PID_FILE
    stop_path = config.log_dir / STOP_FILE
    stop_path.unlink(missing_ok=True)
    pid_path.write_text(f"{os.getpid()}\n", encoding="ascii")
    previous = _install_signals(lambda: loop.call_soon_threadsafe(stop.set))
    try:
        on_started(Started(config.node_id, host, port, config.log_dir, (time.perf_counter() - launched_at) * 1000, broker.catalog.recovered,
                           config.zookeeper_connect))
        if sys.platform == "win32":
            watcher = asyncio.create_task(_watch_stop_file(stop_path, stop))
        await stop.wait()
    finally:
        _restore_signals(previous)
        await broker.stop()
        pid_path.unlink(missing_ok=True)
        stop_path.unlink(missing_ok=True)
    if sys.platform == "win32":
        watcher.cancel()


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


def request_stop(log_dir: Path) -> int | None:
    """Ask the broker serving ``log_dir`` to stop; its pid, or None when none runs."""
    pid_path = log_dir / PID_FILE
    try:
        pid = int(pid_path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    if not _alive(pid):
        pid_path.unlink(missing_ok=True)
        return None
    if sys.platform == "win32":
        (log_dir / STOP_FILE).write_bytes(b"")
    else:
        os.kill(pid, signal.SIGTERM)
    return pid


def wait_stopped(log_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not (log_dir / PID_FILE).exists() or not _alive(pid):
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


__all__ = ["ConfigError", "StartError", "Started", "serve", "request_stop", "wait_stopped"]
