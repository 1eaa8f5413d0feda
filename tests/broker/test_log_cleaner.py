"""The cleaner on a Partition, driven with numbers: the dirty-ratio decision, delete horizons, and a crash at
every rename of a swap recovered by log_loader on open."""

from __future__ import annotations

import os
import shutil

import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from kcli.broker.log import checkpoints, cleaner, log_loader
from kcli.broker.log.cleaner import LogToClean, SegmentInfo, log_to_clean
from kcli.broker.log.partition import LogConfig, Partition
from kcli.protocol.kafka import batch_filter, record_batch

LONG_MAX = 2**63 - 1


def seg(base, size, max_ts=-1, first_ts=-1):
    return SegmentInfo(base, size, max_ts, first_ts)


# -- the decision, on numbers --------------------------------------------------------------------------


def test_dirty_ratio_counts_whole_segments_between_the_checkpoint_and_the_active_one():
    segments = [seg(0, 100), seg(10, 100), seg(20, 100), seg(30, 50)]  # the last one is active
    todo = log_to_clean(segments, 0, 35, 35, 20, 0, LONG_MAX, now=0)
    assert (todo.first_dirty_offset, todo.first_uncleanable_offset) == (20, 30)
    assert (todo.clean_bytes, todo.cleanable_bytes) == (200, 100)
    assert todo.cleanable_ratio == pytest.approx(1 / 3)
    assert todo.should_clean(0.3) and not todo.should_clean(0.5)


def test_checkpoint_outside_the_log_resets_to_the_log_start():
    segments = [seg(0, 100), seg(10, 100)]
    assert log_to_clean(segments, 0, 15, 15, 99, 0, LONG_MAX, now=0).reset_checkpoint
    todo = log_to_clean(segments, 5, 15, 15, 2, 0, LONG_MAX, now=0)
    assert todo.reset_checkpoint and todo.first_dirty_offset == 5


def test_never_past_the_last_stable_offset_nor_into_the_active_segment():
    segments = [seg(0, 100), seg(10, 100), seg(20, 100)]
    assert log_to_clean(segments, 0, 25, 12, None, 0, LONG_MAX, now=0).first_uncleanable_offset == 12
    assert log_to_clean(segments, 0, 25, 25, None, 0, LONG_MAX, now=0).first_uncleanable_offset == 20
    only_active = log_to_clean([seg(0, 100)], 0, 5, 5, None, 0, LONG_MAX, now=0)
    assert only_active.cleanable_bytes == 0 and not only_active.should_clean(0.0)


def test_min_compaction_lag_stops_at_the_first_segment_too_young():
    segments = [seg(0, 100, max_ts=1000), seg(10, 100, max_ts=5000), seg(20, 100, max_ts=6000), seg(30, 10)]
    todo = log_to_clean(segments, 0, 35, 35, None, 2000, LONG_MAX, now=6500)
    assert todo.first_uncleanable_offset == 10 and todo.cleanable_bytes == 100
    assert log_to_clean(segments, 0, 35, 35, None, 2000, LONG_MAX, now=9000).first_uncleanable_offset == 30


def test_max_compaction_lag_forces_a_cleaning_below_the_ratio():
    segments = [seg(0, 1000), seg(10, 10, first_ts=1000), seg(20, 10)]
    todo = log_to_clean(segments, 0, 25, 25, 10, 0, 5000, now=5999)
    assert not todo.needs_compaction_now and not todo.should_clean(0.5)
    todo = log_to_clean(segments, 0, 25, 25, 10, 0, 5000, now=6001)
    assert todo.needs_compaction_now and todo.should_clean(0.5)
    assert LogToClean(0, 0, 0, 0, True, False).should_clean(0.5) is False  # nothing cleanable


