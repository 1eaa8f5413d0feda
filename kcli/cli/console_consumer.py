"""``kcli console-consumer``: kafka-console-consumer — records to standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def console_consumer(
    topic: Optional[str] = typer.Option(None, "--topic", help="The topic to consume from."),
    include: Optional[str] = typer.Option(None, "--include", help="Regular expression of the topics to consume from."),
    bootstrap_server: Optional[str] = bootstrap_option(),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start with the earliest message present in the log rather than the latest."),
    partition: Optional[int] = typer.Option(None, "--partition", help="The partition to consume from; consumption starts from the end unless --offset is given."),
    offset: Optional[str] = typer.Option(None, "--offset", help="earliest, latest, or an offset to start from (with --partition)."),
    max_messages: Optional[int] = typer.Option(None, "--max-messages", help="Exit after this many messages."),
    timeout_ms: Optional[int] = typer.Option(None, "--timeout-ms", help="Exit when no message arrives for this many milliseconds."),
    property_: List[str] = typer.Option([], "--property", help="Formatter property, e.g. print.key=true, print.timestamp=true, key.separator=: (repeatable)."),
    consumer_property: List[str] = typer.Option([], "--consumer-property", help="A consumer config, name=value (repeatable)."),
    consumer_config: Optional[Path] = typer.Option(None, "--consumer.config", help="A consumer properties file; --consumer-property wins over it."),
    isolation_level: str = typer.Option("read_uncommitted", "--isolation-level", help="read_committed or read_uncommitted."),
    group: Optional[str] = typer.Option(None, "--group", help="The consumer group id (not available yet)."),
) -> None:
    """Read data from Kafka topics and write it to standard output (kafka-console-consumer).

    Example: kcli console-consumer --topic coffee --from-beginning --bootstrap-server localhost:9092
    """
    from kcli.cli import interactive
    from kcli.tools import console_consumer as tool
    from kcli.tools.client_config import parse_key_values, read_properties
    from kcli.tools.errors import ToolError

    if group is not None:
        render.fail("Consumer groups are not available yet in kcli: leave out --group to read by partition.")
    if isolation_level not in ("read_committed", "read_uncommitted"):
        render.fail(f"Unknown isolation level '{isolation_level}': use read_committed or read_uncommitted")
    if topic and include:
        render.fail("Exactly one of --include/--topic is required. ")
    if partition is not None and not topic:
        render.fail("The topic is required when partition is specified.")
    if offset is not None and partition is None:
        render.fail("The partition is required when offset is specified.")
    if offset is not None and from_beginning:
        render.fail("Options from-beginning and offset cannot be specified together.")
    bootstrap = resolve_bootstrap(bootstrap_server)
    count = 0
    try:
        start = tool.StartPosition.parse(offset) if offset else tool.StartPosition("earliest" if from_beginning else "latest")
        props = read_properties(consumer_config) if consumer_config else {}
        props.update(parse_key_values(consumer_property))
        props.pop("bootstrap.servers", None)
        formatter = tool.MessageFormatter.from_properties(parse_key_values(property_))
        consumer = tool.ConsoleConsumer(bootstrap, props, isolation_level)
        if not topic and not include:
            topic = interactive.pick_topic(consumer.topics()) if sys.stdin.isatty() and sys.stdout.isatty() else None
            if not topic:
                consumer.close()
                render.fail("Exactly one of --include/--topic is required. ")
        consumer.assign([topic] if topic else None, include, partition, start)
        try:
            for record in consumer.records(timeout_ms):
                if not render.records(formatter.format(record)):
                    break
                count += 1
                if max_messages is not None and count >= max_messages:
                    break
        except KeyboardInterrupt:
            pass
        consumer.close()
    except ToolError as exc:
        render.fail(exc.message)
    render.processed(count)
