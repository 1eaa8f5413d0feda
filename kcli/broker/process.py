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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kcli import process

from kcli.broker.config import BrokerConfig, ConfigError
from kcli.broker.server import Broker, LogDirError
from kcli.broker.znodes import ZooKeeperError

PID_FILE = "kcli-broker.pid"
STOP_FILE = "kcli-broker.stop"


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
    previous = process.install_signals(lambda: loop.call_soon_threadsafe(stop.set))
    try:
        on_started(Started(config.node_id, host, port, config.log_dir, (time.perf_counter() - launched_at) * 1000, broker.catalog.recovered,
                           config.zookeeper_connect))
        if sys.platform == "win32":
            watcher = asyncio.create_task(process.watch_stop_file(stop_path, stop))
        await stop.wait()
    finally:
        process.restore_signals(previous)
        await broker.stop()
        pid_path.unlink(missing_ok=True)
        stop_path.unlink(missing_ok=True)
    if sys.platform == "win32":
        watcher.cancel()



def request_stop(log_dir: Path) -> int | None:
    """Ask the server using ``log_dir`` to stop; its pid, or None when none runs."""
    return process.request_stop(log_dir / PID_FILE, log_dir / STOP_FILE)


def wait_stopped(log_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    return process.wait_stopped(log_dir / PID_FILE, pid, timeout_s)


__all__ = ["ConfigError", "StartError", "Started", "serve", "request_stop", "wait_stopped"]
