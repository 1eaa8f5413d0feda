"""The ``kcli`` command: Kafka's tools without the ``kafka-`` prefix."""

from __future__ import annotations

from typing import Optional

import typer

from kcli import __version__
from kcli.cli import console_consumer, console_producer, consumer_groups, quickstart, server, topics, zookeeper, zookeeper_shell
from kcli.cli.commands import KcliCommand, KcliGroup, usage_when_empty
from kcli.cli.completion import COMPLETE_VAR, SHELLS, complete
from kcli.cli import configs, dump_log, get_offsets, log_dirs, storage
from kcli.cli import acls, certs, delete_records, transactions
from kcli.cli import perf
from kcli.cli import stream as stream_commands

app = typer.Typer(
    name="kcli",
    cls=KcliGroup,
    help="Apache Kafka's quickstart tools — broker, topics, console producer and consumer — with no Java.",
    no_args_is_help=True,
    add_completion=False,  # kcli's own --show-completion SHELL, and completion answered by kcli.cli.completion
    rich_markup_mode=None,  # click's plain help: clean at 80 columns, and --help imports no rich
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


def _show_completion(value: str | None) -> None:
    from kcli.cli import completion

    if value:
        if value not in SHELLS:
            raise typer.BadParameter(f"'{value}': use one of {', '.join(SHELLS)}")
        typer.echo(completion.script(value))
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print kcli's version and exit."),
    show_completion: Optional[str] = typer.Option(
        None, "--show-completion", metavar="SHELL", callback=_show_completion, is_eager=True,
        help=f"Print the completion script for SHELL ({', '.join(SHELLS)}), e.g. eval \"$(kcli --show-completion bash)\".",
    ),
) -> None:
    """Apache Kafka's quickstart tools — broker, topics, console producer and consumer — with no Java.

    Kafka's script names work too: kcli kafka-topics ... is kcli topics ...
    """


app.command("quickstart", cls=KcliCommand)(quickstart.quickstart)
app.command("server-start", cls=KcliCommand)(server.server_start)
app.command("server-stop", cls=KcliCommand)(server.server_stop)
app.command("zookeeper-start", cls=KcliCommand)(zookeeper.zookeeper_start)
app.command("zookeeper-stop", cls=KcliCommand)(zookeeper.zookeeper_stop)
app.command("topics", cls=usage_when_empty(topics.NO_ACTION))(topics.topics)  # kafka-topics with no arguments: its error, then its usage
app.command("console-producer", cls=KcliCommand)(console_producer.console_producer)
app.command("console-consumer", cls=KcliCommand)(console_consumer.console_consumer)
app.command("consumer-groups", cls=usage_when_empty(consumer_groups.NO_ACTION))(consumer_groups.consumer_groups)
app.command("zookeeper-shell", cls=KcliCommand, context_settings=zookeeper_shell.CONTEXT)(zookeeper_shell.zookeeper_shell)
app.command("dump-log", cls=KcliCommand, no_args_is_help=True)(dump_log.dump_log)
app.command("get-offsets", cls=KcliCommand, no_args_is_help=True)(get_offsets.get_offsets)
app.command("configs", cls=KcliCommand, no_args_is_help=True)(configs.configs)
app.command("log-dirs", cls=KcliCommand, no_args_is_help=True)(log_dirs.log_dirs)
app.add_typer(storage.app, name="storage")
app.add_typer(transactions.app, name="transactions")
app.command("delete-records", cls=KcliCommand, no_args_is_help=True)(delete_records.delete_records)
app.add_typer(stream_commands.app, name="stream")
app.command("certs", cls=KcliCommand)(certs.certs)
app.command("acls", cls=KcliCommand, no_args_is_help=True)(acls.acls)
app.command("producer-perf-test", cls=perf.ArgparseCommand)(perf.producer_perf_test)
app.command("consumer-perf-test", cls=KcliCommand)(perf.consumer_perf_test)
app.command("e2e-latency", cls=KcliCommand)(perf.e2e_latency)


def _usage_message(exc, no_such_option) -> str:
    """Click's message, except an unknown option, which gets jopt-simple's wording as Kafka's tools print it."""
    if isinstance(exc, no_such_option):
        known = f"; did you mean {' or '.join(sorted(exc.possibilities))}?" if exc.possibilities else ""
        return f"{exc.option_name.lstrip('-')} is not a recognized option{known}"
    return exc.format_message()


def main() -> None:
    """Run the app; a usage mistake is one line on stderr and exit 1, as with Kafka's tools."""
    import os
    import sys

    from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError  # typer 0.29 vendors click

    from kcli.cli import render

    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:  # a Tab in a shell that sourced kcli's completion script
        from typer.main import get_command

        raise SystemExit(complete(get_command(app), instruction))
    try:
        code = app(standalone_mode=False, prog_name="kcli")
        if isinstance(code, int) and code:  # without standalone mode typer returns Exit's code (130 on Ctrl+C)
            raise SystemExit(code)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        render.err("Aborted.")
        raise SystemExit(130) from None
    except NoArgsIsHelpError as exc:  # plain `kcli`: the usage on stderr, exit 1, as Kafka's tools with no arguments
        render.err(exc.format_message())
        raise SystemExit(1) from None
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "kcli"
        render.err(f"{_usage_message(exc, NoSuchOption)} (see '{command} --help')")
        raise SystemExit(1) from None
    except BrokenPipeError:
        sys.stderr.close()
