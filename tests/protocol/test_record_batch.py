"""kcli's batch-header view agrees with kafka-python's record-batch code."""

import pytest
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.protocol.kafka import record_batch


@pytest.mark.parametrize("codec", [0, 1, 2, 3, 4])
def test_header_fields_match_kafka_python(codec):
    builder = MemoryRecordsBuilder(magic=2, compression_type=codec, batch_size=1 << 20)
    builder.set_producer_state(42, 3, 17, False)
    for i in range(5):
        builder.append(timestamp=1000 + i, key=b"k", value=b"value %d" % i, headers=[("h", b"v")])
    builder.close()
    raw = bytearray(builder.buffer())
    header = record_batch.read_header(raw)
    record_batch.validate(raw, header)
    theirs = DefaultRecordBatch(bytes(raw))
    assert header.size == len(raw)
    assert (header.producer_id, header.producer_epoch, header.base_sequence) == (42, 3, 17)
    assert header.last_offset_delta == 4 and header.records_count == 5
    assert header.max_timestamp == theirs.max_timestamp == 1004
    assert header.attributes & record_batch.ATTR_CODEC_MASK == codec
    assert header.last_sequence == 21

    record_batch.set_base_offset(raw, 0, 1000)
    record_batch.validate(raw, record_batch.read_header(raw))  # the base offset is outside the CRC
    assert [r.offset for r in DefaultRecordBatch(bytes(raw))] == [1000, 1001, 1002, 1003, 1004]

    record_batch.set_log_append_time(raw, record_batch.read_header(raw), 99_999)
    rewritten = DefaultRecordBatch(bytes(raw))
    assert rewritten.validate_crc()
    assert rewritten.timestamp_type == 1 and [r.timestamp for r in rewritten] == [99_999] * 5


def test_torn_tail_yields_only_whole_batches():
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=1, key=None, value=b"x", headers=[])
    builder.close()
    one = bytes(builder.buffer())
    buf = one + one + one[:20]
    assert [h.position for h in record_batch.iter_headers(buf)] == [0, len(one)]


def test_crc_mismatch_is_detected():
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=1, key=None, value=b"x", headers=[])
    builder.close()
    raw = bytearray(builder.buffer())
    raw[-1] ^= 1
    with pytest.raises(record_batch.InvalidBatch):
        record_batch.validate(raw, record_batch.read_header(raw))
