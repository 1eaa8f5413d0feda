"""Running the ZooKeeper server as a process: its files and its start-up errors, on kcli/process.py's skeleton.

``<dataDir>/kcli-zookeeper.lock`` is locked by the server using that
directory; ``<dataDir>/zookeeper_server.pid`` (the name zkServer.sh uses)
holds its pid while it runs, and ``kcli-zookeeper.stop`` beside it is the
stop request on Windows. Either way the server fsyncs its log and writes a
snapshot before it exits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kcli import process
from kcli.process import StartError
from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.server import (
    LOCK_FILE,
    DataDirError,
    DataDirLocked,
    ZooKeeperServer,
)

PID_FILE = "zookeeper_server.pid"
STOP_FILE = "kcli-zookeeper.stop"
_FIX = "Stop it with kcli zookeeper-stop or set another dataDir in zookeeper.properties"


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


def files(data_dir: Path) -> process.ProcessFiles:
    return process.ProcessFiles(data_dir, PID_FILE, STOP_FILE, LOCK_FILE)


def serve(config: ZooKeeperConfig, on_started, launched_at: float | None = None) -> None:
    """Run a server until SIGINT/SIGTERM or a stop request; blocks."""
    server = ZooKeeperServer(config)

    def started(host: str, port: int, ready_ms: float) -> None:
        core = server.core
        on_started(Started(
            host, port, config.data_dir, ready_ms, server.recovered_txns,
            len(core.db.sessions.sessions), core.zxid, config.tick_time, tuple(sorted(config.four_letter_words)),
        ))

    process.serve(server, files(config.data_dir), started, lambda exc: _start_error(config, exc), launched_at or time.perf_counter())


def _start_error(config: ZooKeeperConfig, exc: Exception) -> str | None:
    if isinstance(exc, DataDirLocked):
        pid = process.running_pid(files(config.data_dir))
        if pid is None:  # its owner is still writing its pid file, or runs on a thread
            return f"{exc} {_FIX}"
        return f"zookeeper already running as process {pid} with dataDir {exc.data_dir}. {_FIX}"  # zkServer.sh's words
    if isinstance(exc, DataDirError):
        return str(exc)
    if isinstance(exc, OSError):
        address = config.client_port_address or "0.0.0.0"
        return (
            f"Unable to bind to {address}:{config.client_port}: {exc.strerror or exc}. Stop the other ZooKeeper "
            "(kcli zookeeper-stop) or set another clientPort in zookeeper.properties"
        )
    return None


def request_stop(data_dir: Path) -> int | None:
    """Ask the server using ``data_dir`` to stop; its pid, or None when none runs."""
    return process.request_stop(files(data_dir))


def wait_stopped(data_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    return process.wait_stopped(files(data_dir), pid, timeout_s)


__all__ = ["StartError", "Started", "request_stop", "serve", "wait_stopped"]
