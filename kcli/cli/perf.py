"""``kcli producer-perf-test``, ``consumer-perf-test`` and ``e2e-latency``: Kafka's perf tools, their flags and lines.

producer-perf-test parses as Kafka's argparse4j parser does (``--producer-props a=b c=d``
takes every value up to the next option; errors read ``producer-performance: error: ...``;
no arguments at all print the help, exit 0); consumer-perf-test as its jopt-simple parser does
(``Missing required argument "[messages]"``); e2e-latency takes Kafka 3.x's positional arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.commands import KcliCommand
from kcli.cli.options import bootstrap_option, client_properties, resolve_bootstrap

_MANY_VALUES = ("--producer-props", "--command-property")  # argparse4j nargs("+")


_JAVA_TYPES = {"--num-records": "Long", "--record-size": "Integer", "--throughput": "Double", "--transaction-duration-ms": "Long"}


class ArgparseCommand(KcliCommand):
    """producer-perf-test's command line as argparse4j reads it: ``--producer-props a=b c=d`` takes each value up to
    the next option, and a mistake is ``producer-performance: error: ...`` in argparse4j's words."""

    def parse_args(self, ctx, args):
        from typer._click.exceptions import BadOptionUsage, BadParameter, NoSuchOption

        if not args:  # ProducerPerformance: no arguments print the help, exit 0
            render.out(ctx.get_help())
            ctx.exit(0)
        expanded, option = [], None
        for arg in args:
            if arg.startswith("-") and not arg.lstrip("-").replace(".", "").isdigit():
                option = arg if arg in _MANY_VALUES else None
                expanded.append(arg)
            elif option is not None and expanded[-1] != option:
                expanded += [option, arg]
            else:
                expanded.append(arg)
        try:
            return super().parse_args(ctx, list(expanded))  # click consumes the list it is given
        except NoSuchOption as exc:
            _producer_error(f"unrecognized arguments: '{exc.option_name}'")
        except BadOptionUsage as exc:
            _producer_error(f"argument {exc.option_name}: expected one argument")
        except BadParameter as exc:
            name = max(exc.param.opts, key=len) if exc.param is not None else "?"
            value = _value_after(expanded, name)
            _producer_error(f"argument {name}: could not convert '{value}' to {_JAVA_TYPES.get(name, 'String')}")


def _value_after(args: list[str], option: str) -> str:
    return next((args[i + 1] for i in range(len(args) - 1) if args[i] == option), "")


def _producer_error(message: str):
    render.fail(f"producer-performance: error: {message}")


