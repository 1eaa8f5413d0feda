"""Options several commands share, spelled as Kafka's tools spell them."""

from __future__ import annotations

import os

import typer

DEFAULT_BOOTSTRAP = "localhost:9092"


def bootstrap_option():
    return typer.Option(
        None, "--bootstrap-server",
        help=f"The Kafka server to connect to, host:port[,host:port] (default: $KCLI_BOOTSTRAP_SERVER or {DEFAULT_BOOTSTRAP}).",
        metavar="HOST:PORT",
    )


def resolve_bootstrap(value: str | None) -> str:
    return value or os.environ.get("KCLI_BOOTSTRAP_SERVER") or DEFAULT_BOOTSTRAP
