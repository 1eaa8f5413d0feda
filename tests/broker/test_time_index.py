"""The ``.timeindex``: Kafka's bytes for the same log, lookups by time that scan one stretch of one segment,
max-timestamp, and a rebuild on start of one that is missing or damaged.

The expected entries below are worked out by hand from Kafka's rules (LogSegment.append, recover,
onBecomeInactiveSegment, close; TimeIndex.maybeAppend): with ``index.interval.bytes`` = 250 and
batches of 100 bytes, a batch is indexed when more than 250 bytes lie between the last indexed
batch (or the start of the segment) and its own position, i.e. the batches at positions 300, 600,
900 of a segment; the time index is then offered (largest timestamp so far, last offset of the
batch that first reached it) and takes it only when the timestamp grew; rolling and closing offer
it once more.
"""

from __future__ import annotations

import errno
import os
import logging
import re
import struct

import pytest
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.log.index import CorruptIndexError
from kcli.broker.log.partition import AppendError
from kcli.broker.log.time_index import TimeIndex
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_log import open_partition
from tests.broker.test_log_storage import batch_of_size
from tests.small_disk import fill, free_bytes, tmpfs

CONFIG = {"segment_bytes": 1100, "index_interval_bytes": 250}
# one batch per offset; segment 0 holds offsets 0-10 (11 batches of 100 bytes), segment 11 holds 11-15
STAMPS = [1000, 1500, 1200, 1400, 2000, 1900, 1950, 2500, 2400, 2450, 3000, 2900, 3100, 3050, 3000, 3300]


