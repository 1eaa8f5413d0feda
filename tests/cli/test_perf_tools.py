"""``kcli producer-perf-test`` and ``consumer-perf-test``: Kafka's lines (the format, never the speed) and errors."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from kcli.tools.consumer_perf import SimpleDateFormat
from kcli.tools.producer_perf import Payloads, Stats, Throttler, read_payloads
from kcli.tools.errors import ToolError

NUMBER = r"(?:\d+\.\d+|NaN|Infinity)"
PRODUCER_TOTAL = re.compile(
    r"(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d\d) MB/sec\), (\d+\.\d\d) ms avg latency, "
    r"(\d+\.\d\d) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.")
PRODUCER_WINDOW = re.compile(r"\d+ records sent, \d+\.\d records/sec \(\d+\.\d\d MB/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.")
HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
          "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}"


def test_stats_windows_and_percentiles_follow_kafkas_arithmetic():
    stats = Stats(num_records=10, start_ms=1_000)
    assert stats.record(5, 100, now_ms=2_000) is None
    closed = stats.record(7, 100, now_ms=6_000)  # 5 s after the window opened: it closes with this record
    assert (closed.count, closed.bytes, closed.elapsed_ms, closed.total_latency, closed.max_latency) == (2, 200, 5_000, 12, 7)
    assert stats.record(1, 100, now_ms=6_001) is None
    for latency in range(10, 17):
        stats.record(latency, 100, now_ms=6_002)
    total = stats.total(now_ms=11_000)
    assert (total.count, total.bytes, total.elapsed_ms, total.max_latency) == (10, 1_000, 10_000, 16)
    # sorted samples 1 5 7 10 11 12 13 14 15 16: index int(p × 10)
    assert total.percentiles == (12, 16, 16, 16)


def test_stats_keep_one_latency_in_every_sampling_step():
    stats = Stats(num_records=1_500_000, start_ms=0)
    assert stats.sampling == 3
    for i in range(9):
        stats.record(i, 1, now_ms=1)
    assert stats._samples == [0, 3, 6]


def test_throttler_sleeps_the_deficit_once_ahead_of_the_target():
    slept = []
    throttler = Throttler(1_000, start_ms=0, sleep=slept.append)
    assert not throttler.should_throttle(0, now_ms=0)  # no time elapsed yet
    assert not throttler.should_throttle(5, now_ms=10)  # 500 records/s
    assert throttler.should_throttle(20, now_ms=10)  # 2,000 records/s
    throttler.throttle()  # 1 ms owed: below Kafka's 2 ms minimum sleep
    throttler.throttle()
    assert slept == [0.002]
    assert not Throttler(-1, start_ms=0).should_throttle(1_000_000, now_ms=1)


def test_payloads_are_capital_letters_file_pieces_or_numbers(tmp_path):
    random_payload = Payloads(100, [], False).next(0)
    assert len(random_payload) == 100 and set(random_payload) <= set(range(65, 91))
    assert Payloads(None, [], True).next(42) == b"42"
    path = tmp_path / "payloads.txt"
    path.write_text("a|bb||ccc", encoding="utf-8")
    pieces = read_payloads(path, "|")
    assert pieces == [b"a", b"bb", b"ccc"]
    assert Payloads(None, pieces, False).next(0) in pieces
    with pytest.raises(ToolError, match="^File does not exist or empty file provided.$"):
        read_payloads(tmp_path / "absent.txt", "\n")


def test_simple_date_format_writes_javas_patterns():
    ms = int(datetime(2026, 12, 6, 21, 5, 9, 42_000).timestamp() * 1000)
    assert SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS").format(ms) == "2026-12-06 21:05:09:042"
    assert SimpleDateFormat("dd/MM/yy hh 'o''clock' a").format(ms) == "06/12/26 09 o'clock PM"
    with pytest.raises(ToolError, match="Illegal pattern character 'q'"):
        SimpleDateFormat("yyyy-qq")


def test_producer_and_consumer_print_kafkas_lines(kcli, broker):
    produced = kcli("producer-perf-test", "--topic", "perf", "--num-records", "3000", "--record-size", "100",
                    "--throughput", "-1", "--producer-props", f"bootstrap.servers={broker.bootstrap}", "acks=1", "linger.ms=0")
    assert produced.exit_code == 0, produced.stderr
    *windows, last = produced.stdout.splitlines()
    assert all(PRODUCER_WINDOW.fullmatch(w) for w in windows), windows
    total = PRODUCER_TOTAL.fullmatch(last)
    assert total, last
    assert total.group(1) == "3000"
    p50, p95, p99, p999 = (int(total.group(i)) for i in range(6, 10))
    assert p50 <= p95 <= p99 <= p999 <= float(total.group(5))

    consumed = kcli("consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "perf", "--messages", "3000")
    assert consumed.exit_code == 0, consumed.stderr
    header, row = consumed.stdout.splitlines()
    assert header == HEADER
    fields = row.split(", ")
    assert re.fullmatch(DATE, fields[0]) and re.fullmatch(DATE, fields[1]), row
    assert fields[2] == f"{3000 * 100 / 1024 / 1024:.4f}" and fields[4] == "3000"
    assert all(re.fullmatch(NUMBER, f) for f in (fields[3], fields[5], fields[8], fields[9])), row
    assert int(fields[6]) >= 0 and int(fields[7]) >= 0

    detailed = kcli("consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "perf", "--messages", "5000",
                    "--show-detailed-stats", "--hide-header", "--timeout", "1000", "--date-format", "HH:mm")
    lines = detailed.stdout.splitlines()
    assert lines[-1] == ("WARNING: Exiting before consuming the expected number of messages: timeout (1000 ms) exceeded. "
                         "You can use the --timeout option to increase the timeout.")
    assert all(re.fullmatch(rf"\d\d:\d\d, 0, {NUMBER}, {NUMBER}, \d+, {NUMBER}, \d+, -?\d+, {NUMBER}, {NUMBER}", line)
               for line in lines[:-1]), lines


def test_producer_reads_payload_files_and_prints_metrics(kcli, broker, tmp_path):
    payloads = tmp_path / "payloads.txt"
    payloads.write_text("one\ntwo\nthree\n", encoding="utf-8")
    result = kcli("producer-perf-test", "--topic", "perf-file", "--num-records", "20", "--payload-file", str(payloads),
                  "--throughput", "-1", "--bootstrap-server", broker.bootstrap, "--print-metrics")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"Reading payloads from: {payloads.absolute()}", "Number of messages read: 3"]
    assert PRODUCER_TOTAL.fullmatch(lines[2]) and lines[3] == ""
    assert re.fullmatch(r"Metric Name +Value", lines[4])
    assert any(re.fullmatch(r"producer-metrics:record-send-rate:\{client-id=perf-producer-client\} +: \d+\.\d{3}", line)
               for line in lines[5:]), lines


@pytest.mark.parametrize("args, message", [
    (["--num-records", "1", "--record-size", "1", "--throughput", "-1", "--producer-props", "a=b"], "argument --topic is required"),
    (["--topic", "t", "--num-records", "1", "--throughput", "-1", "--producer-props", "a=b"],
     "one of the arguments --record-size --payload-file --payload-monotonic is required"),
    (["--topic", "t", "--num-records", "1", "--record-size", "1", "--payload-monotonic", "--throughput", "-1", "--producer-props", "a=b"],
     "argument --payload-monotonic: not allowed with argument --record-size"),
    (["--topic", "t", "--num-records", "0", "--record-size", "1", "--throughput", "-1", "--producer-props", "a=b"],
     "--num-records should be greater than zero"),
    (["--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "-1"],
     "Either --producer-props or --producer.config must be specified."),
    (["--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "-1", "--producer-props", "a=b",
      "--transaction-duration-ms", "0"], "--transaction-duration-ms should be greater than zero"),
    (["--topic", "t", "--num-records", "ten", "--record-size", "1", "--throughput", "-1", "--producer-props", "a=b"],
     "argument --num-records: could not convert 'ten' to Long"),
    (["--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "fast", "--producer-props", "a=b"],
     "argument --throughput: could not convert 'fast' to Double"),
    (["--topic", "t", "--bogus", "1"], "unrecognized arguments: '--bogus'"),
    (["--topic"], "argument --topic: expected one argument"),
])
def test_producer_refuses_bad_flags_in_kafkas_words(kcli, args, message):
    result = kcli("producer-perf-test", *args)
    assert (result.exit_code, result.stderr) == (1, f"producer-performance: error: {message}\n")


def test_producer_without_arguments_prints_its_help(kcli):
    result = kcli("producer-perf-test")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ") and "--num-records" in result.stdout


def test_producer_props_take_several_values_and_refuse_a_bad_one(kcli):
    result = kcli("producer-perf-test", "--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "-1",
                  "--producer-props", "bootstrap.servers=127.0.0.1:1", "acks")
    assert (result.exit_code, result.stderr) == (1, "Invalid property: acks\n")


@pytest.mark.parametrize("args, message", [
    (["--topic", "t"], 'Missing required argument "[messages]"'),
    (["--messages", "1"], "Exactly one of the following arguments is required: [topic], [include]"),
    (["--messages", "1", "--topic", "t", "--include", "t.*"], "Exactly one of the following arguments is required: [topic], [include]"),
    (["--messages", "1", "--topic", "t", "--reporting-interval", "0", "--hide-header"], "Reporting interval must be greater than 0."),
])
def test_consumer_refuses_bad_flags_in_kafkas_words(kcli, args, message):
    result = kcli("consumer-perf-test", *args)
    assert (result.exit_code, result.stderr) == (1, f"{message}\n")


def test_e2e_latency_prints_kafkas_lines(kcli, broker):
    result = kcli("e2e-latency", broker.bootstrap, "latency", "5", "all", "20")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'Topic "latency" does not exist. Will create topic with 1 partition(s) and replication factor = 1'
    assert re.fullmatch(r"0\t\d+\.\d+(E-?\d+)?", lines[1]), lines
    assert re.fullmatch(r"Avg latency: \d+\.\d{4} ms", lines[2]), lines
    assert re.fullmatch(r"Percentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+", lines[3]), lines
    assert len(lines) == 4
    again = kcli("e2e-latency", broker.bootstrap, "latency", "1", "1", "20")
    assert again.exit_code == 0 and again.stdout.splitlines()[0].startswith("0\t"), again.stdout  # the topic exists now


@pytest.mark.parametrize("args, message", [
    (["localhost:9092", "t", "10", "1"], "USAGE: kcli e2e-latency broker_list topic num_messages producer_acks "
                                         "message_size_bytes [optional] properties_file"),
    (["localhost:9092", "t", "10", "0", "100"], "Latency testing requires synchronous acknowledgement. Please use 1 or all"),
    (["localhost:9092", "t", "ten", "1", "100"], 'For input string: "ten"'),
])
def test_e2e_latency_refuses_bad_arguments_in_kafkas_words(kcli, args, message):
    result = kcli("e2e-latency", *args)
    assert (result.exit_code, result.stderr) == (1, f"{message}\n")


def test_java_doubles_print_as_java_prints_them():
    from kcli.cli.render.perf import _java_double

    assert [_java_double(v) for v in (1.5, 2.0, 0.0, 0.0005, 12345678.0)] == ["1.5", "2.0", "0.0", "5.0E-4", "1.2345678E7"]


def test_a_terminal_sees_a_progress_bar_and_a_pipe_sees_only_kafkas_lines(broker):
    """stderr on a terminal: a live bar there; stdout piped: still only Kafka's summary line. Both piped: nothing else."""
    pytest.importorskip("termios")  # a pseudo-terminal: not on Windows
    import os
    import pty
    import subprocess
    import sys

    args = [sys.executable, "-m", "kcli", "producer-perf-test", "--topic", "perf-bar", "--num-records", "20000",
            "--record-size", "10", "--throughput", "-1", "--producer-props", f"bootstrap.servers={broker.bootstrap}", "acks=1"]
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    main, terminal = pty.openpty()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=terminal, env=env) as run:
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            drawn += chunk
        stdout = run.stdout.read().decode()
    os.close(main)
    assert run.returncode == 0, drawn
    assert b"producing" in drawn and b"20000" in drawn, drawn
    assert PRODUCER_TOTAL.fullmatch(stdout.splitlines()[-1]), stdout
    assert all(PRODUCER_WINDOW.fullmatch(line) for line in stdout.splitlines()[:-1]), stdout
    piped = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr
    assert PRODUCER_TOTAL.fullmatch(piped.stdout.splitlines()[-1]), piped.stdout


