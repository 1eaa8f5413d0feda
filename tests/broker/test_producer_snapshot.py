"""Producer snapshots (kcli/broker/log/producer_snapshot.py): one per segment roll, so a restart after kill -9
rebuilds the open transactions from the last one and the batches after it instead of rereading the log."""

from kafka.record.default_records import DefaultRecordBatchBuilder

from kcli.broker.log import producer_snapshot
from kcli.broker.log.partition import LogConfig, Partition


def transactional(producer_id: int, sequence: int) -> bytes:
    builder = DefaultRecordBatchBuilder(2, 0, True, producer_id, 0, sequence, batch_size=1 << 20)
    builder.append(0, timestamp=1, key=None, value=b"x" * 100, headers=[])
    return bytes(builder.build())


def crash(partition: Partition) -> None:
    """What kill -9 leaves: the files as written, no snapshot at the log end (only the handles are let go)."""
    for segment in partition.segments:
        segment.close()


def state(partition: Partition):
    txns = partition.transactions
    return dict(txns.ongoing), list(txns.aborted), partition.last_stable_offset, partition.log_end_offset


def test_after_kill_9_the_transactions_come_from_the_last_roll_snapshot_and_the_batches_after_it(tmp_path):
    directory = tmp_path / "t-0"
    config = LogConfig(segment_bytes=600)  # a roll every few batches
    partition = Partition.open(directory, "t", 0, config, recover=False)
    sequences = {1: 0, 2: 0, 3: 0}
    batches = 0

    def data(producer_id):
        nonlocal batches
        partition.append(transactional(producer_id, sequences[producer_id]), now_ms=1)
        sequences[producer_id] += 1
        batches += 1

    data(3)  # open from the first offset to the crash: every later snapshot carries it
    for round_ in range(12):
        data(1)
        data(2)
        if round_ % 3 == 2:  # producer 1's transactions are aborted, producer 2's committed, each across rolls
            partition.append_marker(1, 0, False, 0, 1)
            partition.append_marker(2, 0, True, 0, 1)
            batches += 2
    data(1)  # open at the crash too, begun in the last segment
    before = state(partition)
    assert before[0] == {3: 0, 1: before[3] - 1} and len(before[1]) == 4 and before[2] == 0
    last_base = partition.active.base_offset
    in_last_segment = sum(1 for _ in partition.active._headers(0, validate=False))
    assert len(partition.segments) > 4 and in_last_segment < batches / 4
    assert producer_snapshot.offsets(directory) == [s.base_offset for s in partition.segments[1:]]  # one per roll
    crash(partition)

    recovered = Partition.open(directory, "t", 0, config, recover=True)
    assert state(recovered) == before
    assert recovered.loaded_batches == in_last_segment  # only the batches after the snapshot at last_base
    assert recovered.active.base_offset == last_base
    crash(recovered)

    for offset in producer_snapshot.offsets(directory):  # without snapshots the whole log is read: the same state
        producer_snapshot.remove(directory, offset)
    reread = Partition.open(directory, "t", 0, config, recover=True)
    assert state(reread) == before
    assert reread.loaded_batches == batches
    reread.close()


def test_snapshots_past_the_log_end_and_stray_ones_are_removed_on_open(tmp_path):
    directory = tmp_path / "t-0"
    config = LogConfig(segment_bytes=600)
    partition = Partition.open(directory, "t", 0, config, recover=False)
    for sequence in range(8):
        partition.append(transactional(1, sequence), now_ms=1)
    bases = [s.base_offset for s in partition.segments]
    end = partition.log_end_offset
    crash(partition)
    for offset in (1, end + 5):  # one of no segment below the last one; one past the log end
        producer_snapshot.write(directory, offset, [])
    producer_snapshot.write(directory, end, [])  # the latest stray one: a clean close's, kept
    reopened = Partition.open(directory, "t", 0, config, recover=True)
    try:
        assert producer_snapshot.offsets(directory) == bases[1:] + [end]
        assert reopened.loaded_batches == 0 and reopened.transactions.ongoing == {}  # the empty snapshot at the end
    finally:
        reopened.close()


def test_a_transaction_open_from_before_the_reread_tail_keeps_its_first_offset_after_kill_9(tmp_path):
    from kcli.broker.log.partition import PRODUCER_STATE_TAIL_BYTES

    directory = tmp_path / "t-0"
    partition = Partition.open(directory, "t", 0, LogConfig(), recover=False)
    value = b"x" * (64 * 1024)
    for sequence in range(PRODUCER_STATE_TAIL_BYTES // len(value) + 8):  # one transaction, longer than the tail
        builder = DefaultRecordBatchBuilder(2, 0, True, 9, 0, sequence, batch_size=1 << 20)
        builder.append(0, timestamp=1, key=None, value=value, headers=[])
        partition.append(bytes(builder.build()), now_ms=1)
    assert partition.last_stable_offset == 0
    crash(partition)
    recovered = Partition.open(directory, "t", 0, LogConfig(), recover=True)
    try:  # before: the idempotence tail read first set the transaction's start to the tail's first batch
        assert recovered.transactions.ongoing == {9: 0} and recovered.last_stable_offset == 0
    finally:
        recovered.close()
