"""The segment log: offsets, byte-for-byte storage, index, roll, mid-batch reads, recovery."""

import pytest
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import AppendError, LogConfig, Partition
from kcli.protocol.kafka import record_batch
from kcli.protocol.kafka.errors import ErrorCode


def batch(*values, producer_id=-1, epoch=-1, sequence=-1, timestamp=1_000, key=None):
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    if producer_id >= 0:
        builder.set_producer_state(producer_id, epoch, sequence, False)
    for v in values:
        builder.append(timestamp=timestamp, key=key, value=v, headers=[])
    builder.close()
    return bytes(builder.buffer())


def values(raw):
    return [(r.offset, r.value) for h in record_batch.iter_headers(raw) for r in DefaultRecordBatch(bytes(raw[h.position : h.position + h.size]))]


def open_partition(tmp_path, recover=False, **config):
    return Partition.open(tmp_path / "t-0", "t", 0, LogConfig(**config), recover=recover)


def test_offsets_are_assigned_and_bytes_kept_but_the_base_offset(tmp_path):
    p = open_partition(tmp_path)
    first, second = batch(b"a", b"b"), batch(b"c")
    assert p.append(first, now_ms=0).base_offset == 0
    assert p.append(second, now_ms=0).base_offset == 2
    stored = (tmp_path / "t-0" / "00000000000000000000.log").read_bytes()
    assert stored[8:len(first)] == first[8:]
    assert stored[len(first) + 8:] == second[8:]
    assert p.log_end_offset == p.high_watermark == 3
    assert values(p.read(0, 1 << 20)) == [(0, b"a"), (1, b"b"), (2, b"c")]


def test_mid_batch_offset_returns_the_whole_containing_batch(tmp_path):
    p = open_partition(tmp_path)
    p.append(batch(b"a", b"b", b"c"), now_ms=0)
    assert values(p.read(1, 1 << 20)) == [(0, b"a"), (1, b"b"), (2, b"c")]


def test_first_batch_is_returned_even_when_larger_than_max_bytes(tmp_path):
    p = open_partition(tmp_path)
    p.append(batch(b"x" * 5000), now_ms=0)
    p.append(batch(b"y"), now_ms=0)
    assert values(p.read(0, 100)) == [(0, b"x" * 5000)]
    assert values(p.read(0, 100, min_one_batch=False)) == []


def test_index_is_sparse_and_lookups_land_on_the_right_batch(tmp_path):
    p = open_partition(tmp_path, index_interval_bytes=256)
    for i in range(200):
        p.append(batch(b"%03d" % i + b"." * 100), now_ms=0)
    assert 0 < len(p.active.index) < 200
    for offset in (0, 57, 150, 199):
        assert values(p.read(offset, 1))[0][0] == offset


def test_segments_roll_at_segment_bytes(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000)
    for i in range(30):
        p.append(batch(b"v" * 100), now_ms=0)
    names = sorted(f.name for f in (tmp_path / "t-0").glob("*.log"))
    assert len(names) > 3 and names[0] == "00000000000000000000.log"
    assert all(len(n) == len("00000000000000000000.log") for n in names)
    assert [o for o, _ in values(b"".join(p.read(o, 1 << 20) for o in (0,)))][0] == 0
    assert values(p.read(29, 1 << 20)) == [(29, b"v" * 100)]


def test_corrupt_batch_and_oversized_batch_are_refused(tmp_path):
    p = open_partition(tmp_path, max_message_bytes=500)
    bad = bytearray(batch(b"hello"))
    bad[-1] ^= 0xFF
    with pytest.raises(AppendError) as info:
        p.append(bytes(bad), now_ms=0)
    assert info.value.code is ErrorCode.CORRUPT_MESSAGE
    with pytest.raises(AppendError) as info:
        p.append(batch(b"x" * 1000), now_ms=0)
    assert info.value.code is ErrorCode.MESSAGE_TOO_LARGE
    assert p.log_end_offset == 0


def test_log_append_time_sets_max_timestamp_and_a_valid_crc(tmp_path):
    p = open_partition(tmp_path, log_append_time=True)
    assert p.append(batch(b"a", timestamp=5), now_ms=123_456).log_append_time == 123_456
    raw = p.read(0, 1 << 20)
    header = record_batch.read_header(raw)
    record_batch.validate(raw, header)
    assert header.max_timestamp == 123_456 and header.attributes & record_batch.ATTR_LOG_APPEND_TIME


def test_idempotent_duplicates_are_not_appended_twice(tmp_path):
    p = open_partition(tmp_path)
    assert p.append(batch(b"a", producer_id=7, epoch=0, sequence=0), now_ms=0).base_offset == 0
    assert p.append(batch(b"b", producer_id=7, epoch=0, sequence=1), now_ms=0).base_offset == 1
    assert p.append(batch(b"a", producer_id=7, epoch=0, sequence=0), now_ms=0).base_offset == 0
    with pytest.raises(AppendError) as info:
        p.append(batch(b"c", producer_id=7, epoch=0, sequence=5), now_ms=0)
    assert info.value.code is ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER
    assert p.log_end_offset == 2


def test_recovery_cuts_a_torn_tail_and_rebuilds_the_index(tmp_path):
    p = open_partition(tmp_path, index_interval_bytes=128)
    for i in range(20):
        p.append(batch(b"v%d" % i + b"." * 64), now_ms=0)
    whole = p.active.size
    p.close()
    log = tmp_path / "t-0" / "00000000000000000000.log"
    with open(log, "ab") as f:
        f.write(batch(b"torn")[:30])
    (tmp_path / "t-0" / "00000000000000000000.index").write_bytes(b"\x00garbage")
    p = open_partition(tmp_path, recover=True, index_interval_bytes=128)
    assert log.stat().st_size == whole
    assert p.log_end_offset == 20
    assert values(p.read(13, 1))[0][0] == 13
    assert p.append(batch(b"next"), now_ms=0).base_offset == 20


def test_catalog_persists_topics_and_deletes_closed_files(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(node_id=0)
    catalog.create("coffee", 2, {"retention.ms": "1000"})
    catalog.partition("coffee", 1).append(batch(b"x"), now_ms=0)
    topic_id = catalog.topics["coffee"].topic_id
    catalog.close()
    again = Catalog(tmp_path, {})
    again.open(node_id=0)
    assert again.topics["coffee"].topic_id == topic_id
    assert again.topics["coffee"].configs == {"retention.ms": "1000"}
    assert again.partition("coffee", 1).log_end_offset == 1
    again.delete("coffee")
    assert not (tmp_path / "coffee-0").exists() and not (tmp_path / "coffee-1").exists()


def test_duplicate_detection_survives_a_restart(tmp_path):
    p = open_partition(tmp_path)
    p.append(batch(b"a", producer_id=9, epoch=0, sequence=0), now_ms=0)
    p.append(batch(b"b", producer_id=9, epoch=0, sequence=1), now_ms=0)
    p.close()
    p = open_partition(tmp_path, recover=True)
    assert p.append(batch(b"b", producer_id=9, epoch=0, sequence=1), now_ms=0).base_offset == 1  # the retry
    assert p.append(batch(b"c", producer_id=9, epoch=0, sequence=2), now_ms=0).base_offset == 2
    assert p.log_end_offset == 3
