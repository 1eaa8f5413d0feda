"""``kcli stream``: run, inspect and feed Spring Cloud Stream-style applications (Source / Processor / Sink)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="stream", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help=(
        "Spring Cloud Stream's Source / Processor / Sink functions, bound to Kafka and RabbitMQ by Spring's properties.\n\n"
        "Sub-commands: run APP [--config FILE] [--set KEY=VALUE]; bindings APP [--config FILE] [--set KEY=VALUE]; "
        "send DEST PAYLOAD [--config FILE] [--binder NAME] [--header KEY=VALUE].\n\n"
        "Example: kcli stream run orders.py --config application.properties"
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
)

_CONFIG = typer.Option(None, "--config", help="application.properties or application.yml (default: one in the current directory or beside APP).")
_SET = typer.Option([], "--set", help="A property, key=value, over the file's (repeatable), e.g. --set spring.cloud.stream.kafka.binder.brokers=localhost:9092.")


def _config(config: Optional[Path], app: Optional[str]) -> Optional[Path]:
    if config is not None:
        return config
    folders = [Path.cwd()] + ([Path(app).resolve().parent] if app and app.endswith(".py") else [])
    for folder in folders:
        for name in ("application.properties", "application.yml", "application.yaml"):
            if (folder / name).is_file():
                return folder / name
    return None


def _load(app: Optional[str], config: Optional[Path], sets: list[str]):
    from kcli.cli.render import stream as render
    from kcli.stream.application import load
    from kcli.stream.properties import parse_set

    resolution = load(app, _config(config, app), parse_set(sets))
    for warning in resolution.warnings:
        render.warn(warning)
    return resolution


@app.command("run", short_help="Run an application's bindings until Ctrl+C.")
def run(
    application: str = typer.Argument(..., metavar="APP", help="The application: a .py file (orders.py) or a module (pkg.orders)."),
    config: Optional[Path] = _CONFIG,
    sets: List[str] = _SET,
) -> None:
    """Run an application's bindings until Ctrl+C or SIGTERM; in-flight messages finish and are acknowledged.

    Example: kcli stream run orders.py --config application.properties
    """
    import logging
    import signal
    import sys

    from kcli.cli.render import stream as render
    from kcli.stream.errors import StreamError
    from kcli.stream.runner import StreamRunner

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        resolution = _load(application, config, sets)
        runner = StreamRunner(resolution)
        runner.start()
    except StreamError as exc:
        render.fail(exc.message)

    def _stop(signum, frame) -> None:
        runner.stop_requested()

    signal.signal(signal.SIGINT, _stop)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _stop)
    render.started(resolution)
    if sys.stdout.isatty():
        render.live_status(runner)
    else:
        while not runner.wait(0.5):
            pass
    runner.stop()
    render.stopped(runner)
    if runner.errors:
        raise typer.Exit(1)


@app.command("bindings", short_help="Print what each binding maps to.")
def bindings(
    application: str = typer.Argument(..., metavar="APP", help="The application: a .py file (orders.py) or a module (pkg.orders)."),
    config: Optional[Path] = _CONFIG,
    sets: List[str] = _SET,
) -> None:
    """Print what each binding maps to — binder, topic or exchange, group or queue, DLQ, partitions — without connecting.

    Example: kcli stream bindings orders.py --config application.properties
    """
    from kcli.cli.render import stream as render
    from kcli.stream.application import binding_rows
    from kcli.stream.errors import StreamError

    try:
        render.binding_table(binding_rows(_load(application, config, sets)))
    except StreamError as exc:
        render.fail(exc.message)


@app.command("send", short_help="Send one message to a destination.")
def send(
    destination: str = typer.Argument(..., metavar="DEST", help="A binding name from the properties, or a destination (topic or exchange)."),
    payload: str = typer.Argument(..., help="The payload: JSON is sent as application/json, other text as text/plain."),
    config: Optional[Path] = _CONFIG,
    binder: Optional[str] = typer.Option(None, "--binder", help="The binder for a destination that is not a binding (default: the default binder)."),
    header: List[str] = typer.Option([], "--header", help="A header, key=value (repeatable)."),
    sets: List[str] = _SET,
) -> None:
    """Send one message to a destination, as Spring's StreamBridge does.

    Example: kcli stream send orders '{"coffee": "latte"}' --config application.properties
    """
    from kcli.cli.render import stream as render
    from kcli.stream.application import send as send_one
    from kcli.stream.errors import StreamError
    from kcli.stream.properties import parse_set

    try:
        headers = parse_set(header)
        render.sent(send_one(_load(None, config, sets), destination, payload, headers, binder))
    except StreamError as exc:
        render.fail(exc.message.replace("--set expects", "--header expects"))
