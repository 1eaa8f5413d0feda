"""``kcli console-producer``: kafka-console-producer — one record per line of standard input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import bootstrap_option, resolve_bootstrap


def console_producer(
    topic: Optional[str] = typer.Option(None, "--topic", help="REQUIRED: The topic to produce messages to."),
    bootstrap_server: Optional[str] = bootstrap_option(),
    broker_list: Optional[str] = typer.Option(None, "--broker-list", help="DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified."),
    property_: List[str] = typer.Option([], "--property", help="Line reader property, e.g. parse.key=true, key.separator=:, parse.headers=true, null.marker=NULL (repeatable)."),
    producer_property: List[str] = typer.Option([], "--producer-property", help="A producer config, name=value, e.g. linger.ms=100 (repeatable)."),
    producer_config: Optional[Path] = typer.Option(None, "--producer.config", help="A producer properties file; --producer-property wins over it."),
    request_required_acks: Optional[str] = typer.Option(None, "--request-required-acks", help="The acks the producer requires: 0, 1 or -1/all (default: -1)."),
    compression_codec: Optional[str] = typer.Option(None, "--compression-codec", help="none, gzip, snappy, lz4 or zstd (default: none)."),
    sync: bool = typer.Option(False, "--sync", help="Send each record synchronously, one at a time."),
) -> None:
    """Read data from standard input and publish it to Kafka (kafka-console-producer).

    Example: kcli console-producer --topic coffee --bootstrap-server localhost:9092
    """
    from kcli.cli import interactive
    from kcli.tools import console_producer as tool
    from kcli.tools.client_config import parse_key_values, read_properties
    from kcli.tools.errors import ToolError

    if not topic:
        render.fail('Missing required argument "[topic]"')
    if broker_list and not bootstrap_server:
        render.err("Option --broker-list is deprecated and will be ignored. Please use --bootstrap-server instead.")
    bootstrap = resolve_bootstrap(bootstrap_server or broker_list)
    try:
        props = read_properties(producer_config) if producer_config else {}
        props.update(parse_key_values(producer_property))
        props.pop("bootstrap.servers", None)
        if request_required_acks is not None:
            props["acks"] = request_required_acks
        if compression_codec is not None:
            if compression_codec not in tool.CODECS:
                render.fail(f"Unknown compression codec '{compression_codec}': use one of {', '.join(tool.CODECS)}")
            props["compression.type"] = compression_codec
        reader = tool.LineReader.from_properties(parse_key_values(property_))
        producer = tool.ConsoleProducer(bootstrap, topic, props, lambda f: render.err(f.describe()), sync)
    except ToolError as exc:
        render.fail(exc.message)
    try:
        if sys.stdin.isatty():
            interactive.produce_lines(producer, reader)
        else:
            _produce_piped(producer, reader, sys.stdin)
    except ToolError as exc:
        producer.close()
        render.fail(exc.message)
    producer.close()
    if producer.failures:
        raise SystemExit(1)


def _produce_piped(producer, reader, stream) -> None:
    for number, line in enumerate(stream, 1):
        producer.send(reader.read(line.rstrip("\r\n"), number))
    producer.flush()
