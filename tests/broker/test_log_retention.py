"""The partition's log start offset, retention, roll by time and recovery from the recovery point: no network."""

import pytest

from kcli.broker.log import checkpoints, retention
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import AppendError, LogConfig, Partition
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_log import batch, values
from tests.waiting import wait_for_async


def open_partition(tmp_path, recover=False, **config):
    return Partition.open(tmp_path / "t-0", "t", 0, LogConfig(**config), recover=recover)


def fill(p, batches, size=200, timestamp=1_000, now=0):
    for i in range(batches):  # keyed, so a compacted log takes them too (Kafka refuses null keys there)
        p.append(batch(b"%04d" % i + b"." * size, timestamp=timestamp, key=b"k%d" % i), now_ms=now)


def files(p):
    return sorted(f.name for f in p.directory.iterdir())


def test_segments_below_a_moved_log_start_offset_go_at_the_next_check_and_reads_below_it_are_refused(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000)
    fill(p, 20)
    bases = [s.base_offset for s in p.segments]
    assert len(bases) > 3
    assert p.maybe_increment_log_start_offset(bases[2] + 1, "test")
    assert p.log_start_offset == bases[2] + 1 and p.segments[0].base_offset == 0  # segments stay until the check
    with pytest.raises(AppendError) as caught:
        p.read(bases[2], 1 << 20)
    assert caught.value.code == ErrorCode.OFFSET_OUT_OF_RANGE
    assert values(p.read(bases[2] + 1, 1 << 20))[0][0] == bases[2] + 1
    assert not p.maybe_increment_log_start_offset(1, "test")  # never backwards
    assert retention.delete_old_segments(p, now=0) == 2
    assert [s.base_offset for s in p.segments] == bases[2:] and p.log_start_offset == bases[2] + 1
    assert f"{bases[0]:020d}.log.deleted" in files(p) and f"{bases[0]:020d}.log" not in files(p)
    assert sorted(f"{bases[0]:020d}.{kind}.deleted" for kind in ("log", "index", "timeindex")) == sorted(
        path.name for path in p.pending_deletions[0][1] if path.name.startswith(f"{bases[0]:020d}"))


def test_a_log_start_offset_inside_a_batch_serves_that_batch_whole(tmp_path):
    p = open_partition(tmp_path)
    p.append(batch(b"a", b"b", b"c"), now_ms=0)
    p.maybe_increment_log_start_offset(1, "test")
    assert values(p.read(1, 1 << 20)) == [(0, b"a"), (1, b"b"), (2, b"c")]  # as Kafka: the client skips what it did not ask for


def test_the_log_start_offset_never_passes_the_high_watermark(tmp_path):
    p = open_partition(tmp_path)
    fill(p, 3)
    with pytest.raises(AppendError) as caught:
        p.maybe_increment_log_start_offset(4, "test")
    assert caught.value.code == ErrorCode.OFFSET_OUT_OF_RANGE
    assert p.maybe_increment_log_start_offset(3, "test") and p.log_start_offset == 3


def test_retention_by_time_rolls_an_expired_active_segment_and_the_log_end_offset_stays(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000, retention_ms=60_000, file_delete_delay_ms=500)
    fill(p, 10, timestamp=1_000)
    end = p.log_end_offset
    assert retention.delete_old_segments(p, now=61_000) == 0
    removed = len(p.segments)
    assert retention.delete_old_segments(p, now=61_001) == removed
    assert p.log_end_offset == p.log_start_offset == end
    assert [s.base_offset for s in p.segments] == [end] and p.active.size == 0
    assert p.pending_deletions[0][0] == 61_001 + 500
    assert p.append(batch(b"next"), now_ms=61_002).base_offset == end


def test_retention_by_size_keeps_the_log_at_or_above_retention_bytes(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000, retention_bytes=2500, retention_ms=-1)
    fill(p, 30)
    before = p.size
    assert before > 2500
    deleted = retention.delete_old_segments(p, now=0)
    assert deleted > 0
    assert 2500 <= p.size < 2500 + p.segments[0].size
    assert p.log_start_offset == p.segments[0].base_offset


def test_a_compacted_log_keeps_its_segments_by_time_and_size(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000, retention_bytes=0, retention_ms=0, cleanup_policy=("compact",))
    fill(p, 20)
    assert retention.delete_old_segments(p, now=10**12) == 0


