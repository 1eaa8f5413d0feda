"""Older segments open lazily: at start a partition holds only its active segment's files; an older one is
checked and opened on first use, and one never used is closed, renamed and deleted like any other."""

import os
from pathlib import Path

from kafka.record.memory_records import MemoryRecords

from kcli.broker import partition_bounds
from kcli.broker.log.partition import LogConfig, Partition
from tests.wire_requests import record_batch

CONFIG = LogConfig(segment_bytes=600, index_interval_bytes=100)


def _open(tmp_path) -> Partition:
    return Partition.open(tmp_path / "t-0", "t", 0, CONFIG, recover=False)


def _filled(tmp_path) -> list[bytes]:
    p = _open(tmp_path)
    batches = [record_batch([b"%03d" % i + b"." * 80], timestamp_ms=1_000 + i) for i in range(30)]
    for batch in batches:
        p.append(batch, now_ms=0)
    assert len(p.segments) >= 4
    p.close()
    return batches


def _held_paths(directory: Path) -> set[str] | None:
    """Names of the files under ``directory`` this process holds open (Linux), else None."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return None
    held = set()
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)):
            held.add(Path(target).name)
    return held


def test_only_the_active_segment_is_opened_at_start_and_an_older_one_on_first_use(tmp_path):
    _filled(tmp_path)
    p = _open(tmp_path)
    directory = tmp_path / "t-0"
    active = p.active.log_path.name
    assert partition_bounds.files_held(p) == 2
    assert _held_paths(directory) in (None, {active})
    assert p.segments[1].max_timestamp == max(1_000 + i for i in range(30) if p.segments[1].base_offset <= i < p.segments[2].base_offset)
    assert partition_bounds.files_held(p) == 2  # a look at its largest timestamp (retention's) leaves no file open
    assert len(p.read(0, 1 << 20)) > 0  # a read opens the first segment's log and keeps it
    assert partition_bounds.files_held(p) == 3
    assert _held_paths(directory) in (None, {active, p.segments[0].log_path.name})
    p.close()
    assert _held_paths(directory) in (None, set())


def test_what_a_lazily_opened_log_serves_is_what_was_written(tmp_path):
    batches = _filled(tmp_path)
    p = _open(tmp_path)
    served = b"".join(p.read(s.base_offset, 1 << 20) for s in p.segments)  # each read stays in its segment
    records = MemoryRecords(served)
    values = []
    while records.has_next():
        values += [(r.offset, r.value) for r in records.next_batch()]
    assert values == [(i, b"%03d" % i + b"." * 80) for i in range(len(batches))]
    assert p.offset_for_timestamp(1_017) == (17, 1_017)
    p.close()


def test_a_segment_never_used_is_deleted_by_retention_with_its_files(tmp_path):
    _filled(tmp_path)
    p = _open(tmp_path)
    first, count = p.segments[0].base_offset, len(p.segments)
    p.delete_oldest(2, "test", now_ms=0)
    assert len(p.segments) == count - 2 and p.log_start_offset == p.segments[0].base_offset > first
    renamed = [path for _, paths in p.pending_deletions for path in paths]
    assert renamed and all(path.name.endswith(".deleted") for path in renamed)
    for path in renamed:
        path.unlink()  # nothing holds them open (Windows could not delete them otherwise)
    p.close()


def test_a_segment_first_used_after_its_close_is_read_and_left_closed(tmp_path):
    _filled(tmp_path)
    p = _open(tmp_path)
    segment = p.segments[1]
    p.close()  # before anything of the older segments was used
    assert segment.next_offset == p.segments[2].base_offset  # loaded and checked with a reader of its own
    assert segment.open_files() == 0 and segment._reader is None
    assert _held_paths(tmp_path / "t-0") in (None, set())


def test_older_segments_recovered_at_start_keep_only_their_reader(tmp_path):
    batches = _filled(tmp_path)
    p = Partition.open(tmp_path / "t-0", "t", 0, CONFIG, recover=True, recovery_point=0)  # an unclean stop: all recovered
    assert p.recovered_segments == len(p.segments) >= 4
    assert [s.open_files() for s in p.segments[:-1]] == [1] * (len(p.segments) - 1)  # no appender, no index file
    active = p.active
    indexes = {active.index.path.name, active.time_index.path.name}  # the active segment's, rebuilt by its recovery
    held = _held_paths(tmp_path / "t-0")
    assert held is None or held - indexes == {s.log_path.name for s in p.segments}
    assert p.log_end_offset == len(batches)
    p.append(record_batch([b"after"], timestamp_ms=5_000), now_ms=0)  # the active one still takes appends
    p.close()
    assert _held_paths(tmp_path / "t-0") in (None, set())


def test_an_older_segment_recovered_on_first_use_keeps_no_index_file_open(tmp_path):
    _filled(tmp_path)
    (tmp_path / "t-0" / "00000000000000000000.index").write_bytes(b"\x00" * 8)  # fails the check: recovered when used
    p = _open(tmp_path)
    segment = p.segments[0]
    assert len(p.read(0, 1 << 20)) > 0
    assert len(segment.index) > 0 and len(segment.time_index) > 0  # rebuilt
    assert segment.open_files() == 1  # the reader the read keeps; the rebuilt indexes' files are closed
    assert _held_paths(tmp_path / "t-0") in (None, {p.active.log_path.name, segment.log_path.name})
    p.close()


def test_only_a_lazily_opened_segment_has_a_class_with_getattr(tmp_path):
    # a class with __getattr__ makes every attribute read of its instances slow: the active segment, appended to
    # on every produce, must not have one
    _filled(tmp_path)
    p = _open(tmp_path)
    assert not hasattr(type(p.active), "__getattr__")
    assert all(hasattr(type(s), "__getattr__") for s in p.segments[:-1])
    assert p.segments[0].max_timestamp == 1_000 + p.segments[1].base_offset - 1  # loaded on first use, as before
    p.append(record_batch([b"more"], timestamp_ms=5_000), now_ms=0)
    assert not hasattr(type(p.active), "__getattr__")
    p.close()
