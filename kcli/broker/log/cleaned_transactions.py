"""CleanedTransactions: what the log cleaner keeps of transactions (Kafka's CleanedTransactionMetadata).

The cleaner walks the batches of a cleaning in offset order and tells this
class each one. It knows the aborted transactions of the range (from the
.txnindex entries: producer id, first offset, marker offset), so:

- a data batch of a transaction aborted there is dropped, and its records
  never enter the offset map; a committed transactional batch is compacted
  like any other;
- an ABORT marker stays while batches of its transaction were met in this
  cleaning (they are being removed now; its .txnindex entry stays with it), a
  COMMIT marker while batches of its transaction were met; otherwise no record
  of the transaction is left and the marker may go — as Kafka, only once its
  batch carries a delete horizon (KIP-534) that has passed, so a consumer
  that read the transaction's records still sees its marker for
  ``delete.retention.ms``.

Kafka keeps this state per group of cleaned segments; kcli keeps it for the
whole cleaning, so a COMMIT marker stays while any batch of its transaction
remains before it, also in an earlier group (a marker removed before its
records would leave them looking open when the log is reread).
"""

from __future__ import annotations

from collections import deque

from kcli.broker.log.txn_index import AbortedTxn


class CleanedTransactions:
    def __init__(self, aborted: list[AbortedTxn]):
        self._aborted = deque(sorted(aborted, key=lambda a: a.first_offset))
        self._ongoing_aborted: dict[int, list] = {}  # producer id -> [AbortedTxn, a batch of it was met]
        self._ongoing_committed: set[int] = set()
        self.kept_index: list[AbortedTxn] = []  # aborted transactions whose markers stay, in marker order

    def _consume_up_to(self, offset: int) -> None:
        while self._aborted and self._aborted[0].first_offset <= offset:
            txn = self._aborted.popleft()
            self._ongoing_aborted.setdefault(txn.producer_id, [txn, False])

    def on_batch(self, producer_id: int, transactional: bool, last_offset: int) -> bool:
        """A data batch: whether it belongs to an aborted transaction (all its records go)."""
        self._consume_up_to(last_offset)
        if not transactional:
            return False
        aborted = self._ongoing_aborted.get(producer_id)
        if aborted is not None:
            aborted[1] = True
            return True
        self._ongoing_committed.add(producer_id)
        return False

    def on_marker(self, producer_id: int, commit: bool, offset: int) -> bool:
        """A COMMIT or ABORT marker: whether no batch of its transaction is left (it may go once its horizon passed)."""
        self._consume_up_to(offset)
        if commit:
            if producer_id in self._ongoing_committed:
                self._ongoing_committed.discard(producer_id)
                return False
            return True
        aborted = self._ongoing_aborted.pop(producer_id, None)
        if aborted is not None and aborted[1]:
            self.kept_index.append(aborted[0])
            return False
        return True
