"""``kcli quickstart``: Kafka's classic tutorial, run end to end on a temporary embedded broker."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

MESSAGES = ("This is my first event", "This is my second event", "This is my third event")


def quickstart(
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary data directory and print where it is."),
) -> None:
    """Run the Kafka quickstart on a temporary broker: create a topic, produce three events, read them back."""
    from kcli.broker.config import BrokerConfig
    from kcli.broker.server import run_in_thread
    from kcli.cli import render
    from kcli.tools import console_consumer, console_producer, topics
    from kcli.tools.errors import ToolError

    work = Path(tempfile.mkdtemp(prefix="kcli-quickstart-"))
    config = BrokerConfig.from_properties({"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(work / "kafka-logs")})
    step = render.quickstart_step
    step(1, "Start the broker", "kcli server-start")
    broker = run_in_thread(config)
    render.out(f"  broker listening on {broker.bootstrap}, data in {broker.log_dir}")
    bs = broker.bootstrap
    try:
        step(2, "Create a topic", f"kcli topics --create --topic coffee --bootstrap-server {bs}")
        topics.create(bs, "coffee", 1, 1, {})
        render.created_topic("coffee")
        step(3, "Write three events", f"kcli console-producer --topic coffee --bootstrap-server {bs}")
        producer = console_producer.ConsoleProducer(bs, "coffee", {}, lambda f: render.err(f.describe()))
        for line in MESSAGES:
            render.out(f">{line}")
            producer.send(console_producer.ProducerRecord(None, line.encode(), []))
        producer.flush()
        producer.close()
        step(4, "Read them back", f"kcli console-consumer --topic coffee --from-beginning --bootstrap-server {bs}")
        consumer = console_consumer.ConsoleConsumer(bs, {})
        consumer.assign(["coffee"], None, None, console_consumer.StartPosition("earliest"))
        count = 0
        for record in consumer.records(timeout_ms=10_000):
            render.out(record.value.decode())
            count += 1
            if count == len(MESSAGES):
                break
        consumer.close()
        render.processed(count)
    except ToolError as exc:
        render.fail(exc.message)
    finally:
        step(5, "Stop the broker", "kcli server-stop   (or Ctrl+C in its window)")
        broker.stop()
    render.quickstart_done(work if keep else None)
    if not keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    if count != len(MESSAGES):
        raise SystemExit(1)
