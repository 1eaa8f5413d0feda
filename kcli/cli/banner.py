"""What the broker prints: the start-up banner, the started line, warnings and fatal errors (stderr)."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

from rich.console import Console
from rich.logging import RichHandler


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def fail(message: str) -> NoReturn:
    _console().print(f"[bold red]ERROR[/] {message}")
    raise SystemExit(1)


def config_warnings(unknown_keys) -> None:
    if unknown_keys:
        _console().print(
            f"[yellow]WARN[/] These configs were supplied but are not used by kcli: {', '.join(unknown_keys)}"
        )


def broker_started(started) -> None:
    from kcli import __version__

    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=_console(), show_path=False, markup=False)],
    )
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — Kafka-compatible broker")
    console.print(f"  listener        PLAINTEXT://{started.host}:{started.port}")
    console.print(f"  data directory  {started.log_dir}")
    if started.recovered:
        console.print("  recovery        the last shutdown was not clean; logs were checked and torn tails cut")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][KafkaServer id=0] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def broker_stopped() -> None:
    _console().print("[KafkaServer id=0] shut down completed")
