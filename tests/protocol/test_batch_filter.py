"""batch_filter: a batch rebuilt with some records left out keeps their offsets, timestamps, keys, values
and headers, its producer fields and last offset delta, its codec, and a CRC over the new bytes."""

import pytest
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from kcli.protocol.kafka import batch_filter, record_batch


def build(codec=0, producer=(-1, -1, -1), n=10, log_append_time=False):
    builder = DefaultRecordBatchBuilder(2, codec, False, *producer, batch_size=1 << 20)
    for i in range(n):
        builder.append(i, timestamp=1_700_000_000_000 + 7 * i, key=b"k%d" % (i % 3),
                       value=None if i == 4 else b"value-%d" % i, headers=[("h", b"%d" % i)] if i % 2 else [])
    data = bytearray(builder.build())
    record_batch.set_base_offset(data, 0, 500)
    header = record_batch.read_header(data)
    if log_append_time:
        record_batch.set_log_append_time(data, header, 1_800_000_000_000)
        header = record_batch.read_header(data)
    return bytes(data), header


def records(data):
    return [(r.offset, r.timestamp, r.key, r.value, r.headers) for r in DefaultRecordBatch(data)]


@pytest.mark.parametrize("codec", [0, 1, 2, 3, 4], ids=["none", "gzip", "snappy", "lz4", "zstd"])
@pytest.mark.parametrize("horizon", [None, 1_700_000_100_000])
def test_rebuilt_batch_keeps_what_it_keeps(codec, horizon):
    data, header = build(codec, producer=(42, 3, 1000))
    body = batch_filter.records_bytes(data, header)
    views = batch_filter.read_records(body, header)
    assert [v.offset for v in views] == list(range(500, 510))
    kept = [v for v in views if v.offset in (502, 504, 507)]
    rebuilt = batch_filter.rebuild(header, body, kept, horizon)
    new = record_batch.read_header(rebuilt)
    record_batch.validate(rebuilt, new)  # CRC-32C over the new bytes
    assert new.size == len(rebuilt)
    assert (new.base_offset, new.last_offset_delta, new.records_count) == (500, 9, 3)
    assert (new.producer_id, new.producer_epoch, new.base_sequence) == (42, 3, 1000)
    assert new.attributes & record_batch.ATTR_CODEC_MASK == codec
    assert batch_filter.delete_horizon(new) == horizon
    assert new.base_timestamp == (horizon if horizon is not None else kept[0].timestamp)
    assert new.max_timestamp == max(v.timestamp for v in kept)
    wanted = [r for r in records(data) if r[0] in (502, 504, 507)]
    assert records(rebuilt) == wanted  # offsets, timestamps, keys, values (504 is a tombstone), headers


def test_log_append_time_batch_keeps_its_time():
    data, header = build(log_append_time=True)
    body = batch_filter.records_bytes(data, header)
    views = batch_filter.read_records(body, header)
    assert {v.timestamp for v in views} == {1_800_000_000_000}
    rebuilt = batch_filter.rebuild(header, body, views[5:], None)
    new = record_batch.read_header(rebuilt)
    assert new.attributes & record_batch.ATTR_LOG_APPEND_TIME and new.max_timestamp == 1_800_000_000_000
    assert [r[0] for r in records(rebuilt)] == list(range(505, 510))


def test_damaged_records_are_refused():
    data, header = build()
    body = bytearray(batch_filter.records_bytes(data, header))
    body[0] = 0x7E  # the first record claims 63 bytes more than it has... and the walk runs off the end
    with pytest.raises(batch_filter.UnreadableBatch):
        batch_filter.read_records(bytes(body[:40]), header)
