"""``kcli delete-records``: kafka-delete-records — delete records below given offsets."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def delete_records(
    offset_json_file: Optional[Path] = typer.Option(
        None, "--offset-json-file", metavar="FILE",
        help='REQUIRED: The JSON file with offset per partition. The format to use is: '
             '{"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version":1}',
    ),
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
) -> None:
    """Delete records of the given partitions down to the specified offset (kafka-delete-records).

    Example: kcli delete-records --bootstrap-server localhost:9092 --offset-json-file offsets.json
    """
    from kcli.tools import delete_records as tool
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    if offset_json_file is None:
        render.fail("Missing required argument \"[offset-json-file]\"")
    try:
        text = offset_json_file.read_text(encoding="utf-8")
    except OSError as exc:
        render.fail(f"Cannot read {offset_json_file}: {exc.strerror or exc}")
    try:
        command_props = read_properties(command_config) if command_config else {}
        settings = admin_settings(command_props)
        render.ignored_configs(settings.ignored)
        offsets = tool.parse_offset_json(text)
        render.out("Executing records delete operation")
        render.deleted_records(tool.delete_records(resolve_bootstrap(bootstrap_server, command_props), offsets, settings))
    except ToolError as exc:
        render.fail(exc.message)
