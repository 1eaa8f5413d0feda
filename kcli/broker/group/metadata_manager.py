"""GroupMetadataManager: committed offsets and group metadata kept in ``__consumer_offsets``.

As in Kafka, the internal topic is created on first use, a group lives in
partition ``abs(hashCode(group)) % offsets.topic.num.partitions``, every
commit is a record batch appended there before the commit is acknowledged
(a failed append answers with the error Kafka maps it to: a full disk is
NOT_COORDINATOR), and on start the log is replayed to rebuild the coordinator's groups. A null
value is a tombstone. The topic is created, as Kafka creates it, with
``cleanup.policy=compact`` and ``segment.bytes`` from ``offsets.topic.segment.bytes``,
so the cleaner (kcli/broker/log/cleaner.py) keeps only the last record of
each key and the replay at start-up reads about one record per live key,
however many commits were ever made.
"""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from kcli.broker.group.coordinator import GroupCoordinator
from kcli.broker.group.metadata import CommittedOffset, Group, GroupState, Member
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import Partition
from kcli.protocol.java_hash import string_hash
from kcli.protocol.kafka import consumer_offsets as schema
from kcli.protocol.kafka.errors import ErrorCode

TOPIC = "__consumer_offsets"
TOPIC_CONFIGS = {"cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": "104857600"}


def commit_error(code: ErrorCode) -> ErrorCode:
    """The error a commit is answered with when its append failed with ``code`` (Kafka's GroupMetadataManager)."""
    if code in (ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,):
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if code in (ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.KAFKA_STORAGE_ERROR):
        return ErrorCode.NOT_COORDINATOR
    if code in (ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_FETCH_SIZE):
        return ErrorCode.INVALID_COMMIT_OFFSET_SIZE
    return code


def partition_for(group_id: str, partitions: int) -> int:
    h = string_hash(group_id)
    return (h & 0x7FFFFFFF if h != -(1 << 31) else 0) % partitions  # Kafka's Utils.abs