def producer_perf_test(
    topic: Optional[str] = typer.Option(None, "--topic", help="REQUIRED: produce messages to this topic."),
    num_records: Optional[int] = typer.Option(None, "--num-records", help="REQUIRED: number of messages to produce."),
    record_size: Optional[int] = typer.Option(None, "--record-size", help="Message size in bytes (one of --record-size, --payload-file, --payload-monotonic)."),
    payload_file: Optional[Path] = typer.Option(None, "--payload-file", help="UTF-8 file to read the payloads from; each record takes one at random."),
    payload_delimiter: str = typer.Option("\\n", "--payload-delimiter", help="Delimiter of the payloads in --payload-file."),
    payload_monotonic: bool = typer.Option(False, "--payload-monotonic", help="Payloads are the records' numbers: 0, 1, 2 and on."),
    throughput: Optional[float] = typer.Option(None, "--throughput", help="REQUIRED: at most about this many messages/sec; -1: no limit."),
    producer_props: List[str] = typer.Option([], "--producer-props", metavar="NAME=VALUE", help="Producer configs, name=value name=value, e.g. bootstrap.servers=localhost:9092 acks=1; they win over --producer.config."),
    command_property: List[str] = typer.Option([], "--command-property", hidden=True),
    producer_config: Optional[Path] = typer.Option(None, "--producer.config", help="A producer properties file."),
    command_config: Optional[Path] = typer.Option(None, "--command-config", hidden=True),
    bootstrap_server: Optional[str] = bootstrap_option(),
    print_metrics: bool = typer.Option(False, "--print-metrics", help="Print the producer's metrics at the end."),
    transactional_id: Optional[str] = typer.Option(None, "--transactional-id", help="Produce in transactions with this id."),
    transaction_duration_ms: Optional[int] = typer.Option(None, "--transaction-duration-ms", help="Commit a transaction after this many ms (default 3000 when transactional)."),
) -> None:
    """Measure the producer's throughput and latency (kafka-producer-perf-test).

    Example: kcli producer-perf-test --topic t --num-records 100000 --record-size 100 --throughput -1 --producer-props bootstrap.servers=localhost:9092
    """
    from kcli.tools import producer_perf as tool
    from kcli.tools.errors import ToolError

    for name, value in (("--topic", topic), ("--num-records", num_records), ("--throughput", throughput)):
        if value is None:
            _producer_error(f"argument {name} is required")
    payload_options = [n for n, given in (("--record-size", record_size is not None), ("--payload-file", payload_file is not None),
                                          ("--payload-monotonic", payload_monotonic)) if given]
    if not payload_options:
        _producer_error("one of the arguments --record-size --payload-file --payload-monotonic is required")
    if len(payload_options) > 1:
        _producer_error(f"argument {payload_options[1]}: not allowed with argument {payload_options[0]}")
    assert num_records is not None and throughput is not None and topic is not None
    if num_records <= 0:
        _producer_error("--num-records should be greater than zero")
    if record_size is not None and record_size <= 0:
        _producer_error("--record-size should be greater than zero")
    props_given = producer_props or command_property
    config_file = producer_config or command_config
    if not props_given and config_file is None and bootstrap_server is None:
        _producer_error("Either --producer-props or --producer.config must be specified.")
    if transaction_duration_ms is not None and transaction_duration_ms <= 0:
        _producer_error("--transaction-duration-ms should be greater than zero")
    try:
        payloads: list[bytes] = []
        if payload_file is not None:
            render.payload_file(payload_file.absolute())
            payloads = tool.read_payloads(payload_file, "\n" if payload_delimiter == "\\n" else payload_delimiter)
            render.payload_file(payload_file, len(payloads))
        for item in (*producer_props, *command_property):
            if item.count("=") != 1:
                raise ToolError(f"Invalid property: {item}")  # Kafka splits on every '='
        props = client_properties(config_file, [*producer_props, *command_property])
        bootstrap = resolve_bootstrap(bootstrap_server, props)
        settings = tool.producer_settings(topic, num_records, throughput, props, transactional_id, transaction_duration_ms)
        perf = tool.ProducerPerformance(bootstrap, settings, render.broker_unreachable, render.unresolved_server)
        render.ignored_configs(perf.ignored)
        try:
            with render.perf_progress(num_records, "producing") as progress:
                total = perf.run(tool.Payloads(record_size, payloads, payload_monotonic), render.producer_window,
                                 render.err, progress)
            render.producer_total(total)
            if print_metrics:
                render.client_metrics(perf.metrics())
        finally:
            perf.close()
    except ToolError as exc:
        render.fail(exc.message)


