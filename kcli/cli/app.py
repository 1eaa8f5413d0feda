"""The ``kcli`` command: Kafka's tools without the ``kafka-`` prefix."""

from __future__ import annotations

import typer

from kcli import __version__
from kcli.cli import console_consumer, console_producer, consumer_groups, quickstart, server, topics, zookeeper, zookeeper_shell
from kcli.cli import stream as stream_commands

app = typer.Typer(
    name="kcli",
    help="Apache Kafka's quickstart tools — broker, topics, console producer and consumer — with no Java.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print kcli's version and exit.")) -> None:
    """Apache Kafka's quickstart tools — broker, topics, console producer and consumer — with no Java."""


app.command("quickstart")(quickstart.quickstart)
app.command("server-start")(server.server_start)
app.command("server-stop")(server.server_stop)
app.command("zookeeper-start")(zookeeper.zookeeper_start)
app.command("zookeeper-stop")(zookeeper.zookeeper_stop)
app.command("topics", no_args_is_help=True)(topics.topics)  # kafka-topics with no arguments prints its usage
app.command("console-producer")(console_producer.console_producer)
app.command("console-consumer")(console_consumer.console_consumer)
app.command("consumer-groups", no_args_is_help=True)(consumer_groups.consumer_groups)
app.command("zookeeper-shell", context_settings=zookeeper_shell.CONTEXT)(zookeeper_shell.zookeeper_shell)
app.add_typer(stream_commands.app, name="stream")


def _usage_message(exc, no_such_option) -> str:
    """Click's message, except an unknown option, which gets jopt-simple's wording as Kafka's tools print it."""
    if isinstance(exc, no_such_option):
        known = f"; did you mean {' or '.join(sorted(exc.possibilities))}?" if exc.possibilities else ""
        return f"{exc.option_name.lstrip('-')} is not a recognized option{known}"
    return exc.format_message()


def main() -> None:
    """Run the app; a usage mistake is one line on stderr and exit 1, as with Kafka's tools."""
    import sys

    from typer._click.exceptions import NoSuchOption, UsageError  # typer 0.29 vendors click

    from kcli.cli import render

    try:
        code = app(standalone_mode=False, prog_name="kcli")
        if isinstance(code, int) and code:  # without standalone mode typer returns Exit's code (130 on Ctrl+C)
            raise SystemExit(code)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        render.err("Aborted.")
        raise SystemExit(130) from None
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "kcli"
        if exc.format_message():  # empty after no_args_is_help printed the usage
            render.err(f"{_usage_message(exc, NoSuchOption)} (see '{command} --help')")
        raise SystemExit(1) from None
    except BrokenPipeError:
        sys.stderr.close()