class GroupMetadataManager:
    def __init__(self, catalog: Catalog, num_partitions: int, segment_bytes: str = TOPIC_CONFIGS["segment.bytes"]):
        self.catalog = catalog
        self.num_partitions = num_partitions
        self.topic_configs = {**TOPIC_CONFIGS, "segment.bytes": segment_bytes}
        self.records_replayed = 0  # by the last load
        # producer id -> {(group, topic, partition): offset} written by TxnOffsetCommit, awaiting the marker
        self.pending_transactional: dict[int, dict[tuple[str, str, int], CommittedOffset]] = {}

    # -- the internal topic ------------------------------------------------------

    def ensure_topic(self) -> None:
        if TOPIC not in self.catalog.topics:
            self.catalog.create(TOPIC, self.num_partitions, dict(self.topic_configs))
        self.catalog.topics[TOPIC].internal = True

    def _partition(self, group_id: str):
        self.ensure_topic()
        topic = self.catalog.topics[TOPIC]
        return topic.partitions[partition_for(group_id, len(topic.partitions))]

    # -- writing -----------------------------------------------------------------

    def append(self, group_id: str, records: list[tuple[bytes, bytes | None]], now: int,
               producer: tuple[int, int] | None = None) -> Partition | None:
        """Write ``(key, value)`` records of one group as one batch (a null value is a tombstone); the partition written.

        With ``producer`` (id, epoch) the batch is transactional (TxnOffsetCommit): its offsets count only once a
        COMMIT marker follows, as Kafka's GroupMetadataManager keeps them pending until then.
        Raises AppendError (KAFKA_STORAGE_ERROR when the disk refused the write).
        """
        if not records:
            return None
        pid, epoch = producer or (-1, -1)
        builder = DefaultRecordBatchBuilder(2, 0, producer is not None, pid, epoch, -1, batch_size=1 << 30)
        for i, (key, value) in enumerate(records):
            builder.append(i, timestamp=now, key=key, value=value, headers=[])
        partition = self._partition(group_id)
        partition.append(bytes(builder.build()), now, from_client=producer is None)
        return partition

    def complete_transactional(self, coordinator: GroupCoordinator, producer_id: int, commit: bool) -> None:
        """A marker for ``producer_id`` reached the offsets topic: its pending offsets become visible, or go."""
        for (group_id, topic, partition), offset in self.pending_transactional.pop(producer_id, {}).items():
            if commit:
                if group_id not in coordinator.groups:  # a group nobody joined: the commit creates it, as Kafka's does
                    coordinator.groups[group_id] = Group(group_id, state_timestamp_ms=offset.commit_timestamp)
                coordinator.commit(group_id, topic, partition, offset)

    def commit_records(self, group_id: str, offsets: dict[tuple[str, int], CommittedOffset]) -> list[tuple[bytes, bytes]]:
        return [
            (
                schema.encode_key(schema.OffsetKey(group_id, topic, partition)),
                schema.encode_value(schema.OffsetValue(o.offset, o.leader_epoch, o.metadata, o.commit_timestamp)),
            )
            for (topic, partition), o in offsets.items()
        ]

    def tombstones(self, group_id: str, partitions) -> list[tuple[bytes, None]]:
        return [(schema.encode_key(schema.OffsetKey(group_id, t, p)), None) for t, p in partitions]

    def group_record(self, group: Group) -> tuple[bytes, bytes | None]:
        key = schema.encode_key(schema.GroupKey(group.group_id))
        if group.state == GroupState.DEAD:
            return key, None
        stable = group.state == GroupState.STABLE
        members = tuple(
            schema.MemberValue(
                m.member_id, m.group_instance_id, m.client_id, m.client_host, m.rebalance_timeout_ms,
                m.session_timeout_ms, m.metadata(group.protocol_name), m.assignment,
            )
            for m in (group.members.values() if stable else ())
        )
        value = schema.GroupValue(
            group.protocol_type or "", group.generation_id, group.protocol_name if stable else None,
            group.leader_id if stable else None, group.state_timestamp_ms, members,
        )
        return key, schema.encode_value(value)

    # -- loading -----------------------------------------------------------------

    def load(self, coordinator: GroupCoordinator, now: int) -> int:
        """Replay the internal topic into ``coordinator``; returns the number of groups."""
        topic = self.catalog.topics.get(TOPIC)
        if topic is None:
            return 0
        topic.internal = True
        self.records_replayed = 0
        for partition in topic.partitions:
            offset = partition.log_start_offset
            while offset < partition.log_end_offset:
                records = MemoryRecords(partition.read(offset, 1 << 20))
                start = offset
                while records.has_next():
                    batch = records.next_batch()
                    if batch.base_offset < offset:  # the first batch read may begin before ``offset``
                        continue
                    if batch.is_control_batch:
                        commit = any(r.key is not None and r.key[2:4] == b"\x00\x01" for r in batch)
                        self.complete_transactional(coordinator, batch.producer_id, commit)
                    elif batch.is_transactional:
                        for record in batch:
                            self._pend(batch.producer_id, record.key, record.value)
                    else:
                        for record in batch:
                            self._apply(coordinator, record.key, record.value, now)
                            self.records_replayed += 1
                    offset = max(offset, batch.next_offset)
                if offset == start:  # nothing whole to read: never spin
                    break
        return len(coordinator.groups)

    def _pend(self, producer_id: int, key: bytes, value: bytes | None) -> None:
        try:
            decoded = schema.decode_key(key)
        except schema.InvalidRecord:
            return
        if isinstance(decoded, schema.OffsetKey) and value is not None:
            v = schema.decode_offset_value(value)
            self.pending_transactional.setdefault(producer_id, {})[(decoded.group, decoded.topic, decoded.partition)] = \
                CommittedOffset(v.offset, v.leader_epoch, v.metadata, v.commit_timestamp)

    @staticmethod
    def _apply(coordinator: GroupCoordinator, key: bytes, value: bytes | None, now: int) -> None:
        try:
            decoded = schema.decode_key(key)
        except schema.InvalidRecord:
            return
        groups = coordinator.groups
        if isinstance(decoded, schema.OffsetKey):
            group = groups.get(decoded.group)
            if value is None:
                if group is not None:
                    group.offsets.pop((decoded.topic, decoded.partition), None)
                return
            if group is None:
                group = groups[decoded.group] = Group(decoded.group, state_timestamp_ms=now)
            v = schema.decode_offset_value(value)
            group.offsets[(decoded.topic, decoded.partition)] = CommittedOffset(v.offset, v.leader_epoch, v.metadata, v.commit_timestamp)
            return
        if value is None:
            groups.pop(decoded.group, None)
            return
        v = schema.decode_group_value(value)
        group = groups.get(decoded.group) or Group(decoded.group)
        groups[decoded.group] = group
        group.protocol_type = v.protocol_type or None
        group.generation_id = v.generation
        group.protocol_name = v.protocol
        group.leader_id = v.leader
        group.state_timestamp_ms = v.current_state_timestamp
        group.members = {
            m.member_id: Member(
                m.member_id, m.group_instance_id, m.client_id, m.client_host, m.session_timeout,
                m.rebalance_timeout, [(v.protocol or "", m.subscription)], last_heartbeat_ms=now, assignment=m.assignment,
            )
            for m in v.members
        }
        group.state = GroupState.STABLE if group.members else GroupState.EMPTY
