"""``kcli transactions``: kafka-transactions — list, describe, describe-producers, find-hanging, abort."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap

app = typer.Typer(
    name="transactions", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help=(
        "This tool is used to analyze the transactional state of producers in the cluster. "
        "It can be used to detect and recover from hanging transactions (kafka-transactions).\n\n"
        "Example: kcli transactions --bootstrap-server localhost:9092 describe --transactional-id my-app"
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def transactions(
    ctx: typer.Context,
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", metavar="FILE",
                                                  help="property file containing configs to be passed to admin client"),
    output: str = typer.Option("table", "--output", metavar="FORMAT", help="table (Kafka's layout) or json"),
) -> None:
    ctx.obj = (bootstrap_server, command_config, output)


def _run(ctx: typer.Context, call) -> None:
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    bootstrap_server, command_config, output = ctx.obj
    if output not in ("table", "json"):
        render.fail(f"Unknown --output {output}: choose table or json")
    try:
        props = read_properties(command_config) if command_config else {}
        settings = admin_settings(props)
        render.ignored_configs(settings.ignored)
        table = call(resolve_bootstrap(bootstrap_server, props), settings)
        if table is not None:
            render.transactions_table(table, output)
    except ToolError as exc:
        render.fail(exc.message)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """list transactions"""
    from kcli.tools import transactions as tool

    _run(ctx, lambda bootstrap, settings: tool.list_transactions(bootstrap, settings))


@app.command("describe")
def describe(ctx: typer.Context, transactional_id: str = typer.Option(..., "--transactional-id", help="transactional id")) -> None:
    """describe the state of an active transactional-id"""
    from kcli.tools import transactions as tool

    _run(ctx, lambda bootstrap, settings: tool.describe(bootstrap, transactional_id, settings))


@app.command("describe-producers")
def describe_producers(
    ctx: typer.Context,
    topic: str = typer.Option(..., "--topic", help="topic name"),
    partition: int = typer.Option(..., "--partition", help="partition number"),
    broker_id: Optional[int] = typer.Option(None, "--broker-id", help="optional broker id to describe the producer state on a specific replica"),
) -> None:
    """describe the active producers of a partition"""
    from kcli.tools import transactions as tool

    _run(ctx, lambda bootstrap, settings: tool.describe_producers(bootstrap, topic, partition, settings))


@app.command("find-hanging")
def find_hanging(
    ctx: typer.Context,
    topic: Optional[str] = typer.Option(None, "--topic", help="topic name to limit search to"),
    partition: Optional[int] = typer.Option(None, "--partition", help="partition number"),
    broker_id: Optional[int] = typer.Option(None, "--broker-id", help="broker id to search for hanging transactions"),
    max_transaction_timeout: int = typer.Option(15, "--max-transaction-timeout",
                                                help="maximum transaction timeout in minutes to limit the scope of the search"),
) -> None:
    """find hanging transactions"""
    from kcli.tools import transactions as tool

    _run(ctx, lambda bootstrap, settings: tool.find_hanging(bootstrap, topic, partition, broker_id, max_transaction_timeout, settings))


@app.command("abort")
def abort(
    ctx: typer.Context,
    topic: str = typer.Option(..., "--topic", help="topic name"),
    partition: int = typer.Option(..., "--partition", help="partition number"),
    start_offset: Optional[int] = typer.Option(None, "--start-offset", help="start offset of the transaction to abort"),
    producer_id: Optional[int] = typer.Option(None, "--producer-id", help="producer id"),
    producer_epoch: Optional[int] = typer.Option(None, "--producer-epoch", help="producer epoch"),
    coordinator_epoch: Optional[int] = typer.Option(None, "--coordinator-epoch", help="coordinator epoch"),
) -> None:
    """abort a hanging transaction (admin only)"""
    from kcli.tools import transactions as tool

    _run(ctx, lambda bootstrap, settings: tool.abort(bootstrap, topic, partition, start_offset, producer_id, producer_epoch,
                                                     coordinator_epoch, settings))
