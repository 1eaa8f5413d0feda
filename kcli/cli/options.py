"""Options several commands share, spelled as Kafka's tools spell them, and how their values are resolved."""

from __future__ import annotations

import os
from pathlib import Path

import typer

DEFAULT_BOOTSTRAP = "localhost:9092"
DEFAULT_COMMAND_TIMEOUT_MS = 10_000
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
    """``--bootstrap-server``, else ``bootstrap.servers`` from the properties file, else $KCLI_BOOTSTRAP_SERVER, else localhost:9092.

    The value is checked as Kafka checks ``bootstrap.servers`` (ToolError in its words) and written ``host:port,...``.
    """
    from kcli.tools import bootstrap

    from_file = (props or {}).get("bootstrap.servers")
    env = os.environ.get("KCLI_BOOTSTRAP_SERVER") or None  # set but empty counts as unset
    text = next((v for v in (value, from_file, env) if v is not None), DEFAULT_BOOTSTRAP)
    return bootstrap.normalize(text)


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


def command_timeout_option():
    return typer.Option(
        DEFAULT_COMMAND_TIMEOUT_MS, "--command-timeout", metavar="MS", min=1,
        help="Milliseconds to wait for a broker to answer before giving up.",
    )


def reporting(settings):
    """Client settings that report a refused connection and an unresolvable server on stderr, as they happen."""
    import dataclasses

    from kcli.cli import render

    return dataclasses.replace(settings, on_refused=render.broker_unreachable, on_unresolved=render.unresolved_server)
