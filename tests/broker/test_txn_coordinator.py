"""The transaction coordinator's state machine, driven by ``now``; its store's and markers' formats; Produce's check."""

import pytest
from kafka.protocol.producer import ProduceRequest, ProduceResponse
from kafka.record.default_records import DefaultRecordBatchBuilder

from kcli.broker.log.txn_index import ENTRY, AbortedTxn, PartitionTransactions, read_index
from kcli.broker.txn.coordinator import TransactionCoordinator
from kcli.broker.txn.metadata import TxnConfig, TxnState
from kcli.protocol.kafka import record_batch, transaction_log
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_init_producer_id import init
from tests.broker.test_wire import Wire, create, records
from tests.wire_requests import transactional_batch

TXN_AUTH = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED


def coordinator(**config):
    ids = iter(range(1000, 2000))
    return TransactionCoordinator(TxnConfig(**config), lambda: next(ids))


def test_init_bumps_the_epoch_and_a_transaction_runs_through_its_states():
    c = coordinator()
    assert c.init_producer_id("t", 60000, -1, -1, now=0) == (ErrorCode.NONE, 1000, 0)
    assert c.init_producer_id("t", 60000, -1, -1, now=1) == (ErrorCode.NONE, 1000, 1)
    assert c.add_partitions("t", 1000, 1, [("a", 0), ("b", 1)], now=2) is ErrorCode.NONE
    txn = c.transactions["t"]
    assert (txn.state, txn.start_ms, txn.partitions) == (TxnState.ONGOING, 2, {("a", 0), ("b", 1)})
    assert c.end_txn("t", 1000, 1, True, now=3) is ErrorCode.NONE
    assert txn.state is TxnState.PREPARE_COMMIT and c.to_complete == [txn]
    assert c.end_txn("t", 1000, 1, True, now=3) is ErrorCode.CONCURRENT_TRANSACTIONS
    c.complete(c.to_complete.pop(), now=4)
    assert (txn.state, txn.partitions) == (TxnState.COMPLETE_COMMIT, set())
    assert c.end_txn("t", 1000, 1, True, now=5) is ErrorCode.NONE  # a retry of the EndTxn that completed it
    assert c.end_txn("t", 1000, 1, False, now=5) is ErrorCode.INVALID_TXN_STATE


def test_a_stale_epoch_is_fenced_and_a_new_producer_aborts_the_open_transaction():
    c = coordinator()
    c.init_producer_id("t", 60000, -1, -1, now=0)
    c.add_partitions("t", 1000, 0, [("a", 0)], now=1)
    assert c.init_producer_id("t", 60000, -1, -1, now=2) == (ErrorCode.CONCURRENT_TRANSACTIONS, -1, -1)
    txn = c.transactions["t"]
    assert (txn.state, txn.producer_epoch) == (TxnState.PREPARE_ABORT, 1)  # the abort goes out under the bumped epoch
    c.complete(c.to_complete.pop(), now=3)
    assert c.init_producer_id("t", 60000, -1, -1, now=4) == (ErrorCode.NONE, 1000, 2)
    assert c.add_partitions("t", 1000, 0, [("a", 0)], now=5) is ErrorCode.PRODUCER_FENCED
    assert c.end_txn("t", 1000, 0, True, now=5) is ErrorCode.PRODUCER_FENCED
    assert c.end_txn("t", 999, 2, True, now=5) is ErrorCode.INVALID_PRODUCER_ID_MAPPING


def test_timeouts_bounds_and_expiry_follow_now():
    c = coordinator(max_timeout_ms=1000, id_expiration_ms=5000)
    assert c.init_producer_id("t", 1001, -1, -1, now=0)[0] is ErrorCode.INVALID_TRANSACTION_TIMEOUT
    c.init_producer_id("t", 1000, -1, -1, now=0)
    c.add_partitions("t", 1000, 0, [("a", 0)], now=10)
    assert c.abort_timed_out(now=1010) == []
    assert c.abort_timed_out(now=1011) == ["t"]
    txn = c.transactions["t"]
    assert (txn.state, txn.producer_epoch) == (TxnState.PREPARE_ABORT, 1)
    c.complete(c.to_complete.pop(), now=1011)
    assert c.expire_ids(now=6011) == [] and c.expire_ids(now=6012) == ["t"] and "t" not in c.transactions


def test_transaction_state_records_and_markers_are_kafkas():
    value = transaction_log.TransactionValue(7, 3, 60000, 1, (("a", 0), ("a", 2), ("b", 1)), 10, 9)
    raw = transaction_log.encode_value(value)
    # version 0, pid, epoch, timeout, status, 2 topics: "a" [0, 2], "b" [1], last update, start
    assert raw[:17] == bytes.fromhex("0000" "0000000000000007" "0003" "0000ea60" "01")
    assert transaction_log.decode_value(raw) == value
    assert transaction_log.encode_key("tx") == b"\x00\x00\x00\x02tx"
    batch = transaction_log.control_batch(7, 3, commit=False, coordinator_epoch=5, now_ms=1)
    header = record_batch.read_header(batch)
    record_batch.validate(bytearray(batch), header)
    assert (header.is_control, header.is_transactional, header.producer_id, header.producer_epoch, header.base_sequence) == (True, True, 7, 3, -1)
    assert transaction_log.control_type(batch) == transaction_log.ABORT


