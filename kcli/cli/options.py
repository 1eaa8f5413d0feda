"""Options several commands share, spelled as Kafka's tools spell them, and how their values are resolved."""

from __future__ import annotations

import os
from pathlib import Path

import typer

DEFAULT_BOOTSTRAP = "localhost:9092"
ZOOKEEPER_GONE = (
    "zookeeper is not a recognized option: use --bootstrap-server localhost:9092 "
    "(Kafka's tools talk to the brokers, not to ZooKeeper, since Kafka 3.0)"
)


def bootstrap_option():
    return typer.Option(
        None, "--bootstrap-server",
        help=f"The Kafka server to connect to, host:port[,host:port] (default: $KCLI_BOOTSTRAP_SERVER or {DEFAULT_BOOTSTRAP}).",
        metavar="HOST:PORT",
    )


def zookeeper_option():
    return typer.Option(None, "--zookeeper", hidden=True)


def resolve_bootstrap(value: str | None, props: dict[str, str] | None = None) -> str:
    """``--bootstrap-server``, else ``bootstrap.servers`` from the properties file, else $KCLI_BOOTSTRAP_SERVER, else localhost:9092."""
    from_file = (props or {}).get("bootstrap.servers", "").strip()
    return value or from_file or os.environ.get("KCLI_BOOTSTRAP_SERVER") or DEFAULT_BOOTSTRAP


def client_properties(config_file: Path | None, items: list[str]) -> dict[str, str]:
    """A ``.properties`` file overlaid with ``name=value`` options, as Kafka merges ``--producer.config`` and ``--producer-property``."""
    from kcli.tools.client_config import parse_key_values, read_properties

    props = read_properties(config_file) if config_file else {}
    props.update(parse_key_values(items))
    return props


def tutorial_config(properties: Path | None) -> Path | None:
    """The tutorial's ``config/server.properties`` works as typed: kcli's shipped file stands in, and says so."""
    from kcli.cli import render
    from kcli.config import tutorial_path

    path, shipped_name = tutorial_path(properties)
    if shipped_name:
        render.err(f"Using kcli's shipped {shipped_name} ({path}): there is no {properties} here")
    return path
