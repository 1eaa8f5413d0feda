"""Hostile batches over the wire: each CRC-valid but invalid kind refused with Kafka's code, nothing appended,
a real consumer unaffected; the 2³¹ offset-delta batch refused, and a log already holding one recovers at start."""

import struct
import time

import crc32c
import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition
from kafka.record.default_records import DefaultRecordBatchBuilder

from kcli.broker.log.catalog import Catalog
from kcli.protocol.kafka import record_batch
from tests.broker.test_wire import Wire, create, produce
from tests.processes import KcliProcess

INVALID_RECORD, CORRUPT_MESSAGE = 87, 2
CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def build(values, codec=0, producer_id=-1, sequence=-1, headers=()):
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=False, producer_id=producer_id, producer_epoch=0 if producer_id >= 0 else -1,
        base_sequence=sequence, batch_size=1 << 24,
    )
    for i, value in enumerate(values):
        builder.append(i, timestamp=1_700_000_000_000 + i, key=None, value=value, headers=list(headers))
    batch = bytearray(builder.build())
    assert batch[22] & record_batch.ATTR_CODEC_MASK == codec  # kafka-python leaves a batch raw if it would not shrink
    return batch


def recrc(batch: bytearray) -> bytes:
    """The (first) batch with its CRC-32C recomputed, as a hostile client would send it."""
    end = record_batch.read_header(batch).size
    struct.pack_into(">I", batch, 17, crc32c.crc32c(bytes(batch[21:end])))
    return bytes(batch)


def set_header(batch: bytearray, **fields) -> bytearray:
    layout = {"base_offset": (0, ">q"), "magic": (16, ">b"), "attributes": (21, ">h"), "last_offset_delta": (23, ">i"), "records_count": (57, ">i")}
    for name, value in fields.items():
        position, fmt = layout[name]
        struct.pack_into(fmt, batch, position, value)
    return batch


def replace_records(batch: bytearray, records: bytes) -> bytearray:
    """The batch with another records section (and the batch length that goes with it)."""
    out = bytearray(batch[: record_batch.HEADER_BYTES] + records)
    struct.pack_into(">i", out, 8, len(out) - record_batch.LOG_OVERHEAD)
    return out


def record(offset_delta: int, value: bytes, header_count: bytes = b"\x00") -> bytes:
    """One record with a null key, built by hand: the zigzag varints of DefaultRecord."""

    def varint(n):
        raw, out = (n << 1) ^ (n >> 63), bytearray()
        while raw >= 0x80:
            out.append((raw & 0x7F) | 0x80)
            raw >>= 7
        out.append(raw)
        return bytes(out)

    body = b"\x00" + varint(0) + varint(offset_delta) + varint(-1) + varint(len(value)) + value + header_count
    return varint(len(body)) + body


def _garbage():
    return replace_records(build([b"a" * 40]), bytes(range(7, 54)))


def _count_too_high():
    return set_header(build([b"a", b"b"]), records_count=3, last_offset_delta=2)


def _count_too_low():
    return set_header(build([b"a", b"b", b"c"]), records_count=2, last_offset_delta=1)


def _offset_delta_header():
    return set_header(build([b"a", b"b"]), last_offset_delta=5)


def _offset_delta_record():
    return replace_records(build([b"a", b"b"]), record(0, b"a") + record(5, b"b"))


def _varint_too_long():
    return replace_records(build([b"a"]), b"\xff\xff\xff\xff\xff\xff\x01" + b"\x00" * 10)


def _header_count_negative():
    return replace_records(build([b"a"]), record(0, b"a", header_count=b"\x01"))


def _header_count_too_large():
    return replace_records(build([b"a"]), record(0, b"a", header_count=b"\xc8\x01"))


def _control():
    batch = build([b"a"])
    return set_header(batch, attributes=struct.unpack_from(">h", batch, 21)[0] | record_batch.ATTR_CONTROL)


def _unknown_codec():
    return set_header(build([b"a"]), attributes=5)


def _corrupt(codec):
    def make():
        batch = build([b"value %d " % i * 20 for i in range(50)], codec=CODECS[codec])
        middle = record_batch.HEADER_BYTES + (len(batch) - record_batch.HEADER_BYTES) // 2
        batch[middle : middle + 8] = b"\xa5" * 8
        if codec == "lz4":
            batch[record_batch.HEADER_BYTES : record_batch.HEADER_BYTES + 4] = b"junk"  # LZ4 frames skip checksums by default
        return batch

    return make


# (kind, batch maker, Kafka's error code, the index of the record reported, or None for a batch-level error)
POISON = [
    ("garbage record bytes", _garbage, INVALID_RECORD, 0),
    ("records_count above the records", _count_too_high, INVALID_RECORD, 2),
    ("records_count below the records", _count_too_low, INVALID_RECORD, 2),
    ("last_offset_delta disagrees with the count", _offset_delta_header, INVALID_RECORD, None),
    ("a record's offset delta out of sequence", _offset_delta_record, INVALID_RECORD, 1),
    ("a varint longer than 5 bytes", _varint_too_long, INVALID_RECORD, 0),
    ("header count negative", _header_count_negative, INVALID_RECORD, 0),
    ("header count larger than the bytes left", _header_count_too_large, INVALID_RECORD, 0),
    ("control batch from a client", _control, INVALID_RECORD, None),
    ("unknown compression codec", _unknown_codec, CORRUPT_MESSAGE, None),
    *[(f"corrupt {c} data", _corrupt(c), CORRUPT_MESSAGE, None) for c in CODECS],
    ("magic 1", lambda: set_header(build([b"a"]), magic=1), INVALID_RECORD, None),
    ("two batches in one partition's records", lambda: build([b"a"]) + recrc(build([b"b"])), INVALID_RECORD, None),
    ("last_offset_delta 2^31-1", lambda: set_header(build([b"a"]), last_offset_delta=2**31 - 1), INVALID_RECORD, None),
]


