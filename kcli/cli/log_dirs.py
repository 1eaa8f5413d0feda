"""``kcli log-dirs``: kafka-log-dirs — the brokers' log directories and the size of each partition, as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def log_dirs(
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    describe: bool = typer.Option(False, "--describe", help="REQUIRED: describe the log directories on the brokers."),
    topic_list: str = typer.Option("", "--topic-list", metavar="topic1,topic2", help="Only these topics (all when absent)."),
    broker_list: str = typer.Option("", "--broker-list", metavar="0,1,2", help="Only these brokers (all when absent)."),
) -> None:
    """Query log directory usage on the specified brokers (kafka-log-dirs).

    Example: kcli log-dirs --describe --topic-list coffee --bootstrap-server localhost:9092
    """
    from kcli.tools import log_dirs as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    if not describe:
        render.fail('Missing required argument "[describe]"')
    try:
        command_props = read_properties(command_config) if command_config else {}
        settings = admin_settings(command_props)
        render.ignored_configs(settings.ignored)
        try:
            [int(b) for b in broker_list.split(",") if b]
        except ValueError as exc:
            raise ToolError(f'For input string: "{str(exc).rsplit(" ", 1)[-1].strip(chr(39))}"') from None
        render.out("Querying brokers for log directories information")
        result = tool.describe(resolve_bootstrap(bootstrap_server, command_props), topic_list, broker_list, settings)
        render.log_dirs(result)
    except ToolError as exc:
        render.fail(exc.message)