def test_checkpoint_file_in_kafkas_format(tmp_path):
    store = checkpoints.CleanerCheckpoints(tmp_path)
    store.replace({("b", 1): 7, ("a", 0): 42})
    assert (tmp_path / checkpoints.CLEANER_OFFSET).read_text() == "0\n2\na 0 42\nb 1 7\n"
    assert store.read() == {("a", 0): 42, ("b", 1): 7}
    (tmp_path / checkpoints.CLEANER_OFFSET).write_text("0\n3\na 0 1\n")
    assert store.read() == {}  # malformed: every compacted log is cleaned from its start


# -- cleaning a partition ------------------------------------------------------------------------------


def batch(records, timestamp=1000):
    builder = DefaultRecordBatchBuilder(2, 0, False, -1, -1, -1, batch_size=1 << 20)
    for i, (key, value) in enumerate(records):
        builder.append(i, timestamp=timestamp + i, key=key, value=value, headers=[])
    return bytes(builder.build())


def contents(partition):
    out, offset = [], partition.log_start_offset
    while offset < partition.log_end_offset:
        data = partition.read(offset, 1 << 20)
        if not data:
            break
        records = MemoryRecords(data)
        while records.has_next():
            b = records.next_batch()
            out.extend((r.offset, r.key, r.value) for r in b if r.offset >= offset)
            offset = max(offset, b.next_offset)
    return out


def clean(partition, now, first_dirty=None):
    todo = log_to_clean(cleaner.segment_infos(partition), partition.log_start_offset, partition.log_end_offset,
                        partition.last_stable_offset, first_dirty, 0, LONG_MAX, now)
    return cleaner.run_inline(cleaner.Cleaning(partition, todo, 10_000, now).steps())


@pytest.fixture
def partition(tmp_path):
    config = LogConfig(segment_bytes=600, cleanup_policy=("compact",), delete_retention_ms=100, index_interval_bytes=100)
    p = Partition.open(tmp_path / "t-0", "t", 0, config, recover=False)
    yield p
    p.close()


def fill(partition):
    for n in range(60):
        partition.append(batch([(b"k%d" % (n % 4), b"v%d" % n), (b"k%d" % ((n + 1) % 4), b"w%d" % n)]), 0)
    partition.append(batch([(b"k0", None)]), 0)  # a tombstone
    for n in range(30):
        partition.append(batch([(b"other", b"o%d" % n)]), 0)
    return contents(partition)


def test_cleaning_keeps_last_values_at_their_offsets_and_tombstones_until_their_horizon(partition):
    before = fill(partition)
    end = clean(partition, now=10_000)
    assert end == partition.active.base_offset
    after = contents(partition)
    assert set(after) <= set(before)  # nothing new, offsets unchanged
    cleaned = [r for r in after if r[0] < end]
    last = {}
    for offset, key, value in before:
        if offset < end:
            last[key] = (offset, key, value)
    assert sorted(cleaned) == sorted(last.values())  # one record per key: its last, the tombstone included
    tomb = [r for r in after if r[2] is None]
    assert len(tomb) == 1
    # The tombstone's batch now carries its delete horizon: now + delete.retention.ms.
    raw = partition.read(tomb[0][0], 1 << 20)
    header = record_batch.unpack_header(raw)
    assert batch_filter.delete_horizon(header) == 10_100
    record_batch.validate(raw, header)  # a CRC that matches the rebuilt bytes
    clean(partition, now=10_099, first_dirty=0)
    assert [r for r in contents(partition) if r[2] is None] == tomb
    clean(partition, now=10_100, first_dirty=0)
    assert [r for r in contents(partition) if r[2] is None] == []


def test_a_batch_of_an_open_transaction_is_never_cleaned(partition):
    builder = DefaultRecordBatchBuilder(2, 0, True, 7, 0, 0, batch_size=1 << 20)
    builder.append(0, timestamp=1, key=b"k0", value=b"txn", headers=[])
    data = bytearray(builder.build())
    fill(partition)
    partition.append(bytes(data), 0)
    offset = partition.log_end_offset - 1
    for n in range(40):
        partition.append(batch([(b"k0", b"later%d" % n)]), 0)
    clean(partition, now=10_000)
    assert partition.last_stable_offset == offset  # the cleaning stops below it
    assert (offset, b"k0", b"txn") in contents(partition)


