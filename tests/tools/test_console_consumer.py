"""Kafka's DefaultMessageFormatter columns, start-position rules, and reading by assignment from a real broker."""

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from kcli.tools.console_consumer import ConsoleConsumer, MessageFormatter, Selection, StartPosition, group_id, start_position
from kcli.tools.console_producer import ConsoleProducer, ProducerRecord
from kcli.tools.errors import ToolError
from kcli.tools.topics import create


def record(key=b"k", value=b"v", headers=(), timestamp=1700000000000, timestamp_type=0, partition=0, offset=42):
    return ConsumerRecord("coffee", partition, -1, offset, timestamp, timestamp_type, key, value, list(headers), None, 1, 1, -1)


def fmt(**props):
    return MessageFormatter.from_properties({k.replace("_", "."): v for k, v in props.items()})


def test_value_only_by_default():
    assert fmt().format(record()) == b"v\n"
    assert fmt().format(record(value=None)) == b"null\n"


def test_every_column_in_kafkas_order():
    props = dict(print_timestamp="true", print_partition="true", print_offset="true", print_headers="true", print_key="true")
    assert fmt(**props).format(record(key=None, value=b"hello")) == b"CreateTime:1700000000000\tPartition:0\tOffset:42\tNO_HEADERS\tnull\thello\n"
    assert fmt(print_timestamp="true").format(record(timestamp_type=1)) == b"LogAppendTime:1700000000000\tv\n"
    assert fmt(print_timestamp="true").format(record(timestamp=-1)) == b"NO_TIMESTAMP\tv\n"


def test_separators_and_null_literal():
    props = dict(print_key="true", print_headers="true", key_separator=" | ", line_separator="\\n--\\n", headers_separator=";", null_literal="<nil>")
    out = fmt(**props).format(record(key=None, headers=[("a", b"1"), ("b", None)]))
    assert out == b"a:1;b:<nil> | <nil> | v\n--\n"
    assert fmt(print_key="true", print_value="false").format(record()) == b"k\n"


def test_start_position_rules():
    assert start_position(None, False, {}) == StartPosition("latest")
    assert start_position(None, True, {}) == StartPosition("earliest")
    assert start_position(None, False, {"auto.offset.reset": "earliest"}) == StartPosition("earliest")
    assert start_position("7", False, {}) == StartPosition("offset", 7)
    assert start_position("earliest", False, {}) == StartPosition("earliest")
    errors = {
        ("1", True, ()): "Options from-beginning and offset cannot be specified together.",
        (None, True, (("auto.offset.reset", "latest"),)): (
            "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option"),
        ("-1", False, ()): "The provided offset value '-1' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.",
    }
    for (offset, beginning, props), message in errors.items():
        with pytest.raises(ToolError) as caught:
            start_position(offset, beginning, dict(props))
        assert caught.value.message == message


def produce(bootstrap, topic, *values):
    producer = ConsoleProducer(bootstrap, topic, {}, on_failure=pytest.fail)
    for value in values:
        producer.send(ProducerRecord(None, value, []))
    producer.close()


def test_reads_every_partition_in_a_group(broker):
    create(broker.bootstrap, "multi", 3, 1, {})
    produce(broker.bootstrap, "multi", *(b"%d" % i for i in range(30)))
    consumer = ConsoleConsumer(broker.bootstrap, {}, start=StartPosition("earliest"))
    got = [r.value for r in consumer.records(Selection("multi"), timeout_ms=3_000)]
    consumer.close()
    assert sorted(got, key=int) == [b"%d" % i for i in range(30)]


def test_a_partition_that_appears_later_is_read_from_its_start(broker):
    consumer = ConsoleConsumer(broker.bootstrap, {"allow.auto.create.topics": "false"})
    waits = []

    def sleep(seconds):  # the consumer has looked and found no topic: now it appears, with a record in it
        waits.append(seconds)
        if len(waits) == 1:
            produce(broker.bootstrap, "later", b"first")

    records = consumer.records(Selection("later", partition=0), timeout_ms=10_000, sleep=sleep)
    assert next(records).value == b"first"
    consumer.close()
    assert len(waits) >= 1


def test_a_missing_topic_ends_quietly_at_the_timeout(broker):
    clock = iter(range(0, 10_000, 1))
    consumer = ConsoleConsumer(broker.bootstrap, {})
    assert list(consumer.records(Selection("never"), timeout_ms=3_000, now=lambda: next(clock), sleep=lambda s: None)) == []
    consumer.close()


def test_group_from_the_properties_commits_and_a_random_one_does_not(broker):
    consumer = ConsoleConsumer(broker.bootstrap, {"group.id": "test-consumer-group", "made.up": "1"})
    consumer.close()
    assert [key for key, _ in consumer.ignored] == ["made.up"]
    assert (consumer.group_id, consumer.commits) == ("test-consumer-group", True)
    assert group_id(None, {}, random=lambda n: 42) == ("console-consumer-42", False)
    assert group_id("g", {"enable.auto.commit": "false"}) == ("g", False)


def test_missing_partition_is_an_error(broker):
    create(broker.bootstrap, "one", 1, 1, {})
    consumer = ConsoleConsumer(broker.bootstrap, {})
    with pytest.raises(ToolError, match="^Partition 4 of topic one does not exist"):
        next(consumer.records(Selection("one", partition=4), timeout_ms=500))
    consumer.close()
