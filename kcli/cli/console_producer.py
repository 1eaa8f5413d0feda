"""``kcli console-producer``: kafka-console-producer — one record per line of standard input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, client_properties, command_timeout_option, resolve_bootstrap


def console_producer(
    topic: Optional[str] = typer.Option(None, "--topic", help="REQUIRED: The topic to produce messages to."),
    bootstrap_server: Optional[str] = bootstrap_option(),
    broker_list: Optional[str] = typer.Option(None, "--broker-list", help="DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified."),
    property_: List[str] = typer.Option([], "--property", help="Line reader property, e.g. parse.key=true, key.separator=:, parse.headers=true, null.marker=NULL, value.serializer=org.apache.kafka.common.serialization.LongSerializer (repeatable)."),
    format_: str = typer.Option("line", "--format", metavar="line|json", help="line: Kafka's line reader; json: records as console-consumer --formatter json prints them."),
    producer_property: List[str] = typer.Option([], "--producer-property", help="A producer config, name=value, e.g. linger.ms=100 (repeatable)."),
    producer_config: Optional[Path] = typer.Option(None, "--producer.config", help="A producer properties file; --producer-property wins over it."),
    request_required_acks: Optional[str] = typer.Option(None, "--request-required-acks", help="The acks the producer requires: 0, 1 or -1/all (default: -1)."),
    compression_codec: Optional[str] = typer.Option(None, "--compression-codec", help="none, gzip, snappy, lz4 or zstd (default: none)."),
    sync: bool = typer.Option(False, "--sync", help="Send each record synchronously, one at a time."),
    no_history: bool = typer.Option(False, "--no-history", help=(
        "Keep no history of the lines typed at the prompt. Without it, they are kept per broker and topic, "
        "readable by you only, under kcli's state directory: ~/.local/state/kcli/producer-history on Linux, "
        "~/Library/Application Support/kcli/producer-history on macOS, %LOCALAPPDATA%\\kcli\\producer-history on Windows.")),
    command_timeout: int = command_timeout_option(),
) -> None:
    """Read data from standard input and publish it to Kafka (kafka-console-producer).

    Example: kcli console-producer --topic coffee --bootstrap-server localhost:9092
    """
    from kcli.cli import interactive
    from kcli.tools import console_producer as tool
    from kcli.tools import topics as tool_topics
    from kcli.tools.errors import ToolError

    _check_options(topic, bootstrap_server, broker_list, compression_codec)
    try:
        topic = tool_topics.validate_name(topic or "")
        props = client_properties(producer_config, producer_property)
        props.update(_flag_properties(request_required_acks, compression_codec))
        reader = tool.LineReader.from_properties(_reader_properties(property_, props), format_)
        bootstrap = resolve_bootstrap(bootstrap_server if bootstrap_server is not None else broker_list, props)
        producer = tool.ConsoleProducer(bootstrap, topic, props, lambda failure: render.err(failure.describe()), sync, command_timeout,
                                        render.broker_unreachable, render.unresolved_server)
        render.ignored_configs(producer.ignored)
        try:
            if sys.stdin.isatty():
                interactive.produce_lines(producer, reader, history=interactive.producer_history(bootstrap, topic, keep=not no_history))
            else:
                _produce_piped(producer, reader, _utf8(sys.stdin))
        finally:
            producer.close()
    except ToolError as exc:
        render.fail(exc.message)
    if producer.failures:
        raise SystemExit(1)


def _check_options(topic, bootstrap_server, broker_list, compression_codec) -> None:
    from kcli.tools.console_producer import CODECS

    if not topic:
        render.fail('Missing required argument "[topic]"')
    if broker_list and not bootstrap_server:
        render.warn("Option --broker-list is DEPRECATED, use --bootstrap-server instead.")
    if compression_codec is not None and compression_codec not in CODECS:
        render.fail(f"Unknown compression codec '{compression_codec}': use one of {', '.join(CODECS)}")


def _reader_properties(items: list[str], producer_props: dict[str, str]) -> dict[str, str]:
    """``--property`` values; a ``key.serializer``/``value.serializer`` producer property counts when they name none."""
    from kcli.tools.client_config import parse_key_values

    props = parse_key_values(items)
    for name in ("key.serializer", "value.serializer"):
        from_producer = producer_props.pop(name, None)
        if from_producer and name not in props:
            props[name] = from_producer
    return props


def _flag_properties(acks: str | None, codec: str | None) -> dict[str, str]:
    """The producer properties Kafka's own flags stand for; they win over --producer-property."""
    props = {}
    if acks is not None:
        props["acks"] = acks
    if codec is not None:
        props["compression.type"] = codec
    return props


def _utf8(stdin):
    """Standard input read as UTF-8 whatever the console's code page, as Kafka reads it."""
    import io

    buffer = getattr(stdin, "buffer", None)
    return stdin if buffer is None else io.TextIOWrapper(buffer, encoding="utf-8", errors="replace")


def _produce_piped(producer, reader, stream) -> None:
    """Piped input: no prompt, records batched by the producer, one flush at the end."""
    try:
        for number, line in enumerate(stream, 1):
            producer.send(reader.read(line.rstrip("\n"), number))
    finally:
        producer.flush()
