"""consumer-groups --describe and get-offsets while a transaction is open, as Kafka 3.9's tools show it.

Kafka's ConsumerGroupCommand (LOG-END-OFFSET, LAG, reset --to-latest) and GetOffsetShell (--time latest)
call Admin.listOffsets with the default ListOffsetsOptions, i.e. READ_UNCOMMITTED: the high watermark,
records of an open transaction included, not the last stable offset; neither tool has an isolation option.
CURRENT-OFFSET comes from listConsumerGroupOffsets without requireStable, so offsets sent to a still-open
transaction are not shown until it commits. A read_committed consumer asking the same broker gets the LSO.
"""

from __future__ import annotations

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from tests.processes import kcli


def _create(bootstrap, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(10)


def _rows(bootstrap, group):
    """(partition, CURRENT-OFFSET, LOG-END-OFFSET, LAG) of each row of ``consumer-groups --describe``."""
    described = kcli("consumer-groups", "--describe", "--group", group, "--bootstrap-server", bootstrap)
    assert described.returncode == 0, described.stderr
    lines = described.stdout.splitlines()
    header = next(line.split() for line in lines if line.startswith("GROUP"))
    assert header[:6] == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]
    return [tuple(line.split()[2:6]) for line in lines if line.startswith(group + " ")]


def _latest(bootstrap, topic):
    got = kcli("get-offsets", "--bootstrap-server", bootstrap, "--topic", topic)
    assert got.returncode == 0, got.stderr
    return got.stdout


def _committed_end(bootstrap, topic):
    """The end a read_committed client is told (ListOffsets latest with READ_COMMITTED: the LSO)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "lso-probe", "isolation.level": "read_committed"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
    finally:
        consumer.close()


def test_tools_show_the_high_watermark_and_stable_group_offsets_while_a_transaction_is_open(broker):
    bootstrap = broker.bootstrap
    _create(bootstrap, "beans")
    plain = Producer({"bootstrap.servers": bootstrap})
    for value in (b"arabica", b"robusta"):
        plain.produce("beans", value=value, partition=0)
    assert plain.flush(20) == 0  # offsets 0 and 1
    reset = kcli("consumer-groups", "--bootstrap-server", bootstrap, "--group", "roasters", "--topic", "beans",
                 "--reset-offsets", "--to-offset", "1", "--execute")
    assert reset.returncode == 0, reset.stderr

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "roastery"})
    producer.init_transactions(20)
    producer.begin_transaction()
    for value in (b"a", b"b", b"c"):
        producer.produce("beans", value=value, partition=0)
    assert producer.flush(20) == 0  # offsets 2, 3, 4 in the open transaction
    group = Consumer({"bootstrap.servers": bootstrap, "group.id": "roasters"})
    try:
        producer.send_offsets_to_transaction([TopicPartition("beans", 0, 4)], group.consumer_group_metadata(), 20)
    finally:
        group.close()

    assert _committed_end(bootstrap, "beans") == 2  # the broker does have an LSO below the open transaction
    assert _latest(bootstrap, "beans") == "beans:0:5\n"  # but Kafka's get-offsets prints the high watermark
    assert _rows(bootstrap, "roasters") == [("0", "1", "5", "4")]  # the pending offset 4 is not shown yet

    producer.commit_transaction(20)
    assert _committed_end(bootstrap, "beans") == 6  # the COMMIT marker takes offset 5
    assert _latest(bootstrap, "beans") == "beans:0:6\n"
    assert _rows(bootstrap, "roasters") == [("0", "4", "6", "2")]


def test_reset_to_latest_takes_the_high_watermark_past_an_open_transaction(broker):
    bootstrap = broker.bootstrap
    _create(bootstrap, "kettles")
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "boiler"})
    producer.init_transactions(20)
    producer.begin_transaction()
    for value in (b"x", b"y"):
        producer.produce("kettles", value=value, partition=0)
    assert producer.flush(20) == 0
    try:
        planned = kcli("consumer-groups", "--bootstrap-server", bootstrap, "--group", "boilers", "--topic", "kettles",
                       "--reset-offsets", "--to-latest", "--dry-run")
        assert planned.returncode == 0, planned.stderr
        row = next(line.split() for line in planned.stdout.splitlines() if line.startswith("boilers "))
        assert row == ["boilers", "kettles", "0", "2"]  # Kafka's getLogEndOffsets: READ_UNCOMMITTED, not the LSO 0
    finally:
        producer.abort_transaction(20)
