"""GroupService: the asyncio side of the group coordinator.

The coordinator is pure; this adapter gives each waiting JoinGroup/SyncGroup a
future, delivers the coordinator's outbox to them, writes the groups it
changed to ``__consumer_offsets``, and runs the one timer task that calls
``tick(now)`` when the next deadline (a session, a rebalance, a pending
member id, the offsets-retention check) comes due.
"""

from __future__ import annotations

import asyncio
import time

from kcli.broker.group.coordinator import GroupCoordinator
from kcli.broker.group.metadata import CommittedOffset, GroupConfig, GroupState, JoinRequest, JoinResult, SyncResult
from kcli.broker.group.metadata_manager import GroupMetadataManager
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import AppendError
from kcli.broker.wakeup import Wakeup
from kcli.protocol.kafka.errors import ErrorCode

_MAX_SLEEP_S = 1.0


def _now_ms() -> int:
    return int(time.time() * 1000)


class GroupService:
    def __init__(self, catalog: Catalog, props: dict[str, str], on_append=lambda: None, flush=None):
        self.coordinator = GroupCoordinator(GroupConfig.from_properties(props))
        self.manager = GroupMetadataManager(
            catalog, int(props.get("offsets.topic.num.partitions", "1")), props.get("offsets.topic.segment.bytes", "104857600")
        )
        self._on_append = on_append
        self._flush = flush  # LogFlusher.flush: partitions -> future of the failed ones
        self._waiters: dict[object, asyncio.Future] = {}
        self._wake: Wakeup | None = None
        self._timer: asyncio.Task | None = None

    @property
    def config(self) -> GroupConfig:
        return self.coordinator.config

    def load(self, now: int) -> int:
        return self.manager.load(self.coordinator, now)

    def start(self) -> None:
        self._wake = Wakeup()
        self._timer = asyncio.get_running_loop().create_task(self._run_timer())

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
        for future in self._waiters.values():
            future.cancel()

    # -- waiting calls ---------------------------------------------------------

    async def join(self, request: JoinRequest, now: int) -> JoinResult:
        return await self._wait(lambda token: self.coordinator.join(request, token, now))

    async def sync(self, group_id, generation_id, member_id, instance_id, assignments, now: int) -> SyncResult:
        return await self._wait(
            lambda token: self.coordinator.sync(group_id, generation_id, member_id, instance_id, assignments, token, now)
        )

    async def _wait(self, call):
        token = object()
        future = asyncio.get_running_loop().create_future()
        self._waiters[token] = future
        try:
            call(token)
            self.settle()
            return await future
        finally:
            self._waiters.pop(token, None)

    # -- after every call --------------------------------------------------------

    def settle(self, now: int | None = None) -> None:
        """Answer the waiters the coordinator answered, persist what it changed, re-arm the timer."""
        coordinator = self.coordinator
        outbox, coordinator.outbox = coordinator.outbox, []
        for token, result in outbox:
            future = self._waiters.get(token)
            if future is not None and not future.done():
                future.set_result(result)
        expired, coordinator.expired = coordinator.expired, []
        by_group: dict[str, list] = {}
        for group_id, topic, partition in expired:
            by_group.setdefault(group_id, []).append((topic, partition))
        written: set = set()
        for group_id, partitions in by_group.items():
            self._write_state(written, group_id, self.manager.tombstones(group_id, partitions), now or 0)
        changed, coordinator.changed = coordinator.changed, {}
        for group in changed.values():
            records = [self.manager.group_record(group)]
            if group.state == GroupState.DEAD:
                records = self.manager.tombstones(group.group_id, group.offsets) + records
            self._write_state(written, group.group_id, records, now if now is not None else group.state_timestamp_ms)
        if changed or expired:
            self._on_append()
        due = [p for p in written if p.flush_due()]
        if due and self._flush is not None:
            self._flush(due)  # nobody waits: these records answer no request
        if self._wake is not None:
            self._wake.notify()

    def _write_state(self, written: set, group_id: str, records, now: int) -> None:
        """Append group state nobody waits on; a full disk is logged by the partition, and the group goes on in memory."""
        try:
            partition = self.manager.append(group_id, records, now)
        except AppendError as exc:
            if exc.code != ErrorCode.KAFKA_STORAGE_ERROR:
                raise
            return
        if partition is not None:
            written.add(partition)

    def commit(self, group_id: str, offsets: dict[tuple[str, int], CommittedOffset], now: int) -> asyncio.Future | None:
        """Write the commit to the log, then make it visible: nothing acknowledged is lost.

        Raises AppendError when the write fails. Returns a future to await before answering when
        the flush policy asks for an fsync first (its result: the partitions whose fsync failed).
        """
        partition = self.manager.append(group_id, self.manager.commit_records(group_id, offsets), now)
        for (topic, p), offset in offsets.items():
            self.coordinator.commit(group_id, topic, p, offset)
        self._on_append()
        if partition is not None and partition.flush_due() and self._flush is not None:
            return self._flush([partition])
        return None

    def forget_offsets(self, group_id: str, partitions: list[tuple[str, int]], now: int) -> None:
        """Write tombstones for the offsets (raises AppendError when the write fails)."""
        self.manager.append(group_id, self.manager.tombstones(group_id, partitions), now)
        self._on_append()

    # -- the timer -----------------------------------------------------------------

    async def _run_timer(self) -> None:
        while True:
            deadline = self.coordinator.next_deadline()
            delay = _MAX_SLEEP_S if deadline is None else min(max((deadline - _now_ms()) / 1000, 0), _MAX_SLEEP_S)
            if await self._wake.wait(delay):
                continue  # the group changed: its next deadline may be sooner
            now = _now_ms()
            self.coordinator.tick(now)
            self.settle(now)
