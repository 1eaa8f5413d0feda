"""``kcli storage``: kafka-storage — random-uuid, format and info for KRaft log directories (kcli/broker/meta_properties.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli import render
from kcli.cli.options import tutorial_config

app = typer.Typer(
    name="storage", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help=(
        "The Kafka storage tool (kafka-storage): format log directories for KRaft mode, show what they hold.\n\n"
        "Sub-commands: random-uuid; format -t CLUSTER_ID -c CONFIG [--standalone] [--ignore-formatted] [--no-initial-controllers]; info -c CONFIG.\n\n"
        "Example: kcli storage format --standalone -t \"$(kcli storage random-uuid)\" -c config/kraft/server.properties"
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("random-uuid")
def random_uuid() -> None:
    """Print a random UUID, for format's --cluster-id."""
    from kcli.broker.meta_properties import random_uuid as new_uuid

    render.out(new_uuid())


@app.command("format")
def format_(
    config: Path = typer.Option(..., "--config", "-c", help="The Kafka configuration file to use."),
    cluster_id: str = typer.Option(..., "--cluster-id", "-t", help="The cluster ID to use (kcli storage random-uuid makes one)."),
    ignore_formatted: bool = typer.Option(False, "--ignore-formatted", "-g", help="When this option is passed, the format command will skip over already formatted directories rather than failing."),
    release_version: Optional[str] = typer.Option(None, "--release-version", "-r", help="The release's metadata.version (kcli: 3.9-IV0)."),
    standalone: bool = typer.Option(False, "--standalone", "-s", help="Used to initialize a controller as a single-node dynamic quorum."),
    no_initial_controllers: bool = typer.Option(False, "--no-initial-controllers", "-N", help="Used to initialize a server without a dynamic quorum topology."),
) -> None:
    """Format a KRaft server's log directories.

    Writes meta.properties with the cluster ID and node ID in each log directory.
    """
    from kcli.broker.meta_properties import METADATA_VERSION, FormatPlan, StorageError, format_storage

    props, default_dir = _config(config)
    plan = FormatPlan(props, cluster_id, standalone, no_initial_controllers, ignore_formatted, release_version or METADATA_VERSION)
    try:
        for line in format_storage(plan, default_dir).lines:
            render.out(line)
    except StorageError as exc:
        render.fail(str(exc))


@app.command("info")
def info(config: Path = typer.Option(..., "--config", "-c", help="The Kafka configuration file to use.")) -> None:
    """Show what the log directories of a server hold."""
    from kcli.broker import meta_properties

    props, default_dir = _config(config)
    if render.storage_info(meta_properties.info(props, default_dir)):
        raise typer.Exit(1)


def _config(path: Path) -> tuple[dict[str, str], Path]:
    """The properties as the broker would read them (the tutorial's config/… paths work), and kcli's default log dir."""
    from kcli.broker.config import default_log_dir
    from kcli.config.properties import parse_properties

    resolved = tutorial_config(path) or path
    try:
        return parse_properties(Path(resolved).read_text(encoding="utf-8")), default_log_dir()
    except OSError as exc:
        render.fail(f"{path} ({exc.strerror})")
