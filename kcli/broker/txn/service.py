"""TransactionService: the side of the transaction coordinator that writes (Kafka's TransactionMarkerChannelManager
and the coordinator's append callbacks, on one node).

After every coordinator call ``settle`` writes each changed id to
``__transaction_state``, then, for each transaction that reached a Prepare
state, a COMMIT or ABORT control batch to every partition of the transaction
(the group's ``__consumer_offsets`` partition included, which makes its
transactional offsets visible or drops them), then the Complete state. The
writes are done in one step of the event loop, in that order, so the
prepare record is on disk before any marker: a restart finds either no
decision (an open transaction, aborted when it times out) or the decision,
and ``load`` writes the markers of a Prepare state again (a second marker
for a partition is harmless: it closes nothing). A timer aborts open
transactions past their timeout every
``transaction.abort.timed.out.transaction.cleanup.interval.ms``.
crash_point.py can kill the process between those writes, for the tests
that check what a restart makes of it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from kcli.broker.group.service import GroupService
from kcli.broker.group.metadata_manager import TOPIC as OFFSETS_TOPIC
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import AppendError
from kcli.broker.txn import crash_point
from kcli.broker.txn.coordinator import TransactionCoordinator
from kcli.broker.txn.metadata import TransactionMetadata, TxnConfig, TxnState
from kcli.broker.txn.state_manager import TransactionStateManager
from kcli.protocol.kafka.errors import ErrorCode

log = logging.getLogger("kcli.broker")


class TransactionService:
    def __init__(self, catalog: Catalog, props: dict[str, str], groups: GroupService, allocate_producer_id,
                 on_append=lambda: None):
        self.catalog = catalog
        self.coordinator = TransactionCoordinator(TxnConfig.from_properties(props), allocate_producer_id)
        self.manager = TransactionStateManager(
            catalog, int(props.get("transaction.state.log.num.partitions", "1")),
            props.get("transaction.state.log.segment.bytes", "104857600"),
        )
        self.groups = groups
        self._on_append = on_append
        self._timer: asyncio.Task | None = None

    def load(self, now: int) -> int:
        """Replay ``__transaction_state``; finish the transactions a crash left in a Prepare state."""
        coordinator = self.coordinator
        coordinator.transactions = self.manager.load()
        for txn in coordinator.transactions.values():
            if txn.state == TxnState.PREPARE_EPOCH_FENCE:
                txn.state = TxnState.PREPARE_ABORT
            if txn.state in (TxnState.PREPARE_COMMIT, TxnState.PREPARE_ABORT):
                coordinator.to_complete.append(txn)
        self.settle(now)
        return len(coordinator.transactions)

    def start(self) -> None:
        self._timer = asyncio.get_running_loop().create_task(self._run_timer())

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)

    # -- calls -----------------------------------------------------------------

    def init_producer_id(self, tid: str, timeout_ms: int, producer_id: int, producer_epoch: int, now: int):
        code, pid, epoch = self.coordinator.init_producer_id(tid, timeout_ms, producer_id, producer_epoch, now)
        if code == ErrorCode.CONCURRENT_TRANSACTIONS and self.coordinator.to_complete:
            # the open transaction is aborted here and now, so the retry Kafka's client would make is made at once
            code = self.settle(now)
            if code == ErrorCode.NONE:
                code, pid, epoch = self.coordinator.init_producer_id(tid, timeout_ms, producer_id, producer_epoch, now)
        if code == ErrorCode.NONE:
            code = self.settle(now)
        return code, pid, epoch

    def add_partitions(self, tid: str, producer_id: int, producer_epoch: int, partitions, now: int) -> ErrorCode:
        code = self.coordinator.add_partitions(tid, producer_id, producer_epoch, partitions, now)
        return self.settle(now) if code == ErrorCode.NONE else code

    def end_txn(self, tid: str, producer_id: int, producer_epoch: int, commit: bool, now: int) -> ErrorCode:
        code = self.coordinator.end_txn(tid, producer_id, producer_epoch, commit, now)
        return self.settle(now) if code == ErrorCode.NONE else code

    def offsets_partition(self, group_id: str) -> tuple[str, int]:
        from kcli.broker.group.metadata_manager import partition_for

        self.groups.manager.ensure_topic()
        return OFFSETS_TOPIC, partition_for(group_id, len(self.catalog.topics[OFFSETS_TOPIC].partitions))

    # -- writing -----------------------------------------------------------------

    def settle(self, now: int) -> ErrorCode:
        """Write what the coordinator changed, then the markers of every decided transaction, then their completion."""
        coordinator = self.coordinator
        txn = None
        try:
            self._write_changed(now)
            while coordinator.to_complete:
                txn = coordinator.to_complete[0]
                crash_point.reach("txn-after-prepare", txn.transactional_id)
                self._write_markers(txn, now)
                coordinator.to_complete.pop(0)
                coordinator.complete(txn, now)
                self._write_changed(now)
        except AppendError as exc:
            # the decision is on disk (or the call fails before it is): the timer writes the markers again later
            log.error("Cannot write transaction state or markers%s: %s",
                      f" of {txn.transactional_id}" if txn is not None else "", exc)
            return ErrorCode.COORDINATOR_NOT_AVAILABLE if exc.code != ErrorCode.KAFKA_STORAGE_ERROR else ErrorCode.NOT_COORDINATOR
        finally:
            self._on_append()
        return ErrorCode.NONE

    def _write_changed(self, now: int) -> None:
        changed, self.coordinator.changed = self.coordinator.changed, {}
        for txn in changed.values():
            self.manager.write(txn, now)

    def _write_markers(self, txn: TransactionMetadata, now: int) -> None:
        commit = txn.state == TxnState.PREPARE_COMMIT
        for i, (topic, index) in enumerate(txn.sorted_partitions()):
            if i:
                crash_point.reach("txn-between-markers", txn.transactional_id)
            partition = self.catalog.partition(topic, index)
            if partition is None:  # deleted since it was added: nothing to close there
                continue
            partition.append_marker(txn.producer_id, txn.producer_epoch, commit, self.coordinator.config.coordinator_epoch, now)
            if topic == OFFSETS_TOPIC:
                self.groups.manager.complete_transactional(self.groups.coordinator, txn.producer_id, commit)

    # -- the timer -----------------------------------------------------------------

    async def _run_timer(self) -> None:
        interval = self.coordinator.config.abort_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            now = int(time.time() * 1000)
            for tid in self.coordinator.abort_timed_out(now):
                log.info("Aborting transaction %s: it was open longer than its timeout", tid)
            self.coordinator.expire_ids(now)
            self.settle(now)