def consumer_perf_test(
    bootstrap_server: Optional[str] = bootstrap_option(),
    broker_list: Optional[str] = typer.Option(None, "--broker-list", help="DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified."),
    topic: Optional[str] = typer.Option(None, "--topic", help="The topic to consume from."),
    include: Optional[str] = typer.Option(None, "--include", help="Regular expression of the topics to consume from."),
    messages: Optional[int] = typer.Option(None, "--messages", help="REQUIRED: The number of messages to consume."),
    num_records: Optional[int] = typer.Option(None, "--num-records", hidden=True),
    group: Optional[str] = typer.Option(None, "--group", help="The group id to consume in (default: perf-consumer- and a random number)."),
    fetch_size: int = typer.Option(1024 * 1024, "--fetch-size", help="The amount of data to fetch in a single request (max.partition.fetch.bytes)."),
    from_latest: bool = typer.Option(False, "--from-latest", help="Without a committed offset, start at the latest record, not the earliest."),
    socket_buffer_size: int = typer.Option(2 * 1024 * 1024, "--socket-buffer-size", help="The size of the TCP receive buffer."),
    consumer_config: Optional[Path] = typer.Option(None, "--consumer.config", help="Consumer config properties file."),
    command_config: Optional[Path] = typer.Option(None, "--command-config", hidden=True),
    print_metrics: bool = typer.Option(False, "--print-metrics", help="Print out the metrics."),
    show_detailed_stats: bool = typer.Option(False, "--show-detailed-stats", help="Report stats every --reporting-interval."),
    timeout: int = typer.Option(10_000, "--timeout", help="The maximum allowed time in milliseconds between returned records."),
    reporting_interval: int = typer.Option(5_000, "--reporting-interval", help="Interval in milliseconds at which to print progress info."),
    date_format: str = typer.Option("yyyy-MM-dd HH:mm:ss:SSS", "--date-format", help="Java SimpleDateFormat pattern of the time fields."),
    hide_header: bool = typer.Option(False, "--hide-header", help="Skip printing the header for the stats."),
) -> None:
    """Measure the consumer's throughput (kafka-consumer-perf-test).

    Example: kcli consumer-perf-test --bootstrap-server localhost:9092 --topic t --messages 100000
    """
    from kcli.tools import consumer_perf as tool
    from kcli.tools.errors import ToolError

    count = messages if messages is not None else num_records
    if count is None:
        render.fail('Missing required argument "[messages]"')
    if (topic is None) == (include is None):
        render.fail("Exactly one of the following arguments is required: [topic], [include]")
    if broker_list and not bootstrap_server:
        render.warn("Option --broker-list is DEPRECATED, use --bootstrap-server instead.")
    try:
        dates = tool.SimpleDateFormat(date_format)
        if not hide_header:
            render.consumer_perf_header(show_detailed_stats)
        if reporting_interval <= 0:
            raise ToolError("Reporting interval must be greater than 0.")
        props = client_properties(consumer_config or command_config, [])
        bootstrap = resolve_bootstrap(bootstrap_server if bootstrap_server is not None else broker_list, props)
        perf = tool.ConsumerPerformance(bootstrap, props, group or tool.default_group(), fetch_size, socket_buffer_size,
                                        from_latest, render.broker_unreachable, render.unresolved_server)
        render.ignored_configs(perf.ignored)
        try:
            on_interval = (lambda iv: render.consumer_perf_interval(iv, dates)) if show_detailed_stats else None
            with render.perf_progress(count, "consuming") as progress:
                result = perf.run(count, timeout, reporting_interval, topic, include, on_interval, progress)
            metrics = perf.metrics() if print_metrics else []
        finally:
            perf.close()
        if result.timed_out:
            render.consumer_perf_timeout(timeout)
        if not show_detailed_stats:
            render.consumer_perf_result(result, dates)
        render.client_metrics(metrics)
    except ToolError as exc:
        render.fail(exc.message)


E2E_USAGE = "USAGE: kcli e2e-latency broker_list topic num_messages producer_acks message_size_bytes [optional] properties_file"


def e2e_latency(
    args: List[str] = typer.Argument(None, metavar="[BROKERS TOPIC N ACKS SIZE [FILE]]",
                                     help="broker_list topic num_messages producer_acks message_size_bytes, then an optional "
                                          "properties file, as Kafka's kafka-e2e-latency takes them."),
) -> None:
    """Measure the round trip of one record at a time, producer to consumer (kafka-e2e-latency).

    Example: kcli e2e-latency localhost:9092 latency 10000 1 100
    """
    from kcli.tools import end_to_end_latency as tool
    from kcli.tools.client_config import read_properties
    from kcli.tools.errors import ToolError

    args = args or []
    if len(args) not in (5, 6):
        render.fail(E2E_USAGE)
    brokers, topic, num_messages, acks, message_size = args[:5]
    properties = args[5] if len(args) == 6 and args[5].strip() else None
    try:
        numbers = []
        for text in (num_messages, message_size):
            try:
                numbers.append(int(text))
            except ValueError:
                raise ToolError(f'For input string: "{text}"') from None  # Java's NumberFormatException
        tool.check_acks(acks)
        props = read_properties(properties) if properties else {}
        bootstrap = resolve_bootstrap(brokers, props)
        latency = tool.EndToEndLatency(bootstrap, topic, acks, props, render.broker_unreachable, render.unresolved_server,
                                       render.e2e_creating_topic)
        render.ignored_configs(latency.ignored)
        try:
            with render.perf_progress(numbers[0], "round trips") as progress:
                def sample(i: int, ms: float) -> None:
                    progress(i)
                    render.e2e_sample(i, ms)
                result = latency.run(numbers[0], numbers[1], sample)
        finally:
            latency.close()
        if result.ms:
            render.e2e_results(result)
    except ToolError as exc:
        render.fail(exc.message)
