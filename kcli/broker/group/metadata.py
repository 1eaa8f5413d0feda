"""A group's state as the coordinator keeps it (Kafka's GroupMetadata), and what its calls take and give.

Plain data: the rules that move it live in ``coordinator``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Hashable

from kcli.protocol.kafka.errors import ErrorCode

CONSUMER = "consumer"


class GroupState(str, enum.Enum):
    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


@dataclass(frozen=True)
class GroupConfig:
    min_session_timeout_ms: int = 6_000
    max_session_timeout_ms: int = 1_800_000
    initial_rebalance_delay_ms: int = 3_000
    max_size: int = 2**31 - 1
    offsets_retention_ms: int = 7 * 24 * 3600 * 1000
    offsets_retention_check_interval_ms: int = 600_000
    offset_metadata_max_bytes: int = 4096

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "GroupConfig":
        get = lambda key, default: int(props.get(key, default))  # noqa: E731
        return cls(
            min_session_timeout_ms=get("group.min.session.timeout.ms", cls.min_session_timeout_ms),
            max_session_timeout_ms=get("group.max.session.timeout.ms", cls.max_session_timeout_ms),
            initial_rebalance_delay_ms=get("group.initial.rebalance.delay.ms", cls.initial_rebalance_delay_ms),
            max_size=get("group.max.size", cls.max_size),
            offsets_retention_ms=get("offsets.retention.minutes", cls.offsets_retention_ms // 60_000) * 60_000,
            offsets_retention_check_interval_ms=get("offsets.retention.check.interval.ms", cls.offsets_retention_check_interval_ms),
            offset_metadata_max_bytes=get("offset.metadata.max.bytes", cls.offset_metadata_max_bytes),
        )


@dataclass
class Member:
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocols: list[tuple[str, bytes]]
    last_heartbeat_ms: int
    assignment: bytes = b""
    join_waiter: Hashable | None = None
    sync_waiter: Hashable | None = None

    def metadata(self, protocol: str | None) -> bytes:
        return next((m for name, m in self.protocols if name == protocol), b"")


@dataclass
class CommittedOffset:
    offset: int
    leader_epoch: int
    metadata: str
    commit_timestamp: int


@dataclass
class Group:
    group_id: str
    state: GroupState = GroupState.EMPTY
    generation_id: int = 0
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str | None = None
    members: dict[str, Member] = field(default_factory=dict)  # in join order
    pending: dict[str, int] = field(default_factory=dict)  # member ids handed out with MEMBER_ID_REQUIRED → expiry
    state_timestamp_ms: int = 0
    offsets: dict[tuple[str, int], CommittedOffset] = field(default_factory=dict)
    delay_deadline_ms: int = 0  # group.initial.rebalance.delay.ms for a group that was empty
    rebalance_deadline_ms: int = 0  # join phase ends here whoever has rejoined
    sync_deadline_ms: int = 0  # members that have not synced by here are removed

    def static_member(self, instance_id: str) -> Member | None:
        return next((m for m in self.members.values() if m.group_instance_id == instance_id), None)

    @property
    def rebalance_timeout_ms(self) -> int:
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)


@dataclass(frozen=True)
class JoinRequest:
    group_id: str
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocol_type: str
    protocols: tuple[tuple[str, bytes], ...]
    require_known_member_id: bool  # JoinGroup v4+


@dataclass(frozen=True)
class JoinResult:
    error_code: ErrorCode
    generation_id: int = -1
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader: str = ""
    member_id: str = ""
    members: tuple[tuple[str, str | None, bytes], ...] = ()  # (member_id, group_instance_id, metadata), leader only


@dataclass(frozen=True)
class SyncResult:
    error_code: ErrorCode
    protocol_type: str | None = None
    protocol_name: str | None = None
    assignment: bytes = b""