def test_consumer_reads_an_include_pattern_in_a_named_group_and_prints_metrics(kcli, broker):
    produced = kcli("producer-perf-test", "--topic", "perf-a", "--num-records", "30", "--record-size", "10",
                    "--throughput", "-1", "--bootstrap-server", broker.bootstrap)
    assert produced.exit_code == 0, produced.stderr
    result = kcli("consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--include", "perf-.*", "--messages", "30",
                  "--group", "perf-group", "--print-metrics", "--hide-header")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split(", ")[2:5] == [f"{300 / 1024 / 1024:.4f}", lines[0].split(", ")[3], "30"], lines[0]
    assert lines[1] == "" and re.fullmatch(r"Metric Name +Value", lines[2])
    assert any(line.startswith("consumer-fetch-manager-metrics:") for line in lines[3:]), lines
    listed = kcli("consumer-groups", "--bootstrap-server", broker.bootstrap, "--list")
    assert "perf-group" in listed.stdout.split(), listed.stdout


def test_producer_sends_in_transactions_a_read_committed_consumer_reads(kcli, broker, tmp_path):
    produced = kcli("producer-perf-test", "--topic", "perf-tx", "--num-records", "200", "--record-size", "10",
                    "--throughput", "-1", "--transactional-id", "perf-tx-id", "--bootstrap-server", broker.bootstrap)
    assert produced.exit_code == 0, produced.stderr
    assert PRODUCER_TOTAL.fullmatch(produced.stdout.splitlines()[-1]), produced.stdout
    config = tmp_path / "consumer.properties"
    config.write_text("isolation.level=read_committed\n", encoding="utf-8")
    consumed = kcli("consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "perf-tx", "--messages", "200",
                    "--consumer.config", str(config), "--hide-header", "--timeout", "5000")
    assert consumed.exit_code == 0, consumed.stderr
    assert consumed.stdout.splitlines()[0].split(", ")[4] == "200", consumed.stdout
