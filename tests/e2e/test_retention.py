"""Retention and DeleteRecords against a real broker, seen by confluent-kafka, kafka-python and ``kcli delete-records``.

Small configs make everything due within a second or two: segments of 2000
bytes, a retention check every 200 ms from start-up, old files removed 100 ms
after their rename. Tests wait on the outcome (the earliest offset clients
see), never on the clock.
"""

import json
import sys

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as CkTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.protocol.consumer import FetchResponse
from kafka.structs import TopicPartition

from kcli.broker.server import run_in_thread
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_wire import Wire, fetch_request
from tests.conftest import broker_config
from tests.processes import kcli
from tests.waiting import wait_for

FAST = {
    "log_retention_check_interval_ms": 200,
    "log_initial_task_delay_ms": 0,
    "log_flush_start_offset_checkpoint_interval_ms": 200,
    "log_flush_offset_checkpoint_interval_ms": 200,
}
SMALL_SEGMENTS = {"segment.bytes": "2000", "file.delete.delay.ms": "100"}


@pytest.fixture
def fast_broker(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "kafka-logs", **FAST))
    yield running
    running.stop()


def create(broker, topic, **configs):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={**SMALL_SEGMENTS, **configs})])[topic].result(15)


def produce(broker, topic, count, size=300):
    """``count`` records, one batch each (so segments fill predictably); the last offset."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    for i in range(count):
        producer.produce(topic, key=b"k%d" % i, value=b"%05d" % i + b"." * size)  # keyed: compacted topics refuse null keys
        producer.flush(10)
    return count - 1


def earliest_confluent(broker, topic):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "probe"})
    try:
        return consumer.get_watermark_offsets(CkTopicPartition(topic, 0), timeout=10)
    finally:
        consumer.close()


def earliest_kafka_python(broker, topic):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    try:
        tp = TopicPartition(topic, 0)
        return consumer.beginning_offsets([tp])[tp], consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()


def first_offset_from_beginning(broker, topic):
    consumer = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000)
    try:
        return next(iter(consumer)).offset
    finally:
        consumer.close()


def partition_files(broker, topic):
    return sorted(p.name for p in (broker.log_dir / f"{topic}-0").iterdir())


def fetch_error(broker, topic, offset):
    wire = Wire(broker)
    try:
        response = wire.call(fetch_request(topic, offset, max_wait_ms=0), FetchResponse, 10)
        return response.responses[0].partitions[0].error_code
    finally:
        wire.sock.close()


def test_retention_by_size_moves_the_earliest_offset_for_every_client(fast_broker):
    create(fast_broker, "sized", **{"retention.bytes": "4000", "retention.ms": "-1"})
    produce(fast_broker, "sized", 40)
    start = wait_for(lambda: earliest_kafka_python(fast_broker, "sized")[0], what="a size-retention deletion")
    partition = fast_broker.broker.catalog.partition("sized", 0)
    wait_for(lambda: partition.size <= 4000 + partition.segments[0].size, what="the log back under retention.bytes + a segment")
    low, high = earliest_confluent(fast_broker, "sized")
    start = partition.log_start_offset
    assert (low, high) == (start, 40)
    assert earliest_kafka_python(fast_broker, "sized") == (start, 40)
    assert first_offset_from_beginning(fast_broker, "sized") == start
    assert start == partition.segments[0].base_offset > 0
    assert fetch_error(fast_broker, "sized", start - 1) == ErrorCode.OFFSET_OUT_OF_RANGE
    wait_for(lambda: not any(name.endswith(".deleted") for name in partition_files(fast_broker, "sized")),
             what="the .deleted files removed after file.delete.delay.ms")
    assert not (fast_broker.log_dir / "sized-0" / "00000000000000000000.log").exists()


def test_retention_by_time_deletes_every_expired_segment_and_the_log_end_offset_stays(fast_broker):
    create(fast_broker, "timed", **{"retention.ms": "1000"})
    produce(fast_broker, "timed", 20)
    wait_for(lambda: earliest_confluent(fast_broker, "timed") == (20, 20), timeout=20, what="every segment expired")
    assert earliest_kafka_python(fast_broker, "timed") == (20, 20)
    partition = fast_broker.broker.catalog.partition("timed", 0)
    assert [s.base_offset for s in partition.segments] == [20]  # the active segment was rolled, then deleted
    producer = Producer({"bootstrap.servers": fast_broker.bootstrap})
    delivered = []
    producer.produce("timed", value=b"after", on_delivery=lambda err, msg: delivered.append(msg.offset()))
    producer.flush(10)
    assert delivered == [20]
    assert first_offset_from_beginning(fast_broker, "timed") == 20


def test_a_broker_wide_retention_applies_to_topics_without_their_own_but_not_to_consumer_offsets(tmp_path):
    from kafka import OffsetAndMetadata

    running = run_in_thread(broker_config(tmp_path / "kafka-logs", log_retention_bytes=3000, log_retention_ms=1, **FAST))
    try:
        create(running, "inherits")
        consumer = KafkaConsumer(bootstrap_servers=running.bootstrap, group_id="g", enable_auto_commit=False)
        for offset in range(40):  # __consumer_offsets grows past log.retention.bytes
            consumer.commit({TopicPartition("inherits", 0): OffsetAndMetadata(offset, "x" * 100, -1)})
        consumer.close()
        produce(running, "inherits", 30)
        wait_for(lambda: earliest_kafka_python(running, "inherits")[0] > 0, what="broker-wide retention")
        offsets = running.broker.catalog.partition("__consumer_offsets", 0)
        runs = running.broker.log_manager.retention_runs
        wait_for(lambda: running.broker.log_manager.retention_runs >= runs + 2, what="two more retention checks")
        assert offsets.size > 3000 and offsets.log_start_offset == 0  # compact-only: Kafka's retention leaves it alone
    finally:
        running.stop()


def test_retention_leaves_a_compacted_topic_alone(fast_broker):
    create(fast_broker, "kv", **{"cleanup.policy": "compact", "retention.bytes": "0", "retention.ms": "0"})
    produce(fast_broker, "kv", 20)
    runs = fast_broker.broker.log_manager.retention_runs
    wait_for(lambda: fast_broker.broker.log_manager.retention_runs >= runs + 2, what="two more retention checks")
    assert earliest_confluent(fast_broker, "kv") == (0, 20)


# -- DeleteRecords ---------------------------------------------------------------


def test_delete_records_from_confluent_kafka(fast_broker):
    create(fast_broker, "dr-ck")
    produce(fast_broker, "dr-ck", 30)
    admin = AdminClient({"bootstrap.servers": fast_broker.bootstrap})
    result = admin.delete_records([CkTopicPartition("dr-ck", 0, 17)])
    assert next(iter(result.values())).result(15).low_watermark == 17
    assert earliest_confluent(fast_broker, "dr-ck") == (17, 30)
    assert first_offset_from_beginning(fast_broker, "dr-ck") == 17
    assert fetch_error(fast_broker, "dr-ck", 16) == ErrorCode.OFFSET_OUT_OF_RANGE
    assert fetch_error(fast_broker, "dr-ck", 17) == ErrorCode.NONE
    partition = fast_broker.broker.catalog.partition("dr-ck", 0)
    wait_for(lambda: partition.segments[0].base_offset > 0, what="segments below the log start offset deleted")
    bases = [s.base_offset for s in partition.segments]
    assert bases[0] <= 17 and (len(bases) == 1 or bases[1] > 17)  # only whole segments below 17 went
    result = admin.delete_records([CkTopicPartition("dr-ck", 0, -1)])  # OFFSET_END: the high watermark
    assert next(iter(result.values())).result(15).low_watermark == 30


def test_delete_records_from_kafka_python(fast_broker):
    create(fast_broker, "dr-kp")
    produce(fast_broker, "dr-kp", 10)
    admin = KafkaAdminClient(bootstrap_servers=fast_broker.bootstrap)
    try:
        tp = TopicPartition("dr-kp", 0)
        assert admin.delete_records({tp: 4})[tp]["low_watermark"] == 4
        assert admin.delete_records({tp: 2})[tp]["low_watermark"] == 4  # never backwards
        with pytest.raises(Exception) as caught:
            admin.delete_records({tp: 11})
        assert type(caught.value).__name__ == "OffsetOutOfRangeError"
    finally:
        admin.close()
    assert earliest_kafka_python(fast_broker, "dr-kp") == (4, 10)


def test_kcli_delete_records_prints_kafkas_report(fast_broker, tmp_path):
    create(fast_broker, "coffee")
    create(fast_broker, "tea", **{"cleanup.policy": "compact"})
    produce(fast_broker, "coffee", 5)
    offsets = tmp_path / "offsets.json"
    offsets.write_text(json.dumps({"partitions": [
        {"topic": "coffee", "partition": 0, "offset": 3},
        {"topic": "tea", "partition": 0, "offset": 0},
    ], "version": 1}))
    ran = kcli("delete-records", "--bootstrap-server", fast_broker.bootstrap, "--offset-json-file", offsets)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (  # in Java HashMap order, as Kafka's tool prints them: tea-0's bucket comes first
        "Executing records delete operation\n"
        "Records delete operation completed:\n"
        "partition: tea-0\terror: org.apache.kafka.common.errors.PolicyViolationException: "
        "Request parameters do not satisfy the configured policy.\n"
        "partition: coffee-0\tlow_watermark: 3\n"
    )
    offsets.write_text('{"partitions": [{"topic": "coffee", "partition": 0, "offset": -1}]}')
    ran = kcli("delete-records", "--bootstrap-server", fast_broker.bootstrap, "--offset-json-file", offsets)
    assert ran.stdout.splitlines()[-1] == "partition: coffee-0\tlow_watermark: 5"
    offsets.write_text('{"partitions": [{"topic": "coffee", "partition": 0, "offset": 9}]}')
    ran = kcli("delete-records", "--bootstrap-server", fast_broker.bootstrap, "--offset-json-file", offsets)
    assert ran.stdout.splitlines()[-1] == ("partition: coffee-0\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: "
                                           "The requested offset is not within the range of offsets maintained by the server.")
    assert earliest_confluent(fast_broker, "coffee") == (5, 5)


@pytest.mark.parametrize("text, message", [
    ("{not json", "The input string is not a valid JSON"),
    ('{"version": 1}', "Missing partitions field"),
    ('{"partitions": [], "version": 2}', "Not supported version field value 2"),
    ('{"partitions": [{"topic": "a", "partition": 0, "offset": 1}, {"topic": "a", "partition": 0, "offset": 2}]}',
     "Offset json file contains duplicate topic partitions: a-0"),
])
def test_kcli_delete_records_refuses_a_bad_file_with_kafkas_message(tmp_path, text, message):
    offsets = tmp_path / "offsets.json"
    offsets.write_text(text)
    ran = kcli("delete-records", "--bootstrap-server", "127.0.0.1:1", "--offset-json-file", offsets)
    assert (ran.returncode, ran.stdout, ran.stderr) == (1, "", message + "\n")


def delete_records_raw(broker, version, *entries):
    """DeleteRecords at ``version`` over a raw connection: {(topic, partition): (error_code, low_watermark)}."""
    from kafka.protocol.admin import DeleteRecordsRequest, DeleteRecordsResponse

    topics = {}
    for topic, partition, offset in entries:
        topics.setdefault(topic, []).append(DeleteRecordsRequest.DeleteRecordsTopic.DeleteRecordsPartition(
            partition_index=partition, offset=offset))
    request = DeleteRecordsRequest(topics=[DeleteRecordsRequest.DeleteRecordsTopic(name=t, partitions=ps) for t, ps in topics.items()],
                                   timeout_ms=1000)
    wire = Wire(broker)
    try:
        response = wire.call(request, DeleteRecordsResponse, version)
    finally:
        wire.sock.close()
    return {(t.name, p.partition_index): (p.error_code, p.low_watermark) for t in response.topics for p in t.partitions}


@pytest.mark.parametrize("version", [0, 1, 2])
def test_delete_records_answers_kafkas_errors_in_every_version(fast_broker, version):
    from kafka import OffsetAndMetadata

    create(fast_broker, "c")
    create(fast_broker, "kv", **{"cleanup.policy": "compact"})
    produce(fast_broker, "c", 6)
    consumer = KafkaConsumer(bootstrap_servers=fast_broker.bootstrap, group_id="g", enable_auto_commit=False)
    consumer.commit({TopicPartition("c", 0): OffsetAndMetadata(0, "", -1)})  # __consumer_offsets now exists
    consumer.close()
    answers = delete_records_raw(fast_broker, version, ("c", 0, 2), ("c", 7, 0), ("__consumer_offsets", 0, 0), ("kv", 0, 0), ("nope", 0, 0))
    assert answers == {
        ("c", 0): (ErrorCode.NONE, 2),
        ("c", 7): (ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1),
        ("__consumer_offsets", 0): (ErrorCode.INVALID_TOPIC_EXCEPTION, -1),
        ("kv", 0): (ErrorCode.POLICY_VIOLATION, -1),
        ("nope", 0): (ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1),
    }
    assert delete_records_raw(fast_broker, version, ("c", 0, 7)) == {("c", 0): (ErrorCode.OFFSET_OUT_OF_RANGE, -1)}
    assert delete_records_raw(fast_broker, version, ("c", 0, -2)) == {("c", 0): (ErrorCode.OFFSET_OUT_OF_RANGE, -1)}
    assert delete_records_raw(fast_broker, version, ("c", 0, -1)) == {("c", 0): (ErrorCode.NONE, 6)}


def test_api_versions_advertises_delete_records_v0_to_v2(fast_broker):
    from kcli.broker.dispatch import ROUTES

    route = ROUTES[21]
    assert (route.min_version, route.max_version) == (0, 2)
    assert sys.modules["kcli.broker.handlers.delete_records"].ADVERTISED == (0, 2)
