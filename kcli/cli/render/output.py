"""The streams every client tool writes to: data on stdout, messages, warnings and errors on stderr."""

from __future__ import annotations

import sys
from typing import NoReturn


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def warn(text: str) -> None:
    """A warning on stderr, marked as Kafka's tools mark them."""
    err(f"WARN {text}")


def ignored_configs(ignored) -> None:
    """Client properties kcli's clients leave out: Kafka's wording for unknown ones, the reason for the rest."""
    for key, reason in ignored:
        warn(f"The configuration '{key}' was supplied but isn't a known config." if reason is None
             else f"The configuration '{key}' is ignored: {reason}.")


def fail(message: str) -> NoReturn:
    """One readable line on stderr, exit 1: Kafka's wording where Kafka has one."""
    err(message)
    raise SystemExit(1)


def broker_unreachable(refused) -> None:
    """The first refused connection: Kafka's NetworkClient warning, and what to do about it."""
    warn(refused.warning)
    err("Is a broker running? Start one with: kcli server-start")


def unresolved_server(server) -> None:
    warn(f"Couldn't resolve server {server} from bootstrap.servers as DNS resolution failed for {server.host}")
