"""Kafka's LineMessageReader rules, and the console producer against a real broker."""

import socket

import pytest
from kafka import KafkaConsumer, TopicPartition

from kcli.tools.console_producer import ConsoleProducer, LineReader, ProducerRecord, SendFailure
from kcli.tools.errors import ToolError


def reader(**props):
    return LineReader.from_properties({k.replace("_", "."): v for k, v in props.items()})


def test_a_plain_line_is_the_value():
    assert reader().read("hello world", 1) == ProducerRecord(None, b"hello world", [])
    assert reader().read("", 1) == ProducerRecord(None, b"", [])


def test_key_before_the_first_separator():
    assert reader(parse_key="true").read("k\tv\tw", 1) == ProducerRecord(b"k", b"v\tw", [])
    assert reader(parse_key="true", key_separator=":").read("user-1:{\"a\": 1}", 1) == ProducerRecord(b"user-1", b'{"a": 1}', [])
    assert reader(parse_key="true", key_separator="\\t").read("k\tv", 1).key == b"k"  # typed as \t on a command line


def test_headers_then_key_then_value():
    line = "h1:v1,h2:v2\tkey\tvalue"
    assert reader(parse_headers="true", parse_key="true").read(line, 1) == ProducerRecord(b"key", b"value", [("h1", b"v1"), ("h2", b"v2")])
    assert reader(parse_headers="true").read("\tvalue", 1) == ProducerRecord(None, b"value", [])
    custom = reader(parse_headers="true", headers_delimiter="|", headers_separator=";", headers_key_separator="=")
    assert custom.read("a=1;b=|v", 1) == ProducerRecord(None, b"v", [("a", b"1"), ("b", b"")])


def test_null_marker_makes_key_value_or_header_value_null():
    r = reader(parse_key="true", parse_headers="true", null_marker="NULL")
    assert r.read("h:NULL\tNULL\tNULL", 1) == ProducerRecord(None, None, [("h", None)])
    with pytest.raises(ToolError) as caught:
        r.read("NULL:x\tk\tv", 3)
    assert caught.value.message == "Header keys should not be equal to the null marker 'NULL' as they can't be null"


def test_kafkas_errors_name_the_line():
    cases = [
        (reader(parse_key="true"), "hello", 1, "No key separator found on line number 1: 'hello'"),
        (reader(parse_headers="true"), "no delimiter", 2, "No headers delimiter found on line number 2: 'no delimiter'"),
        (reader(parse_headers="true"), "h1\tv", 7, "No header key separator found in pair 'h1' on line number 7"),
    ]
    for r, line, number, message in cases:
        with pytest.raises(ToolError) as caught:
            r.read(line, number)
        assert caught.value.message == message


def test_ignore_error_keeps_the_whole_line():
    assert reader(parse_key="true", ignore_error="true").read("just a value", 1) == ProducerRecord(None, b"just a value", [])
    assert reader(parse_headers="true", ignore_error="true").read("h1\tv", 1) == ProducerRecord(None, b"v", [("h1", None)])


def test_clashing_or_empty_separators_are_refused_at_start():
    cases = {
        (("parse.headers", "true"), ("headers.delimiter", ",")): "headers.delimiter and headers.separator may not be equal",
        (("null.marker", "\t"),): "null.marker and key.separator may not be equal",
        (("parse.key", "true"), ("key.separator", "")): "key.separator may not be empty",
    }
    for props, message in cases.items():
        with pytest.raises(ToolError) as caught:
            LineReader.from_properties(dict(props))
        assert caught.value.message == message


def test_send_failure_reads_like_kafkas_error_logging_callback():
    failure = SendFailure("coffee", None, b"hello", "KafkaTimeoutError: Topic coffee not present in metadata after 60000 ms.")
    assert failure.describe() == ("Error when sending message to topic coffee with key: null, value: 5 bytes with error: "
                                  "KafkaTimeoutError: Topic coffee not present in metadata after 60000 ms.")


def test_records_arrive_in_order_with_key_and_headers(broker):
    failures = []
    producer = ConsoleProducer(broker.bootstrap, "orders", {"linger.ms": "50"}, failures.append)
    for i in range(50):
        producer.send(ProducerRecord(b"k%d" % i, b"v%d" % i, [("n", b"%d" % i)]))
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False, consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition("orders", 0)])
    consumer.seek_to_beginning()
    got = [(r.key, r.value, r.headers) for _, r in zip(range(50), consumer)]
    consumer.close()
    assert failures == []
    assert got == [(b"k%d" % i, b"v%d" % i, [("n", b"%d" % i)]) for i in range(50)]


def test_unreachable_broker_is_one_line_not_a_hang():
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = "127.0.0.1:%d" % silent.getsockname()[1]
        with pytest.raises(ToolError) as caught:
            ConsoleProducer(address, "coffee", {}, print, bootstrap_timeout_ms=500)
    assert caught.value.message == f"Timed out waiting for the broker at {address} to answer"
