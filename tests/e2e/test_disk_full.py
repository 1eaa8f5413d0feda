"""A full disk under a real producer: KAFKA_STORAGE_ERROR at once, nothing acknowledged lost, no torn batch on disk.

The broker runs as a process on a 16 MiB tmpfs. A filler file leaves it a few MiB; confluent-kafka
(retries off, so the broker's answer reaches the delivery report as is) produces until the disk is full.
Every acknowledged record is then read back: while the disk is full, after space is freed and the
broker stopped cleanly and restarted, and after a second fill ended by ``kill -9``.
"""

from __future__ import annotations

import struct
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kcli.protocol.kafka import record_batch
from tests.processes import KcliProcess
from tests.small_disk import fill, tmpfs

TOPIC = "full"
VALUE_BYTES = 1000
LEAVE_FREE = 3 << 20


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "16m") as mount:
        yield mount


class Broker:
    """``kcli server-start`` on the small disk; restarted on a new port each time."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.process: KcliProcess | None = None

    def start(self) -> str:
        self.process = KcliProcess("server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                                   "--override", f"log.dirs={self.log_dir}")
        assert self.process.connect, f"the broker did not start:\n{self.process.output}"
        return self.process.connect

    def stop(self) -> None:
        assert self.process.stop() == 0, self.process.output

    def kill(self) -> None:
        self.process.proc.kill()
        self.process.wait()


def produce_until_full(bootstrap: str, first: int) -> tuple[dict[int, bytes], list[tuple[int, float]]]:
    """Produce until the broker refuses; ({offset: value} acknowledged, [(error code, seconds to the report)])."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 2, "retries": 0, "enable.idempotence": False,
                         "acks": "all", "message.timeout.ms": 30_000})
    acked: dict[int, bytes] = {}
    failed: list[tuple[int, float]] = []

    def report(sent_at):
        def on_delivery(err, msg):
            if err is None:
                acked[msg.offset()] = msg.value()
            else:
                failed.append((err.code(), time.monotonic() - sent_at))
        return on_delivery

    i = first
    deadline = time.monotonic() + 60
    while not failed and time.monotonic() < deadline:
        value = b"%010d" % i + b"x" * (VALUE_BYTES - 10)
        producer.produce(TOPIC, value, partition=0, on_delivery=report(time.monotonic()))
        producer.poll(0)
        i += 1
        if i % 200 == 0:
            producer.flush(30)
    assert producer.flush(30) == 0
    assert failed, "the disk never filled up"
    # Read-only until restart: the next produce is refused at once too.
    producer.produce(TOPIC, b"after", partition=0, on_delivery=report(time.monotonic()))
    assert producer.flush(30) == 0
    return acked, failed


def read_all(bootstrap: str) -> tuple[dict[int, bytes], int]:
    """Every record of the partition ({offset: value}) and its high watermark."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader-" + uuid.uuid4().hex, "enable.auto.commit": False})
    try:
        _, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
        consumer.assign([TopicPartition(TOPIC, 0, 0)])
        records: dict[int, bytes] = {}
        deadline = time.monotonic() + 30
        while len(records) < high and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                records[msg.offset()] = msg.value()
        return records, high
    finally:
        consumer.close()


def torn_segments(partition_dir) -> list[str]:
    """Segments whose file does not end exactly at a batch boundary (or hold a batch that fails its CRC)."""
    torn = []
    for path in sorted(partition_dir.glob("*.log")):
        data = path.read_bytes()
        position = 0
        while position + record_batch.LOG_OVERHEAD <= len(data):
            _, length = struct.unpack_from(">qi", data, position)
            end = position + record_batch.LOG_OVERHEAD + length
            if end > len(data):
                break
            header = record_batch.unpack_header(data, position)
            try:
                record_batch.validate(data, header)
            except record_batch.InvalidBatch:
                break
            position = end
        if position != len(data):
            torn.append(f"{path.name}: {len(data)} bytes, whole batches end at {position}")
    return torn


def assert_all_acknowledged_read_back(bootstrap: str, acked: dict[int, bytes]) -> None:
    records, high = read_all(bootstrap)
    assert high >= max(acked) + 1, f"high watermark {high} hides acknowledged offsets up to {max(acked)}"
    missing = [o for o in acked if records.get(o) != acked[o]]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged records not read back, first {missing[:5]}"


def test_a_full_disk_refuses_with_kafka_storage_error_and_loses_nothing_acknowledged(small_disk):
    log_dir = small_disk / "kafka-logs"
    filler = small_disk / "filler"
    broker = Broker(log_dir)
    bootstrap = broker.start()
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        topic = NewTopic(TOPIC, num_partitions=1, replication_factor=1, config={"segment.bytes": str(2 << 20)})
        admin.create_topics([topic])[TOPIC].result(10)

        # Fill 1, ended by a clean stop once space is freed.
        fill(filler, LEAVE_FREE)
        acked, failed = produce_until_full(bootstrap, 0)
        assert acked, "nothing was acknowledged before the disk filled"
        codes = {code for code, _ in failed}
        assert codes == {KafkaError.KAFKA_STORAGE_ERROR}, f"the producer saw {[KafkaError(c).name() for c in codes]}"
        assert max(seconds for _, seconds in failed) < 2.0
        assert not torn_segments(log_dir / f"{TOPIC}-0")
        assert_all_acknowledged_read_back(bootstrap, acked)  # the broker stays up for reads
        filler.unlink()
        broker.stop()
        bootstrap = broker.start()
        assert_all_acknowledged_read_back(bootstrap, acked)
        assert not torn_segments(log_dir / f"{TOPIC}-0")

        # Fill 2, ended by kill -9 once space is freed.
        fill(filler, LEAVE_FREE)
        more, failed = produce_until_full(bootstrap, len(acked) + 1_000_000)
        assert more and {code for code, _ in failed} == {KafkaError.KAFKA_STORAGE_ERROR}
        acked.update(more)
        assert not torn_segments(log_dir / f"{TOPIC}-0")
        filler.unlink()
        broker.kill()
        bootstrap = broker.start()
        assert_all_acknowledged_read_back(bootstrap, acked)
        assert not torn_segments(log_dir / f"{TOPIC}-0")
    finally:
        if broker.process is not None and broker.process.proc.poll() is None:
            broker.kill()
