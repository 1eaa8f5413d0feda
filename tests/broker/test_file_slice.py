"""A fetch's byte range (Partition.read_slice / LogSegment.slice) follows Kafka's LogSegment.read: from the batch
holding the offset, at most max_bytes (so possibly ending inside a batch), the first batch whole when asked
(KIP-74), never past the bound offset (high watermark or last stable offset); a pinned slice stays readable
after its segment is closed and deleted."""

from __future__ import annotations

import os

import pytest

from kcli.broker.log.file_slice import SENDFILE
from kcli.broker.log.partition import AppendError
from kcli.protocol.kafka import record_batch
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_log import batch, open_partition


def _filled(tmp_path, count=30, **config):
    p = open_partition(tmp_path, index_interval_bytes=256, **config)
    for i in range(count):
        p.append(batch(b"%03d" % i + b"." * 100), now_ms=0)
    return p


def _log_bytes(p) -> bytes:
    return b"".join(s.log_path.read_bytes() for s in p.segments)


def test_the_range_starts_at_the_batch_holding_the_offset_and_ends_at_max_bytes(tmp_path):
    p = _filled(tmp_path)
    data = _log_bytes(p)
    headers = list(record_batch.iter_headers(data))
    found = p.read_slice(17, 500, p.high_watermark, min_one_batch=True)
    assert found.position == headers[17].position and found.size == 500
    assert found.read() == data[found.position : found.position + 500]
    assert found.position + 500 not in {h.position + h.size for h in headers}  # ends inside a batch


def test_the_first_batch_is_whole_only_when_asked(tmp_path):
    p = _filled(tmp_path)
    first = next(record_batch.iter_headers(_log_bytes(p)))
    assert p.read_slice(0, 10, p.high_watermark, min_one_batch=True).size == first.size
    assert p.read_slice(0, 10, p.high_watermark, min_one_batch=False).size == 10  # as Kafka: part of the batch
    assert p.read_slice(0, 0, p.high_watermark, min_one_batch=False) is None


def test_the_range_stops_at_the_bound_offset_at_a_batch_start(tmp_path):
    p = _filled(tmp_path)
    headers = list(record_batch.iter_headers(_log_bytes(p)))
    found = p.read_slice(3, 1 << 20, 20, min_one_batch=True)
    assert (found.position, found.position + found.size) == (headers[3].position, headers[20].position)
    assert p.read_slice(20, 1 << 20, 20, min_one_batch=True) is None
    assert p.read_slice(p.log_end_offset, 1 << 20, p.high_watermark, min_one_batch=True) is None


def test_the_range_moves_on_to_the_next_segment_and_stops_at_its_own_segments_end(tmp_path):
    p = _filled(tmp_path, segment_bytes=1024)
    assert len(p.segments) > 2
    second = p.segments[1]
    found = p.read_slice(second.base_offset, 1 << 20, p.high_watermark, min_one_batch=True)
    assert (found.segment, found.position, found.size) == (second, 0, second.size)


def test_offsets_outside_the_log_are_out_of_range(tmp_path):
    p = _filled(tmp_path)
    with pytest.raises(AppendError) as raised:
        p.read_slice(p.log_end_offset + 1, 100, p.high_watermark, min_one_batch=True)
    assert raised.value.code == ErrorCode.OFFSET_OUT_OF_RANGE


@pytest.mark.skipif(not SENDFILE, reason="without sendfile a slice is read when pinned")
def test_a_pinned_slice_reads_its_bytes_after_the_segment_is_closed_and_deleted(tmp_path):
    p = _filled(tmp_path)
    found = p.read_slice(0, 1 << 20, p.high_watermark, min_one_batch=True)
    expected = found.read()
    found.pin()
    p.delete()
    assert not (tmp_path / "t-0").exists()
    reused = os.open(os.devnull, os.O_RDONLY)  # descriptors freed by the close may be handed out again
    try:
        assert found.read() == expected
    finally:
        os.close(reused)
        found.release()
    assert found.fd is None


@pytest.mark.parametrize("pinned", [False, True])
def test_a_range_reads_piece_by_piece_the_bytes_it_reads_whole(tmp_path, pinned):
    p = _filled(tmp_path)
    found = p.read_slice(5, 1000, p.high_watermark, min_one_batch=True)
    if pinned:
        found.pin()
    pieces = [found.read(start, 256) for start in range(0, found.size, 256)]
    assert [len(piece) for piece in pieces] == [256, 256, 256, 232]
    assert b"".join(pieces) == found.read() == _log_bytes(p)[found.position : found.position + 1000]
    assert found.read(990, 256) == found.read()[990:]  # a piece never reaches past the range
    found.release()
    p.close()