def test_aborted_ranges_go_to_the_segments_txnindex_in_kafkas_34_byte_entries(tmp_path):
    txns = PartitionTransactions(tmp_path)
    txns.on_data(7, 10)
    txns.on_data(8, 12)
    assert txns.first_unstable_offset() == 10
    assert txns.on_marker(7, 15, commit=False, segment_base=0, high_watermark=16) == AbortedTxn(7, 10, 15, 12)
    assert txns.on_marker(8, 16, commit=True, segment_base=0, high_watermark=17) is None
    data = (tmp_path / "00000000000000000000.txnindex").read_bytes()
    assert len(data) == ENTRY.size == 34 and ENTRY.unpack(data) == (0, 7, 10, 15, 12)
    assert read_index(tmp_path / "00000000000000000000.txnindex") == [AbortedTxn(7, 10, 15, 12)]
    assert txns.aborted_between(0, 10) == [] and txns.aborted_between(15, 20) == [AbortedTxn(7, 10, 15, 12)]


@pytest.mark.parametrize("version", [3, 8])
def test_a_transactional_batch_for_a_partition_outside_the_transaction_is_invalid_txn_state(broker, version):
    wire = Wire(broker)
    create(wire, "lonely-topic")
    _, producer_id, epoch = init(wire, 4, transactional_id="lonely")
    builder = DefaultRecordBatchBuilder(2, 0, True, producer_id, epoch, 0, batch_size=1 << 20)
    builder.append(0, timestamp=1, key=None, value=b"v", headers=[])
    T = ProduceRequest.TopicProduceData
    request = ProduceRequest(transactional_id="lonely", acks=-1, timeout_ms=5000, topic_data=[
        T(name="lonely-topic", partition_data=[T.PartitionProduceData(index=0, records=bytes(builder.build()))])])
    answer = wire.call(request, ProduceResponse, version)
    assert answer.responses[0].partition_responses[0].error_code == ErrorCode.INVALID_TXN_STATE


@pytest.mark.parametrize("version", [2, 3, 8])
def test_a_transactional_batch_without_a_transactional_id_refuses_the_whole_produce_without_an_authorizer(broker, version):
    """KafkaApis.handleProduceRequest: TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition, authorizer or not."""
    wire = Wire(broker)
    create(wire, "no-tid", partitions=2)
    T, P = ProduceRequest.TopicProduceData, ProduceRequest.TopicProduceData.PartitionProduceData
    request = ProduceRequest(transactional_id=None, acks=-1, timeout_ms=5000, topic_data=[
        T(name="absent-topic", partition_data=[P(index=0, records=records(b"a"))]),
        T(name="no-tid", partition_data=[P(index=0, records=transactional_batch()), P(index=1, records=records(b"plain"))])])
    answer = wire.call(request, ProduceResponse, version)
    codes = {(t.name, p.index): p.error_code for t in answer.responses for p in t.partition_responses}
    assert codes == {("absent-topic", 0): TXN_AUTH, ("no-tid", 0): TXN_AUTH, ("no-tid", 1): TXN_AUTH}
    for index in (0, 1):  # nothing was appended: the next plain batch of each partition is its first
        plain = ProduceRequest(transactional_id=None, acks=-1, timeout_ms=5000, topic_data=[
            T(name="no-tid", partition_data=[P(index=index, records=records(b"after"))])])
        first = wire.call(plain, ProduceResponse, version).responses[0].partition_responses[0]
        assert (first.error_code, first.base_offset) == (ErrorCode.NONE, 0)


def test_a_clean_close_leaves_a_snapshot_the_next_open_takes_the_open_transactions_from(tmp_path):
    from kcli.broker.log import producer_snapshot
    from kcli.broker.log.partition import LogConfig, Partition

    directory = tmp_path / "t-0"
    partition = Partition.open(directory, "t", 0, LogConfig(), recover=False)
    builder = DefaultRecordBatchBuilder(2, 0, True, 42, 3, 0, batch_size=1 << 20)
    builder.append(0, timestamp=5, key=None, value=b"v", headers=[])
    partition.append(bytes(builder.build()), now_ms=5)
    assert partition.last_stable_offset == 0 and partition.high_watermark == 1
    partition.close()
    entries = producer_snapshot.read(directory, 1)
    assert [(e.producer_id, e.epoch, e.last_sequence, e.timestamp, e.current_txn_first_offset) for e in entries] == [(42, 3, 0, 5, 0)]
    # the snapshot is what the next open believes: one naming another first offset shows it was read, not the log
    producer_snapshot.write(directory, 1, [producer_snapshot.SnapshotEntry(42, 3, 0, 0, 0, 5, -1, 1)])
    reopened = Partition.open(directory, "t", 0, LogConfig(), recover=False)
    assert reopened.transactions.ongoing == {42: 1} and reopened.last_stable_offset == 1
    reopened.close()
    # after an unclean stop too (Kafka's rebuildProducerState starts from the latest snapshot at or below the end)
    recovered = Partition.open(directory, "t", 0, LogConfig(), recover=True)
    assert recovered.transactions.ongoing == {42: 1} and recovered.loaded_batches == 0
    recovered.close()
    # with no snapshot the log is reread: the transaction opened at 0
    producer_snapshot.remove(directory, 1)
    reread = Partition.open(directory, "t", 0, LogConfig(), recover=True)
    assert reread.transactions.ongoing == {42: 0} and reread.last_stable_offset == 0 and reread.loaded_batches == 1
    reread.close()