def consume_all(bootstrap, topic, count):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "check", "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got, eof = [], False
    deadline = time.monotonic() + 30
    while not eof and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            eof = message.error().code() == KafkaError._PARTITION_EOF
            assert eof, message.error()
        else:
            got.append((message.offset(), message.value()))
    consumer.close()
    assert len(got) == count
    return got


@pytest.mark.parametrize("version", [7, 8])
@pytest.mark.parametrize(("kind", "make", "code", "batch_index"), POISON, ids=[p[0] for p in POISON])
def test_poison_batch_is_refused_and_nothing_is_appended(broker, kind, make, code, batch_index, version):
    wire = Wire(broker)
    create(wire, "poison")
    assert produce(wire, "poison", recrc(build([b"before-0", b"before-1"])), version=version).error_code == 0
    refused = produce(wire, "poison", recrc(make()), version=version)
    assert (refused.error_code, refused.base_offset) == (code, -1)
    if version < 8:
        pass  # record_errors and error_message are not in v7
    elif batch_index is None:
        assert refused.record_errors == []
    else:
        assert [e.batch_index for e in refused.record_errors] == [batch_index]
        assert refused.record_errors[0].batch_index_error_message
        assert refused.error_message.startswith("One or more records have been rejected")
    after = produce(wire, "poison", recrc(build([b"after"])), version=version)
    assert (after.error_code, after.base_offset) == (0, 2)
    assert consume_all(broker.bootstrap, "poison", 3) == [(0, b"before-0"), (1, b"before-1"), (2, b"after")]


def test_zstd_before_produce_v7_is_an_unsupported_compression_type(broker):
    wire = Wire(broker)
    create(wire, "old")
    assert produce(wire, "old", recrc(build([b"z" * 500], codec=CODECS["zstd"])), version=6).error_code == 76
    assert produce(wire, "old", recrc(build([b"z" * 500], codec=CODECS["zstd"])), version=7).base_offset == 0


def test_record_errors_name_the_record_that_does_not_parse(broker):
    wire = Wire(broker)
    create(wire, "named")
    records = record(0, b"fine") + record(1, b"fine") + record(2, b"short")[:-3]
    refused = produce(wire, "named", recrc(set_header(replace_records(build([b"x"]), records), records_count=3, last_offset_delta=2)), version=8)
    assert refused.error_code == INVALID_RECORD
    assert [(e.batch_index, e.batch_index_error_message) for e in refused.record_errors] == [
        (2, "Invalid record size: expected 11 bytes in record payload, but instead the buffer has only 8 remaining bytes.")
    ]
    assert "RecordError(batchIndex=2" in refused.error_message


def test_compressed_valid_batches_and_headers_are_accepted(broker):
    wire = Wire(broker)
    create(wire, "shapes")
    offset = 0
    for codec in (0, *CODECS.values()):
        values = [b"v%d " % i * (i % 5 + 10) for i in range(40)]
        response = produce(wire, "shapes", recrc(build(values, codec=codec, headers=[("h", b"1")])), version=8)
        assert (response.error_code, response.base_offset) == (0, offset)
        offset += len(values)
    assert len(consume_all(broker.bootstrap, "shapes", offset)) == offset


def _crafted_log(log_dir):
    """A partition whose log already holds a 2³¹-delta batch (written before validation existed), with
    acknowledged batches after it, left as a kill -9 leaves it (no clean-shutdown marker)."""
    catalog = Catalog(log_dir, {})
    catalog.open(node_id=0)
    catalog.create("huge", 1, {})
    partition = catalog.partition("huge", 0)
    partition.append(recrc(build([b"first"])), now_ms=0)
    segment = partition.active.log_path
    catalog.close()
    (log_dir / ".kafka_cleanshutdown").unlink(missing_ok=True)
    bad = set_header(build([b"bad"]), base_offset=1, last_offset_delta=2**31 - 1)
    later = [set_header(build([b"later %d " % i * 100]), base_offset=2**31 + 1 + i) for i in range(60)]  # > index.interval.bytes
    with open(segment, "ab") as f:
        f.write(recrc(bad) + b"".join(recrc(b) for b in later))
    return 2**31 + 1 + len(later)


def test_a_log_holding_a_2_31_delta_batch_recovers_and_rolls(tmp_path):
    end = _crafted_log(tmp_path)
    catalog = Catalog(tmp_path, {})
    catalog.open(node_id=0)
    partition = catalog.partition("huge", 0)
    assert partition.log_end_offset == end
    appended = partition.append(recrc(build([b"new"])), now_ms=0)
    assert appended.base_offset == end
    assert [s.base_offset for s in partition.segments] == [0, end]  # rolled: ``end`` no longer fits the first .index
    assert record_batch.read_header(partition.read(end - 1, 1 << 20)).base_offset == end - 1
    catalog.close()


def test_broker_starts_on_a_log_holding_a_2_31_delta_batch(tmp_path):
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    end = _crafted_log(log_dir)
    server = KcliProcess("server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={log_dir}")
    try:
        assert server.connect, server.output
        wire = Wire(server)
        assert produce(wire, "huge", recrc(build([b"after restart"])), version=8).base_offset == end
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output, server.output
