"""The group coordinator of Kafka's classic protocol, as a pure state machine.

Every call takes ``now`` (milliseconds) and returns at once. A JoinGroup or
SyncGroup that has to wait for the rest of the group names a ``waiter`` (any
hashable token the caller picks); its answer is put in ``outbox`` as
``(waiter, JoinResult | SyncResult)`` when the group gets there — in the same
call or in a later one, possibly ``tick(now)``. The caller delivers the
outbox after every call, and persists the groups listed in ``changed``.

States, as Kafka's GroupMetadata: Empty → PreparingRebalance →
CompletingRebalance → Stable, back to PreparingRebalance on any membership
change, Empty when the last member goes, Dead when deleted.
"""

from __future__ import annotations

import uuid
from typing import Hashable

from kcli.broker.group.metadata import (
    CONSUMER,
    CommittedOffset,
    Group,
    GroupConfig,
    GroupState,
    JoinRequest,
    JoinResult,
    Member,
    SyncResult,
)
from kcli.protocol.kafka.errors import ErrorCode

# ConsumerProtocolAssignment v0 with no partitions and null user data: what a
# member the leader left out gets, rather than zero bytes that franz-go rejects.
EMPTY_CONSUMER_ASSIGNMENT = b"\x00\x00" b"\x00\x00\x00\x00" b"\xff\xff\xff\xff"


_SESSIONS_EXPIRE = (GroupState.STABLE, GroupState.PREPARING_REBALANCE, GroupState.COMPLETING_REBALANCE)