def test_segment_ms_rolls_by_record_time_since_the_first_append(tmp_path):
    p = open_partition(tmp_path, segment_ms=10_000)
    p.append(batch(b"a", timestamp=5_000), now_ms=0)
    p.append(batch(b"b", timestamp=15_000), now_ms=0)  # waited exactly segment.ms: no roll
    assert len(p.segments) == 1
    p.append(batch(b"c", timestamp=15_001), now_ms=0)
    assert [s.base_offset for s in p.segments] == [0, 2]
    p.close()
    p = open_partition(tmp_path, segment_ms=10_000)  # reopened: the first batch of the active segment counts
    p.append(batch(b"d", timestamp=25_001), now_ms=0)
    assert [s.base_offset for s in p.segments] == [0, 2]
    p.append(batch(b"e", timestamp=25_002), now_ms=0)
    assert [s.base_offset for s in p.segments] == [0, 2, 4]


def test_a_full_index_rolls_the_segment(tmp_path):
    p = open_partition(tmp_path, index_interval_bytes=100, segment_index_bytes=3 * 8)
    fill(p, 10)
    assert all(len(s.index) <= 3 for s in p.segments)
    assert len(p.segments) > 2


def test_leftover_deleted_files_are_removed_on_open(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000, retention_ms=0)
    fill(p, 10)
    retention.delete_old_segments(p, now=10**12)
    assert any(name.endswith(".deleted") for name in files(p))
    p.close()
    p = open_partition(tmp_path)
    assert not any(name.endswith(".deleted") for name in files(p))


def test_after_an_unclean_stop_only_segments_from_the_recovery_point_on_are_recovered(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000)
    fill(p, 20)
    bases = [s.base_offset for s in p.segments]
    p.close()
    config = LogConfig(segment_bytes=1000)
    reopened = Partition.open(tmp_path / "t-0", "t", 0, config, recover=True, recovery_point=bases[-1])
    assert reopened.recovered_segments == 1 and reopened.recovered_bytes == reopened.active.size
    reopened.close()
    reopened = Partition.open(tmp_path / "t-0", "t", 0, config, recover=True, recovery_point=bases[-3] + 1)
    assert reopened.recovered_segments == 3 and reopened.recovery_point == bases[-3] + 1
    reopened.close()
    reopened = Partition.open(tmp_path / "t-0", "t", 0, config, recover=True, recovery_point=0)
    assert reopened.recovered_segments == len(bases) and reopened.log_end_offset == 20
    reopened.close()
    clean = Partition.open(tmp_path / "t-0", "t", 0, config, recover=False, recovery_point=0)
    assert clean.recovered_segments == 0 and clean.recovery_point == 20


def test_a_damaged_recovered_segment_takes_the_later_ones_away(tmp_path):
    p = open_partition(tmp_path, segment_bytes=1000)
    fill(p, 20)
    bases = [s.base_offset for s in p.segments]
    p.close()
    damaged = tmp_path / "t-0" / f"{bases[1]:020d}.log"
    data = bytearray(damaged.read_bytes())
    data[-5] ^= 0xFF  # the last batch's CRC no longer holds
    damaged.write_bytes(data)
    reopened = Partition.open(tmp_path / "t-0", "t", 0, LogConfig(segment_bytes=1000), recover=True, recovery_point=bases[1])
    assert [s.base_offset for s in reopened.segments] == bases[:2]
    assert reopened.log_end_offset < bases[2]
    assert not (tmp_path / "t-0" / f"{bases[2]:020d}.log").exists()


def test_a_checkpointed_log_start_offset_past_the_log_end_leaves_one_empty_segment_there(tmp_path):
    p = open_partition(tmp_path)
    fill(p, 3)
    p.close()
    reopened = Partition.open(tmp_path / "t-0", "t", 0, LogConfig(), recover=True, recovery_point=0, log_start_offset=10)
    assert [s.base_offset for s in reopened.segments] == [10]
    assert reopened.log_start_offset == reopened.log_end_offset == 10


