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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kcli import process

from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import DataDirError, ZooKeeperServer

PID_FILE = "zookeeper_server.pid"
STOP_FILE = "kcli-zookeeper.stop"


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
    previous = process.install_signals(lambda: loop.call_soon_threadsafe(stop.set))
    watcher = asyncio.create_task(process.watch_stop_file(stop_path, stop)) if sys.platform == "win32" else None
    try:
        core = server.core
        on_started(Started(
            host, port, config.data_dir, (time.perf_counter() - launched_at) * 1000, server.recovered_txns,
            len(core.db.sessions.sessions), core.zxid, config.tick_time, tuple(sorted(config.four_letter_words)),
        ))
        await stop.wait()
    finally:
        process.restore_signals(previous)
        if watcher is not None:
            watcher.cancel()
        await server.stop()
        pid_path.unlink(missing_ok=True)
        stop_path.unlink(missing_ok=True)



def request_stop(data_dir: Path) -> int | None:
    """Ask the server using ``data_dir`` to stop; its pid, or None when none runs."""
    return process.request_stop(data_dir / PID_FILE, data_dir / STOP_FILE)


def wait_stopped(data_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    return process.wait_stopped(data_dir / PID_FILE, pid, timeout_s)