class GroupCoordinator:
    def __init__(self, config: GroupConfig):
        self.config = config
        self.groups: dict[str, Group] = {}
        self.outbox: list[tuple[Hashable, JoinResult | SyncResult]] = []
        self.changed: dict[str, Group] = {}  # groups whose metadata record must be (re)written, by id
        self.expired: list[tuple[str, str, int]] = []  # (group, topic, partition) whose tombstones must be written
        self.next_offsets_check_ms: int | None = None

    # -- JoinGroup -------------------------------------------------------------

    def join(self, req: JoinRequest, waiter: Hashable, now: int) -> None:
        reply = lambda code, member_id="": self.outbox.append((waiter, JoinResult(code, member_id=member_id)))  # noqa: E731
        if not req.group_id:
            return reply(ErrorCode.INVALID_GROUP_ID)
        if not self.config.min_session_timeout_ms <= req.session_timeout_ms <= self.config.max_session_timeout_ms:
            return reply(ErrorCode.INVALID_SESSION_TIMEOUT)
        group = self.groups.get(req.group_id)
        if group is None:
            group = self.groups[req.group_id] = Group(req.group_id, state_timestamp_ms=now)
        if not self._protocols_fit(group, req):
            return reply(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)

        if req.member_id == "":
            if req.group_instance_id is not None and group.static_member(req.group_instance_id) is not None:
                return self._rejoin_static(group, req, waiter, now)
            if len(group.members) + len(group.pending) >= self.config.max_size:
                return reply(ErrorCode.GROUP_MAX_SIZE_REACHED)
            member_id = f"{req.group_instance_id or req.client_id}-{uuid.uuid4()}"
            if req.require_known_member_id and req.group_instance_id is None:
                group.pending[member_id] = now + req.session_timeout_ms
                return reply(ErrorCode.MEMBER_ID_REQUIRED, member_id)
            return self._add_member(group, member_id, req, waiter, now)

        if req.member_id in group.pending:
            del group.pending[req.member_id]
            return self._add_member(group, req.member_id, req, waiter, now)
        member = group.members.get(req.member_id)
        if member is None:
            return reply(ErrorCode.UNKNOWN_MEMBER_ID)
        if member.group_instance_id != req.group_instance_id and req.group_instance_id is not None:
            return reply(ErrorCode.FENCED_INSTANCE_ID)
        return self._rejoin(group, member, req, waiter, now)

    def _protocols_fit(self, group: Group, req: JoinRequest) -> bool:
        if not req.protocol_type or not req.protocols:
            return False
        if not group.members:
            return True
        if group.protocol_type != req.protocol_type:
            return False
        names = {name for name, _ in req.protocols}
        return bool(names & self._candidates(group.members.values()))

    @staticmethod
    def _candidates(members) -> set[str]:
        sets = [{name for name, _ in m.protocols} for m in members]
        return set.intersection(*sets) if sets else set()

    def _add_member(self, group: Group, member_id: str, req: JoinRequest, waiter, now: int) -> None:
        member = Member(
            member_id, req.group_instance_id, req.client_id, req.client_host, req.session_timeout_ms,
            req.rebalance_timeout_ms, list(req.protocols), last_heartbeat_ms=now, join_waiter=waiter,
        )
        group.members[member_id] = member
        group.protocol_type = req.protocol_type
        if group.state == GroupState.PREPARING_REBALANCE:
            if group.delay_deadline_ms > now:  # Kafka's initial delayed join: each newcomer extends it
                group.delay_deadline_ms = min(now + self.config.initial_rebalance_delay_ms, group.rebalance_deadline_ms)
            self._maybe_complete_join(group, now)
        else:
            self._prepare_rebalance(group, now)

    def _rejoin(self, group: Group, member: Member, req: JoinRequest, waiter, now: int) -> None:
        same = list(req.protocols) == member.protocols
        self._update(member, req, now)
        if group.state == GroupState.PREPARING_REBALANCE:
            if member.join_waiter is not None and member.join_waiter != waiter:
                self.outbox.append((member.join_waiter, JoinResult(ErrorCode.UNKNOWN_MEMBER_ID)))
            member.join_waiter = waiter
            self._maybe_complete_join(group, now)
        elif same and (group.state == GroupState.COMPLETING_REBALANCE or member.member_id != group.leader_id):
            self.outbox.append((waiter, self._join_result(group, member)))  # nothing changed: the current generation
        else:
            member.join_waiter = waiter
            self._prepare_rebalance(group, now)

    def _rejoin_static(self, group: Group, req: JoinRequest, waiter, now: int) -> None:
        """A static member back under a new member id: it takes the old one's place, and its partitions."""
        old = group.static_member(req.group_instance_id)
        fenced = JoinResult(ErrorCode.FENCED_INSTANCE_ID)
        if old.join_waiter is not None:
            self.outbox.append((old.join_waiter, fenced))
        if old.sync_waiter is not None:
            self.outbox.append((old.sync_waiter, SyncResult(ErrorCode.FENCED_INSTANCE_ID)))
        same = list(req.protocols) == old.protocols
        member_id = f"{req.group_instance_id}-{uuid.uuid4()}"
        del group.members[old.member_id]
        member = Member(
            member_id, req.group_instance_id, req.client_id, req.client_host, req.session_timeout_ms,
            req.rebalance_timeout_ms, list(req.protocols), last_heartbeat_ms=now, assignment=old.assignment,
        )
        group.members[member_id] = member
        if group.leader_id == old.member_id:
            group.leader_id = member_id
        if group.state == GroupState.STABLE and same:
            self.changed[group.group_id] = group
            self.outbox.append((waiter, self._join_result(group, member)))
        elif group.state == GroupState.PREPARING_REBALANCE:
            member.join_waiter = waiter
            self._maybe_complete_join(group, now)
        else:
            member.join_waiter = waiter
            self._prepare_rebalance(group, now)

    @staticmethod
    def _update(member: Member, req: JoinRequest, now: int) -> None:
        member.protocols = list(req.protocols)
        member.session_timeout_ms = req.session_timeout_ms
        member.rebalance_timeout_ms = req.rebalance_timeout_ms
        member.client_id, member.client_host = req.client_id, req.client_host
        member.last_heartbeat_ms = now

    def _join_result(self, group: Group, member: Member) -> JoinResult:
        members = ()
        if member.member_id == group.leader_id:
            members = tuple((m.member_id, m.group_instance_id, m.metadata(group.protocol_name)) for m in group.members.values())
        return JoinResult(
            ErrorCode.NONE, group.generation_id, group.protocol_type, group.protocol_name,
            group.leader_id or "", member.member_id, members,
        )

    def _prepare_rebalance(self, group: Group, now: int) -> None:
        if group.state == GroupState.COMPLETING_REBALANCE:
            for m in group.members.values():
                if m.sync_waiter is not None:
                    self.outbox.append((m.sync_waiter, SyncResult(ErrorCode.REBALANCE_IN_PROGRESS)))
                    m.sync_waiter = None
        for m in group.members.values():
            m.assignment = b""
        was_empty = group.state == GroupState.EMPTY
        group.state = GroupState.PREPARING_REBALANCE
        group.state_timestamp_ms = now
        group.rebalance_deadline_ms = now + group.rebalance_timeout_ms
        group.delay_deadline_ms = now + min(self.config.initial_rebalance_delay_ms, group.rebalance_timeout_ms) if was_empty else now
        self._maybe_complete_join(group, now)

    def _maybe_complete_join(self, group: Group, now: int) -> None:
        if group.state != GroupState.PREPARING_REBALANCE:
            return
        everyone = not group.pending and all(m.join_waiter is not None for m in group.members.values())
        if (everyone and now >= group.delay_deadline_ms) or now >= group.rebalance_deadline_ms:
            self._complete_join(group, now)

    def _complete_join(self, group: Group, now: int) -> None:
        for m in [m for m in group.members.values() if m.join_waiter is None]:
            del group.members[m.member_id]  # did not rejoin in time
        group.generation_id += 1
        group.state_timestamp_ms = now
        if not group.members:
            group.state, group.protocol_name, group.leader_id = GroupState.EMPTY, None, None
            self.changed[group.group_id] = group
            return
        group.protocol_name = self._select_protocol(group)
        if group.leader_id not in group.members:
            group.leader_id = next(iter(group.members))
        group.state = GroupState.COMPLETING_REBALANCE
        group.sync_deadline_ms = now + group.rebalance_timeout_ms
        for m in group.members.values():
            m.last_heartbeat_ms = now
            waiter, m.join_waiter = m.join_waiter, None
            self.outbox.append((waiter, self._join_result(group, m)))

    def _select_protocol(self, group: Group) -> str:
        candidates = self._candidates(group.members.values())
        votes: dict[str, int] = {}
        for m in group.members.values():
            choice = next(name for name, _ in m.protocols if name in candidates)
            votes[choice] = votes.get(choice, 0) + 1
        return max(votes, key=lambda name: votes[name])  # ties: the first voted for

    # -- SyncGroup -------------------------------------------------------------

    def sync(self, group_id: str, generation_id: int, member_id: str, group_instance_id: str | None,
             assignments: dict[str, bytes], waiter: Hashable, now: int) -> None:
        group = self.groups.get(group_id)
        code = self._check_member(group, member_id, group_instance_id)
        if code == ErrorCode.NONE and generation_id != group.generation_id:
            code = ErrorCode.ILLEGAL_GENERATION
        if code == ErrorCode.NONE and group.state == GroupState.PREPARING_REBALANCE:
            code = ErrorCode.REBALANCE_IN_PROGRESS
        if code != ErrorCode.NONE:
            return self.outbox.append((waiter, SyncResult(code)))
        member = group.members[member_id]
        member.last_heartbeat_ms = now
        if group.state == GroupState.STABLE:
            return self.outbox.append((waiter, self._sync_result(group, member)))
        member.sync_waiter = waiter
        if member_id == group.leader_id:
            empty = EMPTY_CONSUMER_ASSIGNMENT if group.protocol_type == CONSUMER else b""
            for m in group.members.values():
                m.assignment = assignments.get(m.member_id) or empty
            group.state = GroupState.STABLE
            group.state_timestamp_ms = now
            self.changed[group.group_id] = group
            for m in group.members.values():
                if m.sync_waiter is not None:
                    waiter_, m.sync_waiter = m.sync_waiter, None
                    self.outbox.append((waiter_, self._sync_result(group, m)))

    @staticmethod
    def _sync_result(group: Group, member: Member) -> SyncResult:
        return SyncResult(ErrorCode.NONE, group.protocol_type, group.protocol_name, member.assignment)

    @staticmethod
    def _check_member(group: Group | None, member_id: str, group_instance_id: str | None) -> ErrorCode:
        if group is None or group.state in (GroupState.EMPTY, GroupState.DEAD):
            return ErrorCode.UNKNOWN_MEMBER_ID
        member = group.members.get(member_id)
        if group_instance_id is not None:
            static = group.static_member(group_instance_id)
            if static is not None and static.member_id != member_id:
                return ErrorCode.FENCED_INSTANCE_ID
        if member is None:
            return ErrorCode.UNKNOWN_MEMBER_ID
        return ErrorCode.NONE

    # -- Heartbeat and LeaveGroup ----------------------------------------------

    def heartbeat(self, group_id: str, generation_id: int, member_id: str, group_instance_id: str | None, now: int) -> ErrorCode:
        group = self.groups.get(group_id)
        code = self._check_member(group, member_id, group_instance_id)
        if code != ErrorCode.NONE:
            return code
        group.members[member_id].last_heartbeat_ms = now
        if group.state == GroupState.PREPARING_REBALANCE:
            return ErrorCode.REBALANCE_IN_PROGRESS
        if generation_id != group.generation_id:
            return ErrorCode.ILLEGAL_GENERATION
        return ErrorCode.NONE

    def leave(self, group_id: str, members: list[tuple[str, str | None]], now: int) -> list[ErrorCode]:
        """Remove members given as (member_id, group_instance_id); one error code per member."""
        group = self.groups.get(group_id)
        codes = []
        for member_id, instance_id in members:
            if group is None:
                codes.append(ErrorCode.UNKNOWN_MEMBER_ID)
                continue
            if member_id in group.pending:
                del group.pending[member_id]
                codes.append(ErrorCode.NONE)
                continue
            member = group.static_member(instance_id) if instance_id is not None else group.members.get(member_id)
            if member is None:
                codes.append(ErrorCode.UNKNOWN_MEMBER_ID)
            elif member_id and member.member_id != member_id:
                codes.append(ErrorCode.FENCED_INSTANCE_ID)
            else:
                self._remove(group, member, now)
                codes.append(ErrorCode.NONE)
        if group is not None:
            self._maybe_complete_join(group, now)
        return codes

    def _remove(self, group: Group, member: Member, now: int) -> None:
        del group.members[member.member_id]
        if member.join_waiter is not None:
            self.outbox.append((member.join_waiter, JoinResult(ErrorCode.UNKNOWN_MEMBER_ID)))
        if member.sync_waiter is not None:
            self.outbox.append((member.sync_waiter, SyncResult(ErrorCode.UNKNOWN_MEMBER_ID)))
        if group.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            self._prepare_rebalance(group, now)

    # -- timers ------------------------------------------------------------------

    def tick(self, now: int) -> None:
        """Expire sessions, pending member ids and overdue rebalances; expire old offsets."""
        for group in list(self.groups.values()):
            for member_id, deadline in list(group.pending.items()):
                if now >= deadline:
                    del group.pending[member_id]
            if group.state == GroupState.PREPARING_REBALANCE:
                self._maybe_complete_join(group, now)
            elif group.state == GroupState.COMPLETING_REBALANCE and now >= group.sync_deadline_ms:
                late = [m for m in group.members.values() if m.sync_waiter is None]
                for m in late:
                    del group.members[m.member_id]
                self._prepare_rebalance(group, now)
            if group.state in _SESSIONS_EXPIRE:
                # Kafka's onExpireHeartbeat: a member awaiting its join or sync answer is kept; any other whose
                # session passed is removed, also mid-rebalance, where that may complete the join at once
                for m in list(group.members.values()):
                    if m.sync_waiter is None and m.join_waiter is None and now >= m.last_heartbeat_ms + m.session_timeout_ms:
                        self._remove(group, m, now)
                self._maybe_complete_join(group, now)
        if self.next_offsets_check_ms is None:
            self.next_offsets_check_ms = now + self.config.offsets_retention_check_interval_ms
        elif now >= self.next_offsets_check_ms:
            self.next_offsets_check_ms = now + self.config.offsets_retention_check_interval_ms
            self.expire_offsets(now)

    def next_deadline(self) -> int | None:
        deadlines = [self.next_offsets_check_ms] if self.next_offsets_check_ms is not None else []
        for group in self.groups.values():
            deadlines += group.pending.values()
            if group.state == GroupState.PREPARING_REBALANCE:
                deadlines.append(group.rebalance_deadline_ms)
                if not group.pending and all(m.join_waiter is not None for m in group.members.values()):
                    deadlines.append(group.delay_deadline_ms)  # everyone is in: only the initial delay holds the join
            elif group.state == GroupState.COMPLETING_REBALANCE:
                deadlines.append(group.sync_deadline_ms)
            if group.state in _SESSIONS_EXPIRE:
                deadlines += (m.last_heartbeat_ms + m.session_timeout_ms for m in group.members.values()
                              if m.join_waiter is None and m.sync_waiter is None)
        return min(deadlines, default=None)

    # -- committed offsets -------------------------------------------------------

    def check_commit(self, group_id: str, generation_id: int, member_id: str, group_instance_id: str | None, now: int) -> ErrorCode:
        """May this OffsetCommit be written? Creates the group for a commit outside any generation (assign mode)."""
        if not group_id:
            return ErrorCode.INVALID_GROUP_ID
        group = self.groups.get(group_id)
        if generation_id < 0 and not member_id:
            if group is None:
                self.groups[group_id] = Group(group_id, state_timestamp_ms=now)
                return ErrorCode.NONE
            return ErrorCode.NONE if group.state == GroupState.EMPTY else ErrorCode.UNKNOWN_MEMBER_ID
        code = self._check_member(group, member_id, group_instance_id)
        if code != ErrorCode.NONE:
            return code
        if group.state == GroupState.COMPLETING_REBALANCE:
            return ErrorCode.REBALANCE_IN_PROGRESS
        if generation_id != group.generation_id:
            return ErrorCode.ILLEGAL_GENERATION
        group.members[member_id].last_heartbeat_ms = now
        return ErrorCode.NONE

    def commit(self, group_id: str, topic: str, partition: int, offset: CommittedOffset) -> None:
        self.groups[group_id].offsets[(topic, partition)] = offset

    def expire_offsets(self, now: int) -> None:
        """Offsets of empty groups older than offsets.retention.minutes go, then groups left with nothing.

        Expired offsets are listed in ``expired`` and removed groups put in
        ``changed`` with state Dead, so the caller writes their tombstones.
        """
        expired = self.expired
        for group in list(self.groups.values()):
            if group.state != GroupState.EMPTY:
                continue
            for key, committed in list(group.offsets.items()):
                if now - max(committed.commit_timestamp, group.state_timestamp_ms) >= self.config.offsets_retention_ms:
                    del group.offsets[key]
                    expired.append((group.group_id, *key))
            if not group.offsets:
                self._drop(group)

    def delete_offsets(self, group_id: str, partitions: list[tuple[str, int]], subscribed: set[str]) -> list[ErrorCode]:
        group = self.groups[group_id]
        codes = []
        for topic, partition in partitions:
            if topic in subscribed:
                codes.append(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)
            else:
                group.offsets.pop((topic, partition), None)
                codes.append(ErrorCode.NONE)
        return codes

    # -- DeleteGroups -----------------------------------------------------------

    def delete(self, group_id: str) -> tuple[ErrorCode, Group | None]:
        if not group_id:
            return ErrorCode.INVALID_GROUP_ID, None
        group = self.groups.get(group_id)
        if group is None:
            return ErrorCode.GROUP_ID_NOT_FOUND, None
        if group.state != GroupState.EMPTY:
            return ErrorCode.NON_EMPTY_GROUP, None
        self._drop(group)
        return ErrorCode.NONE, group

    def _drop(self, group: Group) -> None:
        group.state = GroupState.DEAD
        del self.groups[group.group_id]
        self.changed[group.group_id] = group