def transactional(partition, producer_id, records, sequence=0):
    builder = DefaultRecordBatchBuilder(2, 0, True, producer_id, 0, sequence, batch_size=1 << 20)
    for i, (key, value) in enumerate(records):
        builder.append(i, timestamp=1000 + i, key=key, value=value, headers=[])
    return partition.append(bytes(builder.build()), 0).base_offset


def markers(partition):
    """(offset, producer id, delete horizon) of each control batch in the log."""
    out, offset = [], partition.log_start_offset
    while offset < partition.log_end_offset:
        data = partition.read(offset, 1 << 20)
        for header in record_batch.iter_headers(data):
            if header.is_control and header.base_offset >= offset:
                out.append((header.base_offset, header.producer_id, batch_filter.delete_horizon(header)))
            offset = max(offset, header.next_offset)
    return out


def test_aborted_transactions_are_removed_and_markers_go_after_their_horizon_once_no_record_is_left(partition):
    from kcli.broker.log.txn_index import index_path, read_index

    partition.append(batch([(b"precious", b"kept"), (b"replaced", b"old")]), 0)
    transactional(partition, 7, [(b"precious", b"aborted"), (b"k1", b"aborted")])  # aborted: removed
    abort = partition.append_marker(7, 0, False, 0, 0)
    transactional(partition, 8, [(b"k2", b"committed")])  # committed, then replaced by fill's later k2
    commit_empty = partition.append_marker(8, 0, True, 0, 0)
    transactional(partition, 9, [(b"replaced", b"new")])  # committed and the key's last value: stays
    commit_kept = partition.append_marker(9, 0, True, 0, 0)
    aborted = partition.transactions.aborted
    assert [(a.producer_id, a.last_offset) for a in aborted] == [(7, abort)]
    fill(partition)
    assert partition.last_stable_offset == partition.log_end_offset

    clean(partition, now=10_000)
    values = {(key, value) for _, key, value in contents(partition)}
    assert (b"precious", b"kept") in values and (b"replaced", b"new") in values
    assert (b"precious", b"aborted") not in values and (b"k1", b"aborted") not in values
    assert (b"replaced", b"old") not in values  # the committed transactional record took its place
    # the aborted records are gone now, so their marker and aborted range stay for this round
    assert markers(partition) == [(abort, 7, None), (commit_empty, 8, None), (commit_kept, 9, None)]
    first = partition.segments[0].base_offset
    assert partition.transactions.aborted == aborted and read_index(index_path(partition.directory, first)) == aborted

    clean(partition, now=10_000, first_dirty=0)  # no record of 7 and 8 left: their markers get a horizon
    assert markers(partition) == [(abort, 7, 10_100), (commit_empty, 8, 10_100), (commit_kept, 9, None)]
    assert partition.transactions.aborted == [] and read_index(index_path(partition.directory, first)) == []
    clean(partition, now=10_099, first_dirty=0)
    assert len(markers(partition)) == 3
    clean(partition, now=10_100, first_dirty=0)
    assert markers(partition) == [(commit_kept, 9, None)]
    assert (b"replaced", b"new") in {(key, value) for _, key, value in contents(partition)}

    partition.close()  # reread from no snapshot: nothing left looks open
    for snapshot in partition.directory.glob("*.snapshot"):
        snapshot.unlink()
    reopened = Partition.open(partition.directory, "t", 0, partition.config, recover=True)
    try:
        assert reopened.transactions.ongoing == {} and reopened.transactions.aborted == []
        assert reopened.last_stable_offset == reopened.log_end_offset
    finally:
        reopened.close()


# -- a crash at any rename of the swap ----------------------------------------------------------------


class Crash(BaseException):
    """The broker process dies (nothing of the cleaner runs after it)."""


