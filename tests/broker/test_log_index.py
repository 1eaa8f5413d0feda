"""The ``.index`` is never trusted blindly: sanity checks on open, rebuilds, lookups that verify where they land."""

import logging
import re
import struct

import pytest

from kcli.broker.log.index import CorruptIndexError, OffsetIndex
from tests.broker.test_log import batch, open_partition, values

CONFIG = {"segment_bytes": 4000, "index_interval_bytes": 200}


def fill(tmp_path, count=120, **config):
    p = open_partition(tmp_path, **(config or CONFIG))
    for i in range(count):
        if i % 7 == 3:  # now and then two batches in one append, as one produce request may carry
            p.append(batch(b"%04d" % i + b"." * 40) + batch(b"%04d" % (i + 1000) + b"." * 40), now_ms=0)
        else:
            p.append(batch(b"%04d" % i + b"." * 60), now_ms=0)
    return p


def contents(p):
    return values(b"".join(p.read(s.base_offset, 1 << 20) for s in p.segments))


def pack(items) -> bytes:
    return b"".join(struct.pack(">ii", rel, pos) for rel, pos in items)


def entries(data: bytes):
    return list(struct.iter_unpack(">ii", data))


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (pack([(1, 0), (5, 70)]) + b"\x01", "found 17 bytes which is neither positive nor a multiple of 8"),
        (pack([(1, 0), (-3, 70)]), "the last offset is 97 which is less than the base offset 100"),
        (pack([(5, 0), (1, 70)]), "entry 1 (relative offset 1, position 70) does not follow relative offset 5, position 0"),
        (pack([(1, 70), (5, 0)]), "entry 1 (relative offset 5, position 0) does not follow relative offset 1, position 70"),
        (pack([(1, 0), (5, -70)]), "does not follow"),
        (pack([(1, 0), (5, 1000)]), "entry 1 points at position 1000, past the end of its log (999 bytes)"),
    ],
)
def test_the_sanity_check_refuses_each_kind_of_damage(tmp_path, data, complaint):
    path = tmp_path / "00000000000000000100.index"
    path.write_bytes(data)
    index = OffsetIndex(path, 100)
    with pytest.raises(CorruptIndexError, match=re.escape(complaint)):
        index.load(log_size=999)
    assert len(index) == 0
    path.write_bytes(pack([(1, 0), (5, 70)]))
    index.load(log_size=999)
    assert index.lookup(104) == (101, 0) and index.lookup(105) == (105, 70) and index.lookup(99) is None
    index.close()


def test_a_missing_index_is_reported_not_invented(tmp_path):
    with pytest.raises(FileNotFoundError):
        OffsetIndex(tmp_path / "00000000000000000000.index", 0).load(log_size=10)


def rebuilt_copy(tmp_path, p):
    """Close ``p``, delete its indexes, reopen (which rebuilds them); returns (as written, as rebuilt)."""
    p.close()
    directory = tmp_path / "t-0"
    written = {f.name: f.read_bytes() for f in directory.glob("*.index")}
    for f in directory.glob("*.index"):
        f.unlink()
    p = open_partition(tmp_path, **CONFIG)
    for segment in p.segments:
        segment.index  # noqa: B018  (an older segment is checked, and its index rebuilt, on first use)
    p.close()
    return written, {f.name: f.read_bytes() for f in directory.glob("*.index")}


def test_the_index_written_while_producing_is_the_one_a_rebuild_writes(tmp_path):
    p = fill(tmp_path)
    assert len(p.segments) >= 3 and all(len(s.index) >= 5 for s in p.segments[:-1])
    written, rebuilt = rebuilt_copy(tmp_path, p)
    assert rebuilt == written
    # and it goes on the same way after a restart: the bytes since the last entry are counted again
    p = open_partition(tmp_path, **CONFIG)
    for i in range(30):
        p.append(batch(b"more%d" % i + b"." * 50), now_ms=0)
    written, rebuilt = rebuilt_copy(tmp_path, p)
    assert rebuilt == written


def test_an_index_missing_its_later_entries_is_rebuilt(tmp_path, caplog):
    p = fill(tmp_path)
    p.close()
    index = min((tmp_path / "t-0").glob("*.index"))
    whole = index.read_bytes()
    index.write_bytes(whole[:16])  # two sound entries: Kafka's check passes, the rest of the segment is unindexed
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        p = open_partition(tmp_path, **CONFIG)
        p.read(0, 1)  # an older segment is checked on first use
    assert "missing the entries after position" in caplog.text
    assert index.read_bytes() == whole
    p.close()


def test_an_older_index_is_checked_after_an_unclean_stop_too(tmp_path):
    p = fill(tmp_path)
    expected, end = contents(p), p.log_end_offset
    p.close()
    index = sorted((tmp_path / "t-0").glob("*.index"))[1]
    whole = index.read_bytes()
    index.write_bytes(pack((rel, pos + 13) for rel, pos in entries(whole)))
    p = open_partition(tmp_path, recover=True, **CONFIG)
    assert p.log_end_offset == end and contents(p) == expected
    assert index.read_bytes() == whole
    p.close()


def test_a_shifted_entry_met_by_a_read_gets_the_index_rebuilt(tmp_path, caplog):
    p = fill(tmp_path)
    expected = contents(p)
    p.close()
    index = min((tmp_path / "t-0").glob("*.index"))
    whole = index.read_bytes()
    items = entries(whole)
    # every entry but the last moved 13 bytes into its batch: the checks on open look at the last one only
    index.write_bytes(pack([(rel, pos + 13) for rel, pos in items[:-1]] + items[-1:]))
    p = open_partition(tmp_path, **CONFIG)
    assert index.read_bytes() != whole
    target = items[len(items) // 2][0] + 1  # an offset whose lookup lands on a shifted entry
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        got = values(p.read(target, 1))
    assert got[0][0] <= target <= got[-1][0] and set(got) <= set(expected)
    assert "while reading offset" in caplog.text
    assert index.read_bytes() == whole
    assert contents(p) == expected
    p.close()


def test_a_shifted_active_index_never_lends_garbage_offsets(tmp_path):
    p = fill(tmp_path, count=40, segment_bytes=1 << 20, index_interval_bytes=200)
    end = p.log_end_offset
    p.close()
    index = tmp_path / "t-0" / "00000000000000000000.index"
    index.write_bytes(pack((rel, pos + 13) for rel, pos in entries(index.read_bytes())))
    p = open_partition(tmp_path, segment_bytes=1 << 20, index_interval_bytes=200)
    assert p.log_end_offset == end
    assert p.append(batch(b"next"), now_ms=0).base_offset == end
    p.close()


def test_entries_follow_kafkas_rhythm_counted_from_the_last_indexed_batch(tmp_path):
    # Kafka's LogSegment.append indexes a batch when more than index.interval.bytes lie between the last indexed
    # batch (or the segment's start) and the batch's own position; batches of 100 bytes, interval 250, by hand:
    # positions 300, 600, 900 (offsets 3, 6, 9). kcli used to count the batch itself too: 200, 500, 800.
    p = open_partition(tmp_path, index_interval_bytes=250)
    for i in range(10):
        data = batch(b"%04d" % i + b"." * 28)
        assert len(data) == 100
        p.append(data, now_ms=0)
    p.close()
    assert entries((tmp_path / "t-0" / "00000000000000000000.index").read_bytes()) == [(3, 300), (6, 600), (9, 900)]