def test_catalog_checkpoints_at_close_and_a_clean_restart_recovers_nothing(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    topic = catalog.create("coffee", 2, {"segment.bytes": "1000"})
    for p in topic.partitions:
        fill(p, 12)
    topic.partitions[1].maybe_increment_log_start_offset(5, "test")
    catalog.close()
    recovery = checkpoints.OffsetCheckpointFile(tmp_path / checkpoints.RECOVERY_POINT).read()
    assert recovery == {("coffee", 0): 12, ("coffee", 1): 12}
    assert (tmp_path / checkpoints.LOG_START_OFFSET).read_text() == "0\n1\ncoffee 1 5\n"

    again = Catalog(tmp_path, {})
    again.open(0)
    assert again.recovered_segments == 0 and again.recovered_bytes == 0
    assert [p.log_start_offset for p in again.topics["coffee"].partitions] == [0, 5]
    again.close()


def test_catalog_after_an_unclean_stop_recovers_past_the_checkpointed_recovery_points(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    p = catalog.create("coffee", 1, {"segment.bytes": "1000"}).partitions[0]
    fill(p, 12)
    catalog.checkpoint_recovery_points()  # the periodic checkpoint: up to the last roll
    active = p.active.base_offset
    assert checkpoints.OffsetCheckpointFile(tmp_path / checkpoints.RECOVERY_POINT).read() == {("coffee", 0): active}
    p.close()  # no clean shutdown marker: as after kill -9

    again = Catalog(tmp_path, {})
    again.open(0)
    assert again.recovered and again.recovered_segments == 1
    assert again.recovered_bytes == again.topics["coffee"].partitions[0].active.size
    again.close()


def test_deleting_a_topic_drops_its_checkpoint_entries(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    fill(catalog.create("coffee", 1, {}).partitions[0], 3)
    fill(catalog.create("tea", 1, {}).partitions[0], 3)
    catalog.checkpoint_recovery_points()
    checkpoints.CleanerCheckpoints(tmp_path).update({("coffee", 0): 2, ("tea", 0): 1})
    catalog.delete("coffee")
    assert checkpoints.OffsetCheckpointFile(tmp_path / checkpoints.RECOVERY_POINT).read() == {("tea", 0): 0}
    assert checkpoints.CleanerCheckpoints(tmp_path).read() == {("tea", 0): 1}
    catalog.close()


@pytest.mark.parametrize("broker, expected", [
    ({}, dict(retention_ms=604800000, retention_bytes=-1, segment_ms=604800000, file_delete_delay_ms=60000, cleanup_policy=("delete",))),
    ({"log.retention.minutes": "2", "log.retention.hours": "5"}, dict(retention_ms=120000)),
    ({"log.retention.ms": "1500", "log.retention.minutes": "2"}, dict(retention_ms=1500)),
    ({"log.retention.hours": "-1"}, dict(retention_ms=-3600000)),  # any negative value keeps everything
    ({"log.retention.bytes": "5000", "log.segment.delete.delay.ms": "10"}, dict(retention_bytes=5000, file_delete_delay_ms=10)),
    ({"log.roll.hours": "2"}, dict(segment_ms=7200000)),
    ({"log.roll.ms": "900", "log.roll.hours": "2"}, dict(segment_ms=900)),
    ({"log.cleanup.policy": "compact, delete", "log.index.size.max.bytes": "4096"}, dict(cleanup_policy=("compact", "delete"), segment_index_bytes=4096)),
])
def test_topic_log_configs_follow_the_broker_keys(tmp_path, broker, expected):
    config = Catalog(tmp_path, broker).log_config({})
    assert {name: getattr(config, name) for name in expected} == expected


def test_a_topic_override_beats_the_broker_key(tmp_path):
    config = Catalog(tmp_path, {"log.retention.hours": "1"}).log_config({"retention.ms": "-1", "segment.ms": "10"})
    assert (config.retention_ms, config.segment_ms) == (-1, 10)


def test_log_manager_deletes_old_files_after_the_delay_and_checkpoints_a_moved_start(tmp_path):
    import asyncio

    from kcli.broker.log.log_manager import LogManager

    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    timed = catalog.create("timed", 1, {"segment.bytes": "1000", "retention.ms": "1000", "file.delete.delay.ms": "50"}).partitions[0]
    kv = catalog.create("kv", 1, {"segment.bytes": "1000", "retention.ms": "0", "cleanup.policy": "compact"}).partitions[0]
    fill(timed, 10, timestamp=1_000)
    fill(kv, 10, timestamp=1_000)
    manager = LogManager(catalog, {})

    async def run():
        assert manager.cleanup_logs(now=2_000) == 0  # 2000 - 1000 is not more than retention.ms
        deleted = manager.cleanup_logs(now=2_001)
        assert deleted == len([name for name in files(timed) if name.endswith(".log.deleted")]) > 1
        await wait_for_async(lambda: not any(name.endswith(".deleted") for name in files(timed)), 2,
                             "the delayed deletion of the .deleted files")
        await manager.stop()

    asyncio.run(run())
    assert not any(name.endswith(".deleted") for name in files(timed))
    assert timed.log_start_offset == timed.log_end_offset == 10
    assert kv.log_start_offset == 0 and len(kv.segments) > 1  # compacted: the cleaner's, not retention's
    assert checkpoints.OffsetCheckpointFile(tmp_path / checkpoints.LOG_START_OFFSET).read() == {}  # 10 is timed's first segment
    catalog.close()