def test_a_crash_at_each_rename_of_a_swap_recovers_to_one_whole_log(tmp_path, monkeypatch):
    config = LogConfig(segment_bytes=2500, cleanup_policy=("compact",), index_interval_bytes=100)
    reference = Partition.open(tmp_path / "ref-0", "ref", 0, config, recover=False)
    original = fill(reference)
    clean(reference, now=10_000)
    compacted = contents(reference)
    reference.close()
    assert compacted != original

    real_replace = os.replace
    crash_at = 1
    while True:
        directory = tmp_path / f"t{crash_at}-0"
        p = Partition.open(directory, "t", 0, config, recover=False)
        fill(p)
        calls = 0

        crashed_dir = tmp_path / f"crashed{crash_at}-0"

        def replace(src, dst, _at=crash_at, _dir=directory, _to=crashed_dir):
            nonlocal calls
            calls += 1
            if calls == _at:  # the broker dies here: the disk is as it is before this rename
                shutil.copytree(_dir, _to)
                raise Crash
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        try:
            clean(p, now=10_000)
            crashed = False
        except Crash:
            crashed = True
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
        p.close()
        if crashed:
            directory = crashed_dir
        left = sorted(f.name for f in directory.iterdir())
        reopened = Partition.open(directory, "t", 0, config, recover=True)
        try:
            now = contents(reopened)
            if crash_at <= 2:  # before the cleaned log became a .swap: the old segments stand
                assert now == original, left
            # Whatever the point: records of the original at their offsets, at least what a whole cleaning
            # keeps, and the same last value per key as before.
            assert set(compacted) <= set(now) <= set(original), (crash_at, left)
            assert _last_values(now) == _last_values(original)
            if not crashed:
                assert now == compacted
            names = [f.name for f in directory.iterdir()]
            assert not [n for n in names if n.endswith((".cleaned", ".swap", ".deleted"))]
        finally:
            reopened.close()
        if not crashed:
            break
        crash_at += 1
    assert crash_at > 4  # every rename of a real swap was crashed at once


def test_swap_files_at_or_past_a_cleaned_one_are_dropped(tmp_path):
    (tmp_path / "00000000000000000000.log").write_bytes(b"")
    (tmp_path / "00000000000000000005.log.cleaned").write_bytes(b"")
    (tmp_path / "00000000000000000007.log.swap").write_bytes(b"")
    (tmp_path / "00000000000000000003.index.deleted").write_bytes(b"")
    assert log_loader.complete_interrupted_swaps(tmp_path)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["00000000000000000000.log"]


def _last_values(records):
    last = {}
    for _, key, value in records:
        last[key] = value
    return last


def test_a_failed_rename_during_a_swap_leaves_the_partition_serving_a_whole_log(tmp_path, monkeypatch):
    config = LogConfig(segment_bytes=2500, cleanup_policy=("compact",), index_interval_bytes=100)
    real_replace = os.replace
    fail_at = 1
    while True:
        directory = tmp_path / f"t{fail_at}-0"
        p = Partition.open(directory, "t", 0, config, recover=False)
        original = fill(p)
        calls = 0

        def replace(src, dst, _at=fail_at):
            nonlocal calls
            calls += 1
            if calls == _at:
                raise OSError(5, "Input/output error")
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        try:
            clean(p, now=10_000)
        except OSError:
            pass  # before the swap became the truth: that cleaning is given up
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
        failed = calls >= fail_at
        try:
            assert p.offline is None
            served = contents(p)  # still readable, every segment open
            assert _last_values(served) == _last_values(original) and set(served) <= set(original), fail_at
            p.append(batch([(b"k9", b"after")]), 0)  # and writable
        finally:
            p.close()
        reopened = Partition.open(directory, "t", 0, config, recover=False)
        assert contents(reopened) == served + [(served[-1][0] + 1, b"k9", b"after")]
        assert not [f.name for f in directory.iterdir() if f.name.endswith((".cleaned", ".swap", ".deleted"))]
        reopened.close()
        if not failed:
            break
        fail_at += 1
    assert fail_at > 4


