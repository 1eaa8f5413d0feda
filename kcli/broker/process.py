"""Running the broker as a process: its files and its start-up errors, on kcli/process.py's skeleton.

``<log dir>/.lock`` is locked by the broker using that directory (Kafka's
file); ``<log dir>/kcli-broker.pid`` holds its pid while it runs, and
``kcli-broker.stop`` beside it is the stop request on Windows. Either way the
broker flushes and closes its logs before it exits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kcli import process
from kcli.broker.config import BrokerConfig, ConfigError
from kcli.broker.security import SecurityConfigError
from kcli.broker.server import LOCK_FILE, Broker, LogDirError, LogDirLocked
from kcli.broker.znodes import ZooKeeperError
from kcli.process import StartError

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
    recovered_segments: int = 0  # segments past their recovery point, recovered batch by batch
    recovered_bytes: int = 0
    listeners: tuple[str, ...] = ()  # "SASL_SSL://127.0.0.1:9094", one per bound listener


def files(log_dir: Path) -> process.ProcessFiles:
    return process.ProcessFiles(log_dir, PID_FILE, STOP_FILE, LOCK_FILE)


def serve(config: BrokerConfig, on_started, launched_at: float | None = None) -> None:
    """Run a broker until SIGINT/SIGTERM or a stop request; blocks."""
    broker = Broker(config)

    def started(host: str, port: int, ready_ms: float) -> None:
        catalog = broker.catalog
        on_started(Started(config.node_id, host, port, config.log_dir, ready_ms, catalog.recovered, config.zookeeper_connect,
                           catalog.recovered_segments, catalog.recovered_bytes,
                           tuple(f"{name}://{h}:{p}" for name, (h, p) in broker.addresses.items())))

    process.serve(broker, files(config.log_dir), started, lambda exc: _start_error(config, exc), launched_at or time.perf_counter())


def _start_error(config: BrokerConfig, exc: Exception) -> str | None:
    if isinstance(exc, LogDirLocked):
        pid = process.running_pid(files(config.log_dir))
        owner = f" (pid {pid})" if pid is not None else ""
        return f"{exc} Stop it with kcli server-stop{owner} or choose another directory with --override log.dirs=DIR"
    if isinstance(exc, (LogDirError, ZooKeeperError, SecurityConfigError)):
        return str(exc)
    if isinstance(exc, OSError):
        return (
            f"Socket server failed to bind to {config.listener_host or '0.0.0.0'}:{config.listener_port}: "
            f"{exc.strerror or exc}. Stop the other broker (kcli server-stop) or choose another port with "
            "--override listeners=PLAINTEXT://localhost:9093"
        )
    return None


def request_stop(log_dir: Path) -> int | None:
    """Ask the server using ``log_dir`` to stop; its pid, or None when none runs."""
    return process.request_stop(files(log_dir))


def wait_stopped(log_dir: Path, pid: int, timeout_s: float = 30.0) -> bool:
    return process.wait_stopped(files(log_dir), pid, timeout_s)


__all__ = ["ConfigError", "StartError", "Started", "request_stop", "serve", "wait_stopped"]
