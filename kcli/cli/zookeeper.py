"""``kcli zookeeper-start`` and ``kcli zookeeper-stop``: parse, call kcli.zookeeper, render."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli.launch import process_started
from kcli.cli.options import tutorial_config


def zookeeper_start(
    properties: Optional[Path] = typer.Argument(None, help="A zookeeper.properties (or zoo.cfg) file; kcli's shipped one when omitted."),
    print_config: bool = typer.Option(False, "--print-config", help="Print the shipped zookeeper.properties and exit."),
) -> None:
    """Start the embedded ZooKeeper-protocol server (zookeeper-server-start).

    Example: kcli zookeeper-start zookeeper.properties
    """
    from kcli.cli import render

    if print_config:
        from kcli.config import shipped

        render.out(shipped("zookeeper.properties").rstrip("\n"))
        return
    from kcli.zookeeper import process
    from kcli.zookeeper.config import ConfigError, ZooKeeperConfig

    try:
        properties = tutorial_config(properties)
        config = ZooKeeperConfig.load(properties)
        render.config_warnings(config.unknown_keys)
        process.serve(config, render.zookeeper_started, process_started())
    except (ConfigError, process.StartError) as exc:
        render.fail(str(exc))
    render.zookeeper_stopped()


def zookeeper_stop(
    properties: Optional[Path] = typer.Argument(None, help="The zookeeper.properties the server was started with."),
) -> None:
    """Stop a server started by kcli zookeeper-start on the same dataDir (zookeeper-server-stop)."""
    from kcli.cli import render
    from kcli.zookeeper import process
    from kcli.zookeeper.config import ConfigError, ZooKeeperConfig

    try:
        properties = tutorial_config(properties)
        config = ZooKeeperConfig.load(properties)
    except ConfigError as exc:
        render.fail(str(exc))
    pid = process.request_stop(config.data_dir)
    if pid is None:
        render.fail("No zookeeper server to stop")
    if not process.wait_stopped(config.data_dir, pid):
        render.fail(f"The zookeeper server (pid {pid}) did not stop within 30 seconds")

