"""Partition bounds as numbers: per request, per broker, and by the open files partitions hold."""

import os

import pytest

from kcli.broker import partition_bounds
from kcli.broker.partition_bounds import FILE_RESERVE, FILES_PER_PARTITION, broker_problem, request_problem
from kcli.protocol.kafka.errors import ErrorCode


def test_request_bound_is_kafkas_policy_violation():
    assert request_problem(1000, 1000) is None
    code, message = request_problem(6639, 1000)
    assert code is ErrorCode.POLICY_VIOLATION
    assert message == ("Unable to perform excessively large batch operation. The request would add 6639 partitions; "
                       "kcli.max.partitions.per.request is 1000.")


def test_broker_bound():
    assert broker_problem(held=3990, files=0, adding=10, max_partitions=4000, limit=None) is None
    code, message = broker_problem(held=3990, files=0, adding=11, max_partitions=4000, limit=None)
    assert code is ErrorCode.INVALID_PARTITIONS
    assert message == "Adding 11 partition(s) would bring this broker to 4001 partitions; kcli.max.partitions is 4000."


@pytest.mark.parametrize("limit", [1024, 20000])
def test_open_file_bound_leaves_the_reserve(limit):
    files = 300
    fits = (limit - FILE_RESERVE - files) // FILES_PER_PARTITION
    assert broker_problem(held=100, files=files, adding=fits, max_partitions=10**9, limit=limit) is None
    code, message = broker_problem(held=100, files=files, adding=fits + 1, max_partitions=10**9, limit=limit)
    assert code is ErrorCode.INVALID_PARTITIONS
    assert f"may open {limit} (ulimit -n) and its partitions already hold {files}" in message


def _open_fds():
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def test_files_held_counts_what_a_partition_keeps_open(tmp_path):
    from kcli.broker.log.partition import LogConfig, Partition
    from tests.wire_requests import record_batch

    before = _open_fds()
    partition = Partition.open(tmp_path / "t-0", "t", 0, LogConfig(index_interval_bytes=1), recover=False)
    assert partition_bounds.files_held(partition) == 0  # never written to: no directory, no file (Partition.pending)
    (tmp_path / "t-0").mkdir()
    partition = Partition.open(tmp_path / "t-0", "t", 0, LogConfig(index_interval_bytes=1), recover=False)
    assert partition_bounds.files_held(partition) == 2  # the log's reader and appender; the indexes once written
    partition.append(record_batch([b"a"]), now_ms=0)
    partition.append(record_batch([b"b"]), now_ms=0)
    assert partition_bounds.files_held(partition) == 4 == partition_bounds.FILES_PER_PARTITION
    partition.roll()
    assert partition_bounds.files_held(partition) == 3  # the old segment keeps its reader only
    if before is not None:  # Linux: count the process's descriptors
        assert _open_fds() - before == 3
    partition.close()
