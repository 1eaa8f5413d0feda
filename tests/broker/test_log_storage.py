"""Storage errors in the log: a full disk or a failed fsync never leaves a torn batch, a stray index entry or a false clean-shutdown marker.

The disk is a real tmpfs of 1 MiB (root on Linux; skipped elsewhere, with the reason); a failed fsync
comes through the segment module's ``fsync``, the one place the log is fsynced.
"""

from __future__ import annotations

import errno
import os

import pytest
from kafka.protocol.consumer.group import OffsetCommitRequest, OffsetCommitResponse
from kafka.protocol.metadata import MetadataRequest, MetadataResponse
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.log import segment as segment_file
from kcli.broker.log.catalog import CLEAN_SHUTDOWN, Catalog
from kcli.broker.log.index import OffsetIndex
from kcli.broker.log.partition import AppendError, LogConfig, Partition
from kcli.broker.server import run_in_thread
from kcli.protocol.kafka import record_batch
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_wire import Wire, create
from tests.conftest import broker_config
from tests.small_disk import fill, free_bytes, tmpfs


def batch(value: bytes, key: bytes | None = None) -> bytes:
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=1_000, key=key, value=value, headers=[])
    builder.close()
    return bytes(builder.buffer())


def batch_of_size(size: int) -> bytes:
    """A batch of exactly ``size`` bytes (varint lengths jump, so a key of a byte or two fills the gap)."""
    for key in (None, b"k", b"kk"):
        for n in range(size - 100, size):
            data = batch(b"x" * n, key)
            if len(data) == size:
                return data
    raise AssertionError(f"no batch of {size} bytes")


def whole_batches_end(path) -> int:
    data = path.read_bytes()
    end = 0
    for header in record_batch.iter_headers(data):
        end = header.position + header.size
    return end


def commit(wire, group, topic, offset, metadata="m"):
    Topic = OffsetCommitRequest.OffsetCommitRequestTopic
    partition = Topic.OffsetCommitRequestPartition(partition_index=0, committed_offset=offset, committed_leader_epoch=-1,
                                                   committed_metadata=metadata)
    request = OffsetCommitRequest(group_id=group, generation_id_or_member_epoch=-1, member_id="", group_instance_id=None,
                                  retention_time_ms=-1, topics=[Topic(name=topic, partitions=[partition])])
    return wire.call(request, OffsetCommitResponse, 7).topics[0].partitions[0].error_code


@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def test_a_short_write_on_a_full_disk_is_cut_back_refused_and_survives_a_clean_restart(disk):
    catalog = Catalog(disk / "logs", {})
    catalog.open(node_id=0)
    catalog.create("t", 1, {})
    partition = catalog.partition("t", 0)
    fill(disk / "filler", leave=300 << 10)
    acked = {}
    with pytest.raises(AppendError) as refused:
        for i in range(1000):
            data = batch(b"%08d" % i + b"x" * 3000)  # 3 KiB batches do not divide the free pages: a short write
            acked[partition.append(data, now_ms=0).base_offset] = data
    assert refused.value.code == ErrorCode.KAFKA_STORAGE_ERROR
    assert acked

    segment = partition.active
    on_disk = segment.log_path.stat().st_size
    assert on_disk == segment.size == whole_batches_end(segment.log_path)  # nothing torn, nothing unaccounted
    assert all(position < on_disk for position in segment.index._positions)
    assert segment.index.path.stat().st_size == 8 * len(segment.index)

    (disk / "filler").unlink()
    with pytest.raises(AppendError) as again:  # read-only until restart, space or not
        partition.append(batch(b"later"), now_ms=0)
    assert again.value.code == ErrorCode.KAFKA_STORAGE_ERROR
    assert len(list(record_batch.iter_headers(partition.read(0, 1 << 30)))) == len(acked)  # reads go on

    catalog.close()
    assert not (disk / "logs" / CLEAN_SHUTDOWN).exists()
    reopened = Catalog(disk / "logs", {})
    reopened.open(node_id=0)
    try:
        assert reopened.recovered
        partition = reopened.partition("t", 0)
        assert partition.high_watermark == max(acked) + 1
        assert bytes(partition.read(max(acked), 1 << 20))[12:] == acked[max(acked)][12:]
        assert partition.append(batch(b"after restart"), now_ms=0).base_offset == max(acked) + 1
    finally:
        reopened.close()


