"""``kcli quickstart``: Kafka's classic tutorial, run end to end on a temporary embedded broker."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import typer

TOPIC = "coffee"
MESSAGES = ("This is my first event", "This is my second event", "This is my third event")


def quickstart(
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary data directory and print where it is."),
) -> None:
    """Run the Kafka quickstart on a temporary broker: create a topic, produce three events, read them back."""
    from kcli.broker.config import BrokerConfig
    from kcli.broker.server import run_in_thread
    from kcli.cli import render
    from kcli.tools.errors import ToolError

    console = render.quickstart_console()
    work = Path(tempfile.mkdtemp(prefix="kcli-quickstart-"))
    read: list[str] = []
    try:
        render.quickstart_step(console, 1, "Start the broker", "kcli server-start")
        broker = run_in_thread(BrokerConfig.from_properties({"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(work / "kafka-logs")}))
        render.quickstart_output(console, f"broker started on {broker.bootstrap}, data in {broker.log_dir}", stderr=True)
        try:
            read = _tutorial(console, broker.bootstrap)
        except ToolError as exc:
            render.quickstart_output(console, exc.message, stderr=True)
        finally:
            render.quickstart_step(console, 5, "Stop the broker", "kcli server-stop   (or Ctrl+C in its terminal)")
            broker.stop()
        render.quickstart_done(console, read == list(MESSAGES), work if keep else None)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    if read != list(MESSAGES):
        raise SystemExit(1)


def _tutorial(console, bs: str) -> list[str]:
    """Steps 2–4 against the broker at ``bs``, showing what each command prints; returns the events read back."""
    from kcli.cli import render
    from kcli.tools import console_consumer, console_producer, topics

    show = lambda line, stderr=False: render.quickstart_output(console, line, stderr=stderr)  # noqa: E731
    render.quickstart_step(console, 2, "Create a topic", f"kcli topics --create --topic {TOPIC} --bootstrap-server {bs}")
    topics.create(bs, TOPIC, 1, 1, {})
    show(f"Created topic {TOPIC}.")

    render.quickstart_step(console, 3, "Write three events", f"kcli console-producer --topic {TOPIC} --bootstrap-server {bs}")
    producer = console_producer.ConsoleProducer(bs, TOPIC, {}, lambda failure: show(failure.describe(), True))
    for line in MESSAGES:
        show(f">{line}")
        producer.send(console_producer.ProducerRecord(None, line.encode(), []))
    producer.close()  # waits for the three to be acknowledged

    render.quickstart_step(console, 4, "Read them back", f"kcli console-consumer --topic {TOPIC} --from-beginning --bootstrap-server {bs}")
    consumer = console_consumer.ConsoleConsumer(bs, {}, start=console_consumer.StartPosition("earliest"))
    read: list[str] = []
    try:
        selection = console_consumer.Selection(TOPIC)
        for record in consumer.records(selection, timeout_ms=10_000):
            read.append(record.value.decode())
            show(read[-1])
            if len(read) == len(MESSAGES):
                break
    finally:
        consumer.close()
    show(f"Processed a total of {len(read)} messages", True)
    return read
