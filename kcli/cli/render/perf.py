"""producer-perf-test, consumer-perf-test and e2e-latency: Kafka's lines, and a progress bar on a terminal.

The formats are ProducerPerformance.Stats' and ConsumerPerformance's printf patterns. MB is 1024 × 1024 bytes.
A division by zero prints as Java prints the double (Infinity, NaN).
"""

from __future__ import annotations

import sys

from kcli.cli.render.output import out

_MB = 1024 * 1024


def _java_ratio(a: float, b: float) -> float:
    if b:
        return a / b
    return float("nan") if a == 0 else float("inf") if a > 0 else float("-inf")


def _jf(value: float, spec: str) -> str:
    """Java's ``%<spec>`` of a double, Infinity and NaN included."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return format(value, spec)


def producer_window(w) -> None:
    """A 5-second window: ``N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.``"""
    per_s = _java_ratio(1000.0 * w.count, w.elapsed_ms)
    mb_s = _java_ratio(1000.0 * w.bytes, w.elapsed_ms) / _MB
    out(f"{w.count} records sent, {_jf(per_s, '.1f')} records/sec ({_jf(mb_s, '.2f')} MB/sec), "
        f"{_jf(_java_ratio(w.total_latency, w.count), '.1f')} ms avg latency, {_jf(float(w.max_latency), '.1f')} ms max latency.")


def producer_total(t) -> None:
    """The summary line, with the 50th, 95th, 99th and 99.9th percentile latencies."""
    per_s = _java_ratio(1000.0 * t.count, t.elapsed_ms)
    mb_s = _java_ratio(1000.0 * t.bytes, t.elapsed_ms) / _MB
    p50, p95, p99, p999 = t.percentiles
    out(f"{t.count} records sent, {_jf(per_s, 'f')} records/sec ({_jf(mb_s, '.2f')} MB/sec), "
        f"{_jf(_java_ratio(t.total_latency, t.count), '.2f')} ms avg latency, {_jf(float(t.max_latency), '.2f')} ms max latency, "
        f"{p50} ms 50th, {p95} ms 95th, {p99} ms 99th, {p999} ms 99.9th.")


def payload_file(path, count: int | None = None) -> None:
    """``Reading payloads from: PATH`` before the file is read, ``Number of messages read: N`` after."""
    out(f"Reading payloads from: {path}" if count is None else f"Number of messages read: {count}")


def client_metrics(entries) -> None:
    """ToolsUtils.printMetrics: a blank line, ``Metric Name   Value``, then ``name : value`` (doubles with 3 decimals)."""
    if not entries:
        return
    width = max(len(name) for name, _ in entries)
    out(f"\n{'Metric Name':<{width}}   Value")
    for name, value in entries:
        text = _jf(value, ".3f") if isinstance(value, float) else str(value)
        out(f"{name:<{width}} : {text}")


def consumer_perf_header(detailed: bool) -> None:
    first = "time, threadId" if detailed else "start.time, end.time"
    out(f"{first}, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, "
        "fetch.MB.sec, fetch.nMsg.sec")


def consumer_perf_result(result, date_format) -> None:
    """The summary row; a timed-out run is preceded by Kafka's warning (on stdout, as Kafka prints it)."""
    elapsed_s = (result.end_ms - result.start_ms) / 1000.0
    mb = result.bytes / _MB
    fetch_s = result.fetch_ms / 1000.0
    out(", ".join([
        date_format.format(result.start_ms), date_format.format(result.end_ms), _jf(mb, ".4f"),
        _jf(_java_ratio(mb, elapsed_s), ".4f"), str(result.messages), _jf(_java_ratio(result.messages, elapsed_s), ".4f"),
        str(result.join_ms), str(result.fetch_ms), _jf(_java_ratio(mb, fetch_s), ".4f"),
        _jf(_java_ratio(result.messages, fetch_s), ".4f"),
    ]))


def consumer_perf_timeout(timeout_ms: int) -> None:
    out(f"WARNING: Exiting before consuming the expected number of messages: timeout ({timeout_ms} ms) exceeded. "
        "You can use the --timeout option to increase the timeout.")


def consumer_perf_interval(iv, date_format) -> None:
    """A ``--show-detailed-stats`` row: thread 0, totals so far, the interval's rates overall and while fetching."""
    mb_interval = iv.interval_bytes / _MB
    fetch_ms = iv.interval_ms - iv.join_ms
    fetch_mb_s = 0.0 if fetch_ms <= 0 else 1000.0 * mb_interval / fetch_ms
    fetch_msg_s = 0.0 if fetch_ms <= 0 else 1000.0 * iv.interval_messages / fetch_ms
    out(", ".join([
        date_format.format(iv.end_ms), "0", _jf(iv.bytes / _MB, ".4f"),
        _jf(_java_ratio(1000.0 * mb_interval, iv.interval_ms), ".4f"), str(iv.messages),
        _jf(_java_ratio(1000.0 * iv.interval_messages, iv.interval_ms), ".4f"),
        str(iv.join_ms), str(fetch_ms), _jf(fetch_mb_s, ".4f"), _jf(fetch_msg_s, ".4f"),
    ]))


class _NoProgress:
    def __call__(self, done: int) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class _Progress:
    """A rich progress bar on stderr; while it shows, lines written to a terminal stdout print above it."""

    def __init__(self, total: int, description: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True, redirect_stdout=sys.stdout.isatty(), redirect_stderr=False,
        )
        self._task = self._progress.add_task(description, total=total)

    def __call__(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()


def perf_progress(total: int, description: str, terminal: bool | None = None):
    """A context manager whose value takes the count done so far: a live bar when stderr is a terminal, else nothing,
    so piped output is exactly Kafka's."""
    shown = sys.stderr.isatty() if terminal is None else terminal
    return _Progress(total, description) if shown else _NoProgress()


def _java_double(value: float) -> str:
    """Java's ``Double.toString``: the shortest digits, ``.0`` on whole numbers, ``E`` notation outside 10⁻³..10⁷."""
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value))
    mantissa, _, exponent = f"{value:.16e}".partition("e")
    digits = repr(float(mantissa)).rstrip("0")
    return f"{digits}0E{int(exponent)}" if digits.endswith(".") else f"{digits}E{int(exponent)}"


def e2e_creating_topic(topic: str, partitions: int, replication_factor: int) -> None:
    out(f'Topic "{topic}" does not exist. Will create topic with {partitions} partition(s) and replication factor = {replication_factor}')


def e2e_sample(number: int, ms: float) -> None:
    """Every 1,000th round trip: its number, a tab, its milliseconds as a Java double."""
    out(f"{number}\t{_java_double(ms)}")


def e2e_results(latencies) -> None:
    out(f"Avg latency: {latencies.average_ms:.4f} ms")
    out(f"Percentiles: 50th = {latencies.percentile(0.5)}, 99th = {latencies.percentile(0.99)}, "
        f"99.9th = {latencies.percentile(0.999)}")