def test_a_failed_index_write_cuts_the_log_write_back_too(disk, monkeypatch):
    index_errors = []
    append = OffsetIndex.append

    def spy(self, offset, position):
        try:
            return append(self, offset, position)
        except OSError as exc:
            index_errors.append(exc.errno)
            raise

    monkeypatch.setattr(OffsetIndex, "append", spy)
    partition = Partition.open(disk / "t-0", "t", 0, LogConfig(), recover=False)
    try:
        # > index.interval.bytes from the segment's start: the next batch is due an index entry (Kafka's rhythm)
        partition.append(batch_of_size(4100), now_ms=0)
        fill(disk / "filler")  # the log's second page has room for the next batch; nothing is left for the index
        assert free_bytes(disk) == 0
        with pytest.raises(AppendError) as refused:
            partition.append(batch_of_size(4092), now_ms=0)
        assert refused.value.code == ErrorCode.KAFKA_STORAGE_ERROR
        assert index_errors == [errno.ENOSPC]
        segment = partition.active
        assert segment.log_path.stat().st_size == segment.size == 4100
        assert segment.index.path.stat().st_size == 0 and len(segment.index) == 0
        assert segment.time_index.path.stat().st_size == 0 and len(segment.time_index) == 0
        assert partition.log_end_offset == 1
    finally:
        partition.close()


def test_a_failed_fsync_takes_the_partition_offline_and_withholds_the_clean_marker(tmp_path, monkeypatch):
    catalog = Catalog(tmp_path / "logs", {})
    catalog.open(node_id=0)
    catalog.create("t", 1, {})
    partition = catalog.partition("t", 0)
    partition.append(batch(b"kept"), now_ms=0)

    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(segment_file, "fsync", failing)
    with pytest.raises(OSError):
        partition.flush()
    with pytest.raises(AppendError) as refused:
        partition.append(batch(b"refused"), now_ms=0)
    assert refused.value.code == ErrorCode.KAFKA_STORAGE_ERROR
    assert partition.recovery_point == 0
    catalog.close()
    assert not (tmp_path / "logs" / CLEAN_SHUTDOWN).exists()


def test_a_clean_shutdown_fsyncs_and_marks(tmp_path, monkeypatch):
    calls = []
    real = segment_file.fsync
    monkeypatch.setattr(segment_file, "fsync", lambda fd: (calls.append(fd), real(fd)))
    catalog = Catalog(tmp_path / "logs", {})
    catalog.open(node_id=0)
    catalog.create("t", 1, {})
    catalog.partition("t", 0).append(batch(b"kept"), now_ms=0)
    assert calls == []  # Kafka's default: the page cache, no fsync per append
    catalog.close()
    assert calls and (tmp_path / "logs" / CLEAN_SHUTDOWN).exists()


def test_a_commit_on_a_full_disk_answers_not_coordinator_on_an_open_connection(tmp_path):
    """Kafka's GroupMetadataManager answers a commit whose append failed with KAFKA_STORAGE_ERROR as NOT_COORDINATOR."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        running = run_in_thread(broker_config(disk / "logs", offset_metadata_max_bytes=32767))
        try:
            wire = Wire(running)
            create(wire, "t")
            assert commit(wire, "g", "t", 1) == ErrorCode.NONE  # __consumer_offsets exists now
            fill(disk / "filler")
            assert commit(wire, "g", "t", 2, metadata="m" * 30_000) == ErrorCode.NOT_COORDINATOR
            answer = wire.call(MetadataRequest(topics=None, allow_auto_topic_creation=False), MetadataResponse, 7)
            assert "t" in [t.name for t in answer.topics]  # the same connection still serves
        finally:
            running.stop()
