"""TransactionCoordinator: the pure state machine of every transactional id (Kafka's TransactionCoordinator).

Every call takes ``now`` and returns an error code; what changed is left in
``changed`` (the service writes it to ``__transaction_state`` before answering)
and the transactions that reached a Prepare state in ``to_complete`` (the
service writes their markers, then calls ``complete``). Fencing follows Kafka:
InitProducerId on an id with an open transaction aborts it under a bumped
epoch (PrepareEpochFence → PrepareAbort); each InitProducerId bumps the epoch,
so an older producer gets PRODUCER_FENCED from the coordinator and
INVALID_PRODUCER_EPOCH from a partition. An open transaction older than its
timeout is aborted the same way by ``abort_timed_out``.
"""

from __future__ import annotations

from typing import Callable

from kcli.broker.txn.metadata import TransactionMetadata, TxnConfig, TxnState
from kcli.protocol.kafka.errors import ErrorCode

MAX_EPOCH = 32767 - 1  # Kafka's Short.MAX_VALUE - 1: the epoch at which a new producer id is taken

_COMPLETE = (TxnState.EMPTY, TxnState.COMPLETE_COMMIT, TxnState.COMPLETE_ABORT)
_PREPARE = (TxnState.PREPARE_COMMIT, TxnState.PREPARE_ABORT, TxnState.PREPARE_EPOCH_FENCE)