def test_a_cleaning_cancelled_midway_leaves_the_log_as_it_was(tmp_path):
    import asyncio

    from kcli.broker.log.catalog import Catalog

    catalog = Catalog(tmp_path / "logs", {})
    catalog.open(0)
    catalog.create("t", 1, {"cleanup.policy": "compact", "segment.bytes": "600"})
    partition = catalog.partition("t", 0)
    original = fill(partition)
    log_cleaner = cleaner.LogCleaner(catalog, {"log.cleaner.min.cleanable.ratio": "0.01"})

    async def cancel_after_some_steps():
        task = asyncio.get_running_loop().create_task(log_cleaner.clean_filthiest(10_000))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await log_cleaner.stop()

    asyncio.run(cancel_after_some_steps())
    assert log_cleaner.rounds == 0
    assert contents(partition) == original
    assert not [f.name for f in partition.directory.iterdir() if f.name.endswith((".cleaned", ".swap", ".deleted"))]
    catalog.close()


def test_log_cleaner_enable_false_runs_no_cleaner(tmp_path):
    import asyncio

    from kcli.broker.log.catalog import Catalog

    catalog = Catalog(tmp_path / "logs", {})
    catalog.open(0)

    async def started(props):
        log_cleaner = cleaner.LogCleaner(catalog, props)
        log_cleaner.start()
        running = log_cleaner._task is not None
        await log_cleaner.stop()
        return running

    assert asyncio.run(started({})) is True
    assert asyncio.run(started({"log.cleaner.enable": "false"})) is False
    catalog.close()


def test_a_cleaned_segment_knows_its_greatest_timestamp(partition):
    for n in range(60):  # timestamps falling: the greatest is in a segment's first batch, far from its tail
        partition.append(batch([(b"k%d" % n, b"v"), (b"k%d" % (n + 1), b"w")], timestamp=100_000 - n), 0)
    clean(partition, now=10_000)
    cleaned = [s for s in partition.segments[:-1] if s.size]
    assert cleaned
    for segment in cleaned:  # time-based retention (compact,delete) reads it
        data = segment.log_path.read_bytes()
        assert segment.max_timestamp == max(h.max_timestamp for h in record_batch.iter_headers(data))


def test_max_compaction_lag_reads_each_rolled_segments_first_batch(tmp_path):
    config = LogConfig(segment_bytes=600, cleanup_policy=("compact",), max_compaction_lag_ms=5000)
    p = Partition.open(tmp_path / "t-0", "t", 0, config, recover=False)
    for n in range(30):
        p.append(batch([(b"k%d" % n, b"v" * 20)], timestamp=1000 + n), 0)
    infos = cleaner.segment_infos(p)
    assert len(infos) > 2
    assert [i.first_batch_timestamp for i in infos[:-1]] == [1000 + i.base_offset for i in infos[:-1]]
    assert infos[-1].first_batch_timestamp == -1  # the active segment is never cleaned
    assert all(i.max_timestamp == 1000 + j.base_offset - 1 for i, j in zip(infos, infos[1:]))
    p.close()


def test_a_cleaned_segment_keeps_the_aborted_ranges_of_the_segments_it_replaces(partition):
    from kcli.broker.log.txn_index import AbortedTxn, index_path, read_index

    builder = DefaultRecordBatchBuilder(2, 0, True, 7, 0, 0, batch_size=1 << 20)
    builder.append(0, timestamp=1, key=b"k0", value=b"aborted", headers=[])
    partition.append(bytes(builder.build()), 0)
    marker = partition.append_marker(7, 0, False, 0, 0)
    fill(partition)
    aborted = AbortedTxn(7, 0, marker, marker + 1)  # the LSO once the marker is written
    assert partition.transactions.aborted == [aborted]
    clean(partition, now=10_000)
    first = partition.segments[0].base_offset
    assert read_index(index_path(partition.directory, first)) == [aborted]  # before: the swap deleted it
    partition.close()
    reopened = Partition.open(partition.directory, "t", 0, partition.config, recover=False)  # from the snapshot
    try:
        assert reopened.transactions.aborted == [aborted]
    finally:
        reopened.close()