def stamped(*stamps: int, value: bytes = b"v" * 32) -> bytes:
    """One batch with a record per timestamp; a single 32-byte value makes it 100 bytes."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    for ts in stamps:
        builder.append(timestamp=ts, key=None, value=value, headers=[])
    builder.close()
    return bytes(builder.buffer())


def pack(*entries: tuple[int, int]) -> bytes:
    return b"".join(struct.pack(">qi", ts, rel) for ts, rel in entries)


def pack_offsets(*entries: tuple[int, int]) -> bytes:
    return b"".join(struct.pack(">ii", rel, pos) for rel, pos in entries)


def produce(tmp_path, stamps=STAMPS, **config):
    p = open_partition(tmp_path, **(config or CONFIG))
    for ts in stamps:
        p.append(stamped(ts), now_ms=0)
    return p


def files(tmp_path, suffix: str) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted((tmp_path / "t-0").glob(f"*{suffix}"))}


SEGMENT_0 = "00000000000000000000"
SEGMENT_11 = "00000000000000000011"
# by hand: segment 0 indexes the batches at 300, 600, 900 (offsets 3, 6, 9); the largest timestamps so far there are
# 1500 (offset 1), 2000 (offset 4), 2500 (offset 7); offset 10 (3000) comes after the last entry and is added on roll
EXPECTED_TIME_0 = pack((1500, 1), (2000, 4), (2500, 7), (3000, 10))
EXPECTED_INDEX_0 = pack_offsets((3, 300), (6, 600), (9, 900))
# segment 11: the batch at 300 (offset 14) is indexed, the largest so far is 3100 (offset 12, relative 1);
# offset 15 (3300, relative 4) comes after it and is added on close
EXPECTED_TIME_11_OPEN = pack((3100, 1))
EXPECTED_TIME_11 = pack((3100, 1), (3300, 4))
EXPECTED_INDEX_11 = pack_offsets((3, 300))


def test_the_batches_are_the_hundred_bytes_the_hand_computed_entries_assume():
    assert {len(stamped(ts)) for ts in STAMPS} == {100}


def test_the_time_and_offset_indexes_hold_what_kafka_writes_for_the_same_log(tmp_path):
    p = produce(tmp_path)
    assert [s.base_offset for s in p.segments] == [0, 11]
    assert files(tmp_path, ".timeindex") == {f"{SEGMENT_0}.timeindex": EXPECTED_TIME_0, f"{SEGMENT_11}.timeindex": EXPECTED_TIME_11_OPEN}
    assert files(tmp_path, ".index") == {f"{SEGMENT_0}.index": EXPECTED_INDEX_0, f"{SEGMENT_11}.index": EXPECTED_INDEX_11}
    assert [(s.max_timestamp, s.offset_of_max_timestamp) for s in p.segments] == [(3000, 10), (3300, 15)]
    p.close()
    assert files(tmp_path, ".timeindex") == {f"{SEGMENT_0}.timeindex": EXPECTED_TIME_0, f"{SEGMENT_11}.timeindex": EXPECTED_TIME_11}


@pytest.mark.parametrize(
    ("target", "answer", "scanned"),
    [
        (1300, (1, 1500), 2),  # no entry at or below 1300: segment 0 from position 0
        (2450, (7, 2500), 5),  # entry (2000, 4) -> offset entry (3, 300): batches 3..7; offset 9 (2450) comes later
        (2950, (10, 3000), 5),  # entry (2500, 7) -> offset entry (6, 600): batches 6..10
        (3050, (12, 3100), 2),  # segment 0 tops out at 3000: segment 11 from its start
        (3300, (15, 3300), 5),  # entry (3100, 12), but no offset entry at or below 12: segment 11 from its start
        (3301, None, 0),
    ],
)
def test_a_lookup_by_time_scans_from_the_indexed_position_only(tmp_path, target, answer, scanned):
    p = produce(tmp_path)
    before = sum(s.timestamp_scan_batches for s in p.segments)
    assert p.offset_for_timestamp(target) == answer
    assert sum(s.timestamp_scan_batches for s in p.segments) - before == scanned
    p.close()


def test_max_timestamp_reads_from_the_batch_the_offset_index_finds(tmp_path):
    p = produce(tmp_path)
    before = sum(s.timestamp_scan_batches for s in p.segments)
    assert p.max_timestamp_offset() == (15, 3300)
    assert sum(s.timestamp_scan_batches for s in p.segments) - before == 2  # offset entry (14, 300): batches 14, 15
    p.close()
    p = open_partition(tmp_path, **CONFIG)  # after a clean stop, from the time index's last entry
    assert [(s.max_timestamp, s.offset_of_max_timestamp) for s in p.segments] == [(3000, 10), (3300, 15)]
    assert p.max_timestamp_offset() == (15, 3300)
    p.close()


def test_the_first_segment_holding_the_largest_timestamp_answers_max_timestamp(tmp_path):
    p = produce(tmp_path, stamps=[5, 9, 7, 9, 1, 2, 3, 4, 5, 6, 7, 9, 9], segment_bytes=500, index_interval_bytes=250)
    assert [s.base_offset for s in p.segments] == [0, 5, 10]
    assert p.max_timestamp_offset() == (1, 9)  # as Kafka's maxBy: the first segment, its first batch so stamped
    p.close()


def test_records_inside_a_batch_are_answered_one_by_one(tmp_path):
    p = open_partition(tmp_path, **CONFIG)
    p.append(stamped(100, 200), now_ms=0)
    p.append(stamped(5000, 4000, 6000, 6000, 5500), now_ms=0)  # offsets 2-6, max 6000 first at offset 4
    p.append(stamped(5900), now_ms=0)
    assert p.offset_for_timestamp(4500) == (2, 5000)
    assert p.offset_for_timestamp(5100) == (4, 6000)
    assert p.offset_for_timestamp(150) == (1, 200)
    assert p.max_timestamp_offset() == (4, 6000)
    assert p.offset_for_timestamp(6001) is None
    p.close()


def test_an_empty_log_has_no_timestamps_and_an_empty_time_index(tmp_path):
    (tmp_path / "t-0").mkdir()  # on disk (a missing directory opens pending: no file until the first append)
    p = open_partition(tmp_path, **CONFIG)
    assert p.offset_for_timestamp(0) is None and p.max_timestamp_offset() is None
    p.close()
    assert files(tmp_path, ".timeindex") == {f"{SEGMENT_0}.timeindex": b""}


def test_log_append_time_indexes_the_brokers_time(tmp_path):
    p = open_partition(tmp_path, log_append_time=True, **CONFIG)
    for i in range(6):  # the producer's timestamps go backwards; the broker's times are what count
        p.append(stamped(10_000 - i), now_ms=50_000 + 10 * i)
    # by hand: batches at 0..500; the batch at 300 (offset 3) is indexed with the largest time so far, 50030 at offset 3;
    # offsets 4 and 5 come after it and the close adds 50050 at offset 5
    p.close()
    assert files(tmp_path, ".timeindex") == {f"{SEGMENT_0}.timeindex": pack((50_030, 3), (50_050, 5))}
    p = open_partition(tmp_path, log_append_time=True, **CONFIG)
    assert p.offset_for_timestamp(50_011) == (2, 50_020)
    assert p.offset_for_timestamp(9_000) == (0, 50_000)
    assert p.max_timestamp_offset() == (5, 50_050)
    p.close()


def damaged_last(data: bytes) -> bytes:
    return data[:-12]


DAMAGE = {
    "deleted": None,
    "bad length": lambda data: data + b"\x01\x02\x03",
    "descending": lambda data: b"".join(data[i : i + 12] for i in reversed(range(0, len(data), 12))),
    "last entry lost": damaged_last,  # as after a power loss between the close and the clean-shutdown marker
    "shifted offset": lambda data: data[:-4] + struct.pack(">i", struct.unpack(">i", data[-4:])[0] - 1),
    "wrong timestamp": lambda data: data[:-12] + struct.pack(">q", struct.unpack(">q", data[-12:-4])[0] + 1) + data[-4:],
}


@pytest.mark.parametrize("segment", [SEGMENT_0, SEGMENT_11])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_time_index_is_rebuilt_on_first_use_as_written(tmp_path, caplog, damage, segment):
    produce(tmp_path).close()
    written = files(tmp_path, ".timeindex")
    assert written == {f"{SEGMENT_0}.timeindex": EXPECTED_TIME_0, f"{SEGMENT_11}.timeindex": EXPECTED_TIME_11}
    path = tmp_path / "t-0" / f"{segment}.timeindex"
    if DAMAGE[damage] is None:
        path.unlink()
    else:
        path.write_bytes(DAMAGE[damage](path.read_bytes()))
        assert path.read_bytes() != written[path.name]
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        p = open_partition(tmp_path, **CONFIG)  # the older segment is checked on first use, the last one now
        assert p.offset_for_timestamp(2950) == (10, 3000) and p.max_timestamp_offset() == (15, 3300)
    assert "rebuilding index files" in caplog.text and f"{segment}.log" in caplog.text
    assert files(tmp_path, ".timeindex") == written
    p.close()
    assert files(tmp_path, ".timeindex") == written and files(tmp_path, ".index") == {
        f"{SEGMENT_0}.index": EXPECTED_INDEX_0, f"{SEGMENT_11}.index": EXPECTED_INDEX_11,
    }


def test_recovery_after_an_unclean_stop_writes_the_same_files(tmp_path):
    p = produce(tmp_path)
    p.close()
    written = files(tmp_path, ".timeindex"), files(tmp_path, ".index")
    for f in (tmp_path / "t-0").glob("*index"):
        f.write_bytes(b"")
    p = open_partition(tmp_path, recover=True, **CONFIG)  # the last segment recovered, the other checked (and rebuilt)
    p.segments[0].index  # noqa: B018  (on first use)
    assert (files(tmp_path, ".timeindex"), files(tmp_path, ".index")) == written
    p.close()


def test_appends_after_a_restart_go_on_as_a_rebuild_would_write(tmp_path):
    produce(tmp_path, stamps=STAMPS[:13]).close()  # segment 11 holds offsets 11, 12 when the broker stops
    p = open_partition(tmp_path, **CONFIG)
    for ts in STAMPS[13:]:
        p.append(stamped(ts), now_ms=0)
    p.close()
    assert files(tmp_path, ".timeindex") == {f"{SEGMENT_0}.timeindex": EXPECTED_TIME_0, f"{SEGMENT_11}.timeindex": EXPECTED_TIME_11}
    assert files(tmp_path, ".index")[f"{SEGMENT_11}.index"] == EXPECTED_INDEX_11


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (pack((10, 1), (20, 5)) + b"\x01", "found 25 bytes which is neither positive nor a multiple of 12"),
        (pack((20, 1), (10, 5)), "the last timestamp is 10 which is less than the first timestamp 20"),
        (pack((10, 1), (20, -3)), "the last offset is 97 which is less than the first offset 100"),
        (pack((10, 1), (30, 5), (20, 7)), "entry 2 (timestamp 20, relative offset 7) does not follow timestamp 30"),
        (pack((10, 5), (20, 1), (30, 7)), "entry 1 (timestamp 20, relative offset 1) does not follow timestamp 10, relative offset 5"),
        (pack((-1, 1)), "entry 0 (timestamp -1, relative offset 1) does not follow"),
    ],
)
def test_the_sanity_check_refuses_each_kind_of_damage(tmp_path, data, complaint):
    path = tmp_path / "00000000000000000100.timeindex"
    path.write_bytes(data)
    index = TimeIndex(path, 100)
    with pytest.raises(CorruptIndexError, match=re.escape(complaint)):
        index.load()
    assert len(index) == 0
    path.write_bytes(pack((10, 1), (20, 5)))
    index.load()
    assert index.lookup(15) == (10, 101) and index.lookup(20) == (20, 105) and index.lookup(9) == (-1, 100)
    index.maybe_append(20, 106)  # not later than the last entry: ignored, as Kafka's maybeAppend
    index.maybe_append(25, 107)
    assert path.read_bytes() == pack((10, 1), (20, 5), (25, 7))


def test_a_failed_time_index_write_cuts_the_log_and_offset_index_back_too(tmp_path, monkeypatch):
    failures = []
    maybe_append = TimeIndex.maybe_append

    def spy(self, timestamp, offset):
        try:
            return maybe_append(self, timestamp, offset)
        except OSError as exc:
            failures.append(exc.errno)
            raise

    monkeypatch.setattr(TimeIndex, "maybe_append", spy)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        p = open_partition(disk, index_interval_bytes=4096)
        try:
            p.append(batch_of_size(4100), now_ms=0)  # two pages of log; the next batch is due index entries
            fill(disk / "filler", leave=4096)  # one page: the .index takes it, the .timeindex finds none
            assert free_bytes(disk) == 4096
            with pytest.raises(AppendError) as refused:
                p.append(batch_of_size(4092), now_ms=0)
            assert refused.value.code == ErrorCode.KAFKA_STORAGE_ERROR
            assert failures == [errno.ENOSPC]
            segment = p.active
            assert segment.log_path.stat().st_size == segment.size == 4100 and p.log_end_offset == 1
            assert segment.index.path.stat().st_size == 0 and len(segment.index) == 0
            assert segment.time_index.path.stat().st_size == 0 and len(segment.time_index) == 0
            assert (segment.max_timestamp, segment.offset_of_max_timestamp) == (1_000, 0)
        finally:
            p.close()


def _held(directory, suffix: str) -> set[str] | None:
    """Names of the ``suffix`` files under ``directory`` this process holds open (Linux), else None."""
    fds = os.path.join("/proc", "self", "fd")
    if not os.path.isdir(fds):
        return None
    held = set()
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        if target.startswith(str(directory)) and target.endswith(suffix):
            held.add(os.path.basename(target))
    return held


def test_the_time_index_file_is_opened_once_and_kept_open_while_the_segment_is_active(tmp_path):
    p = produce(tmp_path, stamps=STAMPS[:4])  # offsets 0-3: the batch at 300 got the first entry
    segment = p.active
    opened = segment.time_index._file
    assert opened is not None and len(segment.time_index) == 1
    assert _held(tmp_path, ".timeindex") in (None, {f"{SEGMENT_0}.timeindex"})
    for ts in STAMPS[4:11]:
        p.append(stamped(ts), now_ms=0)
    assert len(segment.time_index) == 3 and segment.time_index._file is opened  # the same file took every entry
    p.append(stamped(STAMPS[11]), now_ms=0)  # rolls: the old segment's last entry, then its file closed
    assert p.segments[0] is segment and segment.time_index._file is None and opened.closed
    assert _held(tmp_path, ".timeindex") in (None, set())  # the new segment has no entry yet
    assert files(tmp_path, ".timeindex")[f"{SEGMENT_0}.timeindex"] == EXPECTED_TIME_0
    p.close()
    assert _held(tmp_path, ".timeindex") in (None, set())


def test_a_kept_open_time_index_is_closed_before_its_segment_is_deleted(tmp_path):
    p = produce(tmp_path, stamps=STAMPS[:4])
    segment = p.active
    assert segment.time_index._file is not None
    segment.delete()  # Windows deletes no open file: closed first
    assert segment.time_index._file is None and not segment.time_index.path.exists()
    assert _held(tmp_path, ".timeindex") in (None, set())
