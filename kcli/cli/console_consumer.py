"""``kcli console-consumer``: kafka-console-consumer — records to standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import (
    ZOOKEEPER_GONE, bootstrap_option, client_properties, command_timeout_option, resolve_bootstrap, zookeeper_option,
)


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
    formatter: Optional[str] = typer.Option(None, "--formatter", metavar="CLASS", help="kafka.tools.DefaultMessageFormatter (the default; also org.apache.kafka.tools.consumer.DefaultMessageFormatter), or json: one JSON object per record."),
    key_deserializer: Optional[str] = typer.Option(None, "--key-deserializer", metavar="CLASS", help="How to print keys, e.g. org.apache.kafka.common.serialization.LongDeserializer (String, Long, Integer, Short, Double, Float, ByteArray, Bytes, UUID, Void)."),
    value_deserializer: Optional[str] = typer.Option(None, "--value-deserializer", metavar="CLASS", help="How to print values; as --key-deserializer."),
    skip_message_on_error: bool = typer.Option(False, "--skip-message-on-error", help="Report a message that cannot be printed and go on, instead of stopping."),
    consumer_property: List[str] = typer.Option([], "--consumer-property", help="A consumer config, name=value (repeatable)."),
    consumer_config: Optional[Path] = typer.Option(None, "--consumer.config", help="A consumer properties file; --consumer-property wins over it."),
    isolation_level: Optional[str] = typer.Option(None, "--isolation-level", help="read_committed or read_uncommitted (default: read_uncommitted)."),
    group: Optional[str] = typer.Option(None, "--group", help="The consumer group to read in (default: a new console-consumer-NNNNN group that commits nothing)."),
    whitelist: Optional[str] = typer.Option(None, "--whitelist", hidden=True),
    command_timeout: int = command_timeout_option(),
    zookeeper: Optional[str] = zookeeper_option(),
) -> None:
    """Read data from Kafka topics and write it to standard output (kafka-console-consumer).

    Example: kcli console-consumer --topic coffee --from-beginning --bootstrap-server localhost:9092
    """
    from kcli.tools import console_consumer as tool
    from kcli.tools.errors import ToolError
    from kcli.tools.serialization import SerializationError

    include = _check_options(topic, include, whitelist, partition, offset, isolation_level, zookeeper, group)
    count = 0
    failure = None
    try:
        props = client_properties(consumer_config, consumer_property)
        start = tool.start_position(offset, from_beginning, props)
        formatter_props = _formatter_properties(property_, props, key_deserializer, value_deserializer)
        record_formatter = tool.formatter(formatter, formatter_props)
        bootstrap = resolve_bootstrap(bootstrap_server, props)
        consumer = tool.ConsoleConsumer(bootstrap, props, isolation_level, group, start, command_timeout,
                                        render.broker_unreachable, render.unresolved_server)
        render.ignored_configs(consumer.ignored)
        try:
            selection = tool.Selection(topic or _pick_topic(consumer, include), include, partition)
            for record in consumer.records(selection, timeout_ms):
                try:
                    data = record_formatter.format(record)
                except SerializationError as exc:
                    if not skip_message_on_error:
                        failure = exc
                        break
                    render.err(f"ERROR Error processing message, skipping this message: {exc.message}")
                    continue
                if not render.records(data):
                    break
                count += 1
                if max_messages is not None and count >= max_messages:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            consumer.close()
    except ToolError as exc:
        render.fail(exc.message)
    render.processed(count)
    if failure is not None:
        render.fail(f"ERROR Error processing message, terminating consumer process: {failure.message}")


def _formatter_properties(items: list[str], consumer_props: dict[str, str], key_deserializer, value_deserializer) -> dict[str, str]:
    """``--property`` values; ``--key-deserializer``/``--value-deserializer`` set the same properties, as in Kafka.

    A ``key.deserializer``/``value.deserializer`` consumer property (which Kafka's
    tool overrides with bytes) is taken as the formatter's when it names none.
    """
    from kcli.tools.client_config import parse_key_values

    props = parse_key_values(items)
    for part, flag in (("key", key_deserializer), ("value", value_deserializer)):
        name = f"{part}.deserializer"
        from_consumer = consumer_props.pop(name, None)
        if flag is not None:
            props[name] = flag
        elif from_consumer and name not in props:
            props[name] = from_consumer
    return props


def _check_options(topic, include, whitelist, partition, offset, isolation_level, zookeeper, group=None) -> str | None:
    """Kafka's option checks, in its words; returns the ``--include`` regex (``--whitelist`` is its old name)."""
    if zookeeper is not None:
        render.fail(ZOOKEEPER_GONE)
    if whitelist is not None:
        render.warn("Option --whitelist has been deprecated and will be removed in a future version. Use --include instead.")
        include = include or whitelist
    if isolation_level not in (None, "read_committed", "read_uncommitted"):
        render.fail(f"Unknown isolation level '{isolation_level}': use read_committed or read_uncommitted")
    if topic and include:
        render.fail("Exactly one of --include/--topic is required. ")
    if partition is not None and not topic:
        render.fail("The topic is required when partition is specified.")
    if offset is not None and partition is None:
        render.fail("The partition is required when offset is specified.")
    _check_values(topic, include, group)
    return include


def _check_values(topic, include, group) -> None:
    """A topic name Kafka accepts, an ``--include`` that is a regular expression, a group id that is not empty."""
    from kcli.tools import topics
    from kcli.tools.errors import ToolError

    if group == "":  # the broker refuses it when the consumer joins: say so before connecting
        render.fail("org.apache.kafka.common.errors.InvalidGroupIdException: The configured groupId is invalid.")
    try:
        if topic is not None:
            topics.validate_name(topic)
        if include is not None:
            topics.compile_pattern(include)
    except ToolError as exc:
        render.fail(exc.message)


def _pick_topic(consumer, include: str | None) -> str | None:
    """No --topic: on a terminal, ask which of the broker's topics to read; otherwise Kafka's error."""
    from kcli.cli import interactive

    if include is not None:
        return None
    try:
        topic = interactive.pick_topic(consumer.topics()) if sys.stdin.isatty() and sys.stdout.isatty() else None
    except KeyboardInterrupt:
        raise SystemExit(130) from None  # Ctrl+C at the picker: stop, quietly, as a shell does
    if not topic:
        render.fail("Exactly one of --include/--topic is required. ")
    return topic
