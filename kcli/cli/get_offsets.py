"""``kcli get-offsets``: kafka-get-offsets — the offsets of topic partitions, earliest, latest or by time."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def get_offsets(
    bootstrap_server: Optional[str] = bootstrap_option(),
    topic: Optional[str] = typer.Option(None, "--topic", help="The topic to get the offsets for; a regular expression. All topics when absent. Not with --topic-partitions."),
    partitions: Optional[str] = typer.Option(None, "--partitions", help="Comma-separated partition ids. All partitions when absent. Not with --topic-partitions."),
    topic_partitions: Optional[str] = typer.Option(None, "--topic-partitions", metavar="topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3",
                                                   help="Comma-separated topic-regex:partition rules; a range N-M excludes M."),
    time: str = typer.Option("latest", "--time", metavar="TIME",
                             help="The offsets for this time: latest (-1), earliest (-2), max-timestamp (-3), or the first offset at or after a timestamp in ms."),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    exclude_internal_topics: bool = typer.Option(False, "--exclude-internal-topics", help="Leave internal topics out."),
) -> None:
    """An interactive shell for getting topic-partition offsets (kafka-get-offsets).

    Prints topic:partition:offset per partition. Example: kcli get-offsets --topic coffee --time earliest --bootstrap-server localhost:9092
    """
    from kcli.tools import get_offsets as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    try:
        command_props = read_properties(command_config) if command_config else {}
        try:  # GetOffsetShell checks the servers itself, with its own message
            bootstrap = resolve_bootstrap(bootstrap_server, command_props)
        except ToolError:
            bootstrap = ""
        if not _valid_bootstrap(bootstrap):
            render.fail("Please provide valid host:port like host1:9091,host2:9092")
        selection = tool.rules(topic, partitions, topic_partitions)
        timestamp = tool.parse_time(time)
        settings = admin_settings(command_props)
        render.ignored_configs(settings.ignored)
        render.partition_offsets(tool.get_offsets(bootstrap, selection, timestamp, exclude_internal_topics, settings))
    except ToolError as exc:
        render.fail(f"Error occurred: {exc.message}")


def _valid_bootstrap(value: str) -> bool:
    """ToolsUtils.validateBootstrapServer: every entry is host:port."""
    import re

    return all(re.fullmatch(r"\[?[^\s\[\]]*\]?:\d+", entry.strip()) for entry in value.split(","))
