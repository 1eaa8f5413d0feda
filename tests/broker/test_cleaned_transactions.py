"""CleanedTransactions (Kafka's CleanedTransactionMetadata), driven with offsets."""

from kcli.broker.log.cleaned_transactions import CleanedTransactions
from kcli.broker.log.txn_index import AbortedTxn


def test_interleaved_producers_each_batch_is_judged_by_its_own_transaction():
    # producer 1 aborts [0, 4] (marker at 4), producer 2 commits [1, 3] (marker at 3); 5 is plain data
    txns = CleanedTransactions([AbortedTxn(1, 0, 4, 5)])
    assert txns.on_batch(1, True, 0) is True  # aborted: its records go
    assert txns.on_batch(2, True, 1) is False  # committed: compacted like any other
    assert txns.on_batch(1, True, 2) is True
    assert txns.on_marker(2, True, 3) is False  # its batches were met: the COMMIT marker stays
    assert txns.on_marker(1, False, 4) is False  # its batches are removed in this cleaning: the ABORT marker stays
    assert txns.kept_index == [AbortedTxn(1, 0, 4, 5)]  # and its aborted range with it
    assert txns.on_batch(1, False, 5) is False  # not transactional


def test_a_marker_with_no_batch_of_its_transaction_left_may_go():
    txns = CleanedTransactions([AbortedTxn(1, 0, 4, 5)])
    assert txns.on_marker(1, False, 4) is True  # the aborted batches went in an earlier cleaning
    assert txns.on_marker(2, True, 6) is True  # the committed ones were compacted away
    assert txns.kept_index == []


def test_a_producers_next_transaction_starts_afresh_after_its_marker():
    txns = CleanedTransactions([AbortedTxn(1, 10, 12, 13)])
    assert txns.on_batch(1, True, 0) is False  # an earlier, committed transaction of the same producer
    assert txns.on_marker(1, True, 1) is False
    assert txns.on_batch(1, True, 10) is True
    assert txns.on_marker(1, False, 12) is False
    assert txns.on_batch(1, True, 14) is False  # after the ABORT marker: a new (committed) transaction
    assert txns.on_marker(1, True, 15) is False
