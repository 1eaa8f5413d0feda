"""``kcli server-start`` and ``kcli server-stop``: parse, call kcli.broker, render."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli.launch import process_started
from kcli.cli.options import tutorial_config


def server_start(
    properties: Optional[Path] = typer.Argument(None, help="A Kafka server.properties file; kcli's defaults when omitted."),
    override: List[str] = typer.Option([], "--override", help="Set a property, e.g. --override log.dirs=/tmp/kafka-logs (repeatable)."),
    print_config: bool = typer.Option(False, "--print-config", help="Print the standalone defaults (kcli's config/kraft/server.properties) and exit."),
) -> None:
    """Start the embedded Kafka broker (kafka-server-start).

    Example: kcli server-start --override listeners=PLAINTEXT://localhost:9093
    """
    from kcli.cli import render

    if print_config:
        from kcli.config import shipped

        render.out(shipped("kraft/server.properties").rstrip("\n"))
        return
    _kafka_protocol_only()
    from kcli.broker import process
    from kcli.broker.config import BrokerConfig, ConfigError

    try:
        properties = tutorial_config(properties)
        config = BrokerConfig.load(properties, override)
        render.config_warnings(config.unknown_keys)
        process.serve(config, render.broker_started, process_started())
    except (ConfigError, process.StartError) as exc:
        render.fail(str(exc))
    render.broker_stopped()


def server_stop(
    properties: Optional[Path] = typer.Argument(None, help="The server.properties the broker was started with."),
    override: List[str] = typer.Option([], "--override", help="As given to server-start, e.g. --override log.dirs=DIR."),
) -> None:
    """Stop a broker started by kcli server-start on the same data directory (kafka-server-stop).

    With no file and no --override it stops the brokers on either default directory: standalone's and ZooKeeper mode's.
    """
    from kcli.broker import process
    from kcli.broker.config import BrokerConfig, ConfigError, default_log_dir
    from kcli.cli import render

    try:
        given = properties is not None or override
        properties = tutorial_config(properties)
        config = BrokerConfig.load(properties, override)
    except ConfigError as exc:
        render.fail(str(exc))
    log_dirs = [config.log_dir] if given else [default_log_dir(zookeeper_mode=False), default_log_dir(zookeeper_mode=True)]
    stopping = [(log_dir, pid) for log_dir in log_dirs if (pid := process.request_stop(log_dir)) is not None]
    if not stopping:
        render.fail("No kafka server to stop")
    for log_dir, pid in stopping:
        if not process.wait_stopped(log_dir, pid):
            render.fail(f"The kafka server (pid {pid}) did not stop within 30 seconds")


def _kafka_protocol_only() -> None:
    """Let this process import kafka-python's protocol and record modules without its package ``__init__``.

    The broker uses only ``kafka.protocol`` and ``kafka.record``; the package's
    ``__init__`` imports the admin client, consumer and producer as well, about
    150 ms of a broker's start-up (measured with ``python -X importtime``). The
    package is registered unexecuted, so its submodules import on their own.
    Only ``server-start`` does this: nothing else in its process uses the clients.
    """
    import importlib.util
    import sys

    if "kafka" not in sys.modules:
        spec = importlib.util.find_spec("kafka")
        if spec is not None and spec.submodule_search_locations:
            sys.modules["kafka"] = importlib.util.module_from_spec(spec)