class TransactionCoordinator:
    def __init__(self, config: TxnConfig, allocate_producer_id: Callable[[], int]):
        self.config = config
        self.allocate_producer_id = allocate_producer_id
        self.transactions: dict[str, TransactionMetadata] = {}
        self.changed: dict[str, TransactionMetadata] = {}
        self.to_complete: list[TransactionMetadata] = []
        self._ids_by_producer: dict[int, str] = {}

    # -- InitProducerId ------------------------------------------------------------

    def init_producer_id(self, tid: str, timeout_ms: int, producer_id: int, producer_epoch: int, now: int
                         ) -> tuple[ErrorCode, int, int]:
        """(error, producer id, epoch) for a transactional producer starting (or resuming, KIP-360)."""
        if not tid:
            return ErrorCode.INVALID_REQUEST, -1, -1
        if timeout_ms <= 0 or timeout_ms > self.config.max_timeout_ms:
            return ErrorCode.INVALID_TRANSACTION_TIMEOUT, -1, -1
        txn = self.transactions.get(tid)
        if txn is None or txn.state == TxnState.DEAD:
            txn = self.transactions[tid] = TransactionMetadata(tid, self.allocate_producer_id(), -1, timeout_ms,
                                                              start_ms=-1, last_update_ms=now)
        if producer_id >= 0 and (producer_id, producer_epoch) != (txn.producer_id, txn.producer_epoch):
            # KIP-360 resume: only the current producer (or its retry) may ask
            if producer_id != txn.producer_id or producer_epoch < txn.producer_epoch:
                return ErrorCode.PRODUCER_FENCED, -1, -1
        if txn.state in _PREPARE:
            return ErrorCode.CONCURRENT_TRANSACTIONS, -1, -1
        if txn.state == TxnState.ONGOING:
            self._abort(txn, now, fence=True)  # the markers are written before this call returns to the client
            return ErrorCode.CONCURRENT_TRANSACTIONS, -1, -1
        if txn.producer_epoch >= MAX_EPOCH:
            txn.producer_id, txn.producer_epoch = self.allocate_producer_id(), 0
        else:
            txn.producer_epoch += 1
        txn.timeout_ms = timeout_ms
        txn.state = TxnState.EMPTY
        txn.partitions = set()
        txn.start_ms, txn.last_update_ms = -1, now
        self.changed[tid] = txn
        return ErrorCode.NONE, txn.producer_id, txn.producer_epoch

    # -- a running transaction ---------------------------------------------------------

    def _check(self, tid: str, producer_id: int, producer_epoch: int) -> tuple[ErrorCode, TransactionMetadata | None]:
        txn = self.transactions.get(tid)
        if txn is None or txn.state == TxnState.DEAD:
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING, None
        if txn.producer_id != producer_id:
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING, None
        if txn.producer_epoch != producer_epoch:
            return ErrorCode.PRODUCER_FENCED, None
        return ErrorCode.NONE, txn

    def add_partitions(self, tid: str, producer_id: int, producer_epoch: int, partitions: list[tuple[str, int]], now: int
                       ) -> ErrorCode:
        code, txn = self._check(tid, producer_id, producer_epoch)
        if txn is None:
            return code
        if txn.state in _PREPARE:
            return ErrorCode.CONCURRENT_TRANSACTIONS
        if txn.state == TxnState.ONGOING and set(partitions) <= txn.partitions:
            return ErrorCode.NONE
        if txn.state != TxnState.ONGOING:
            txn.start_ms = now
            txn.state = TxnState.ONGOING
        txn.partitions |= set(partitions)
        txn.last_update_ms = now
        self.changed[tid] = txn
        return ErrorCode.NONE

    def end_txn(self, tid: str, producer_id: int, producer_epoch: int, commit: bool, now: int) -> ErrorCode:
        code, txn = self._check(tid, producer_id, producer_epoch)
        if txn is None:
            return code
        if txn.state == TxnState.ONGOING:
            if commit:
                txn.state = TxnState.PREPARE_COMMIT
                txn.last_update_ms = now
                self.changed[tid] = txn
                self.to_complete.append(txn)
            else:
                self._abort(txn, now, fence=False)
            return ErrorCode.NONE
        if txn.state == TxnState.COMPLETE_COMMIT and commit or txn.state == TxnState.COMPLETE_ABORT and not commit:
            return ErrorCode.NONE  # a retry of the EndTxn that completed it
        if txn.state in _PREPARE:
            if (txn.state == TxnState.PREPARE_COMMIT) == commit:
                return ErrorCode.CONCURRENT_TRANSACTIONS
        return ErrorCode.INVALID_TXN_STATE

    def _abort(self, txn: TransactionMetadata, now: int, fence: bool) -> None:
        if fence:  # Kafka: PrepareEpochFence, then the abort is written under the bumped epoch
            txn.producer_epoch += 1
        txn.state = TxnState.PREPARE_ABORT
        txn.last_update_ms = now
        self.changed[txn.transactional_id] = txn
        self.to_complete.append(txn)

    def complete(self, txn: TransactionMetadata, now: int) -> None:
        """Every marker is written: CompleteCommit or CompleteAbort, with no partitions."""
        txn.state = TxnState.COMPLETE_COMMIT if txn.state == TxnState.PREPARE_COMMIT else TxnState.COMPLETE_ABORT
        txn.partitions = set()
        txn.last_update_ms = now
        self.changed[txn.transactional_id] = txn

    def by_producer_id(self, producer_id: int) -> TransactionMetadata | None:
        """The transactional id's metadata holding ``producer_id`` (an index kept beside ``transactions``)."""
        txn = self.transactions.get(self._ids_by_producer.get(producer_id, ""))
        if txn is not None and txn.producer_id == producer_id:
            return txn
        self._ids_by_producer = {t.producer_id: tid for tid, t in self.transactions.items()}  # loaded or replaced ids
        txn = self.transactions.get(self._ids_by_producer.get(producer_id, ""))
        return txn if txn is not None and txn.producer_id == producer_id else None

    def ongoing(self, producer_id: int, producer_epoch: int, topic: str, partition: int) -> bool:
        """Whether a transaction of this producer is open and holds the partition (Produce's check)."""
        txn = self.by_producer_id(producer_id)
        return (txn is not None and txn.state == TxnState.ONGOING and txn.producer_epoch == producer_epoch
                and (topic, partition) in txn.partitions)

    # -- timers --------------------------------------------------------------------------

    def abort_timed_out(self, now: int) -> list[str]:
        """Abort (fencing the producer) every open transaction older than its timeout; the ids aborted."""
        aborted = []
        for txn in list(self.transactions.values()):
            if txn.state == TxnState.ONGOING and txn.start_ms + txn.timeout_ms < now:
                self._abort(txn, now, fence=True)
                aborted.append(txn.transactional_id)
        return aborted

    def expire_ids(self, now: int) -> list[str]:
        """Ids idle past ``transactional.id.expiration.ms`` with no open transaction become Dead (then a tombstone)."""
        dead = []
        for tid, txn in list(self.transactions.items()):
            if txn.state in _COMPLETE and txn.last_update_ms + self.config.id_expiration_ms < now:
                txn.state = TxnState.DEAD
                self.changed[tid] = txn
                del self.transactions[tid]
                dead.append(tid)
        return dead
