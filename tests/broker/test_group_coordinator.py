"""The group coordinator's state machine, driven with `now` (no clock, no network)."""

from __future__ import annotations

import itertools

import pytest

from kcli.broker.group.coordinator import EMPTY_CONSUMER_ASSIGNMENT, GroupCoordinator
from kcli.broker.group.metadata import CommittedOffset, GroupConfig, GroupState, JoinRequest, JoinResult, SyncResult
from kcli.protocol.kafka.errors import ErrorCode

SESSION = 10_000
REBALANCE = 30_000


def join_request(member_id="", instance=None, protocols=(("range", b"m"),), client="c", v4=True, session=SESSION):
    return JoinRequest("g", member_id, instance, client, "/127.0.0.1", session, REBALANCE, "consumer", tuple(protocols), v4)


class Harness:
    """A coordinator plus the answers it has given, by waiter."""

    def __init__(self, **config):
        self.c = GroupCoordinator(GroupConfig(initial_rebalance_delay_ms=config.pop("delay", 0), **config))
        self.answers: dict[str, JoinResult | SyncResult] = {}
        self._tokens = itertools.count()

    def _drain(self):
        for token, result in self.c.outbox:
            self.answers[token] = result
        self.c.outbox.clear()

    def join(self, now, **kw) -> str:
        token = f"join-{next(self._tokens)}"
        self.c.join(join_request(**kw), token, now)
        self._drain()
        return token

    def join_member(self, now, **kw) -> str:
        """Join as a new member the v4 way (MEMBER_ID_REQUIRED, then again with the id); returns the waiter."""
        first = self.join(now, **kw)
        if kw.get("instance") is None:
            assert self.answers[first].error_code == ErrorCode.MEMBER_ID_REQUIRED
            return self.join(now, member_id=self.answers[first].member_id, **kw)
        return first

    def sync(self, now, member_id, generation, assignments=None) -> str:
        token = f"sync-{next(self._tokens)}"
        self.c.sync("g", generation, member_id, None, assignments or {}, token, now)
        self._drain()
        return token

    def tick(self, now):
        self.c.tick(now)
        self._drain()

    @property
    def group(self):
        return self.c.groups["g"]


def test_first_member_joins_at_once_when_the_initial_delay_is_zero():
    h = Harness()
    w = h.join_member(0)
    result = h.answers[w]
    assert (result.error_code, result.generation_id, result.protocol_name) == (ErrorCode.NONE, 1, "range")
    assert result.leader == result.member_id and [m[0] for m in result.members] == [result.member_id]
    assert h.group.state == GroupState.COMPLETING_REBALANCE
    s = h.sync(1, result.member_id, 1, {result.member_id: b"assignment"})
    assert h.answers[s] == SyncResult(ErrorCode.NONE, "consumer", "range", b"assignment")
    assert h.group.state == GroupState.STABLE


def test_initial_delay_holds_the_first_join_until_it_passes():
    h = Harness(delay=3_000)
    w = h.join_member(0)
    assert w not in h.answers and h.group.state == GroupState.PREPARING_REBALANCE
    assert h.c.next_deadline() == 3_000
    h.tick(2_999)
    assert w not in h.answers
    h.tick(3_000)
    assert h.answers[w].generation_id == 1


def test_a_second_member_triggers_a_rebalance_and_followers_wait_for_the_leader():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1, {a: b"all"})
    wb = h.join_member(100)
    assert wb not in h.answers and h.group.state == GroupState.PREPARING_REBALANCE
    assert h.c.heartbeat("g", 1, a, None, 200) == ErrorCode.REBALANCE_IN_PROGRESS
    wa = h.join(200, member_id=a)
    ra, rb = h.answers[wa], h.answers[wb]
    assert ra.generation_id == rb.generation_id == 2
    assert ra.leader == a and len(ra.members) == 2 and rb.members == ()
    sb = h.sync(300, rb.member_id, 2)
    assert sb not in h.answers  # the follower waits for the leader
    sa = h.sync(300, a, 2, {a: b"p0p1", rb.member_id: b"p2p3"})
    assert h.answers[sb].assignment == b"p2p3" and h.answers[sa].assignment == b"p0p1"


def test_the_leaders_unchanged_join_in_a_stable_group_rebalances_and_its_sync_gets_the_new_assignment():
    # Kafka's GroupCoordinator: a leader's JoinGroup in Stable forces a rebalance (its topics' metadata may have
    # changed, which its subscription does not show); a follower's unchanged one gets the current generation.
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1, {a: b"nothing yet"})  # the leader's metadata lacked the topic
    first_b = h.join_member(10)
    h.join(10, member_id=a)
    b = h.answers[first_b].member_id
    h.sync(10, b, 2)
    h.sync(10, a, 2, {a: b"none", b: b"none"})
    assert h.group.state == GroupState.STABLE
    follower = h.answers[h.join(20, member_id=b)]
    assert (follower.error_code, follower.generation_id, follower.members) == (ErrorCode.NONE, 2, ())
    assert h.group.state == GroupState.STABLE
    wa = h.join(30, member_id=a)  # the leader, once the metadata shows the topic: same protocols
    assert wa not in h.answers and h.group.state == GroupState.PREPARING_REBALANCE
    assert h.c.heartbeat("g", 2, b, None, 40) == ErrorCode.REBALANCE_IN_PROGRESS
    wb = h.join(40, member_id=b)
    ra, rb = h.answers[wa], h.answers[wb]
    assert ra.generation_id == rb.generation_id == 3 and ra.leader == a and len(ra.members) == 2
    sb = h.sync(50, b, 3)
    sa = h.sync(50, a, 3, {a: b"p0", b: b"p1"})
    assert h.answers[sa].assignment == b"p0" and h.answers[sb].assignment == b"p1"
    assert h.group.state == GroupState.STABLE


def test_a_member_the_leader_leaves_out_gets_an_empty_consumer_assignment_not_zero_bytes():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1)
    wb = h.join_member(0)
    h.join(0, member_id=a)
    b = h.answers[wb].member_id
    sb = h.sync(0, b, 2)
    h.sync(0, a, 2, {a: b"x"})
    assert h.answers[sb].assignment == EMPTY_CONSUMER_ASSIGNMENT


def test_v3_join_gets_a_member_id_without_member_id_required():
    h = Harness()
    w = h.join(0, v4=False)
    assert h.answers[w].error_code == ErrorCode.NONE and h.answers[w].member_id.startswith("c-")


def test_session_timeout_removes_a_silent_member_and_the_rest_rebalance():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1)
    wb = h.join_member(0)
    h.join(0, member_id=a)
    b = h.answers[wb].member_id
    h.sync(0, b, 2)
    h.sync(0, a, 2, {a: b"1", b: b"2"})
    assert h.c.next_deadline() == SESSION
    assert h.c.heartbeat("g", 2, a, None, 9_000) == ErrorCode.NONE
    h.tick(SESSION - 1)
    assert set(h.group.members) == {a, b}
    h.tick(SESSION)  # b never heartbeated
    assert set(h.group.members) == {a} and h.group.state == GroupState.PREPARING_REBALANCE
    assert h.c.heartbeat("g", 2, b, None, SESSION) == ErrorCode.UNKNOWN_MEMBER_ID
    w = h.join(SESSION + 1, member_id=a)
    assert h.answers[w].generation_id == 3 and len(h.answers[w].members) == 1


def test_the_last_member_leaving_empties_the_group():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1)
    assert h.c.leave("g", [(a, None)], 5) == [ErrorCode.NONE]
    assert h.group.state == GroupState.EMPTY and h.group.generation_id == 2
    assert h.c.leave("g", [("nobody", None)], 6) == [ErrorCode.UNKNOWN_MEMBER_ID]


def test_a_member_that_does_not_rejoin_in_the_rebalance_timeout_is_removed():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1)
    wb = h.join_member(1_000)
    for now in range(1_000, 1_000 + REBALANCE, 5_000):  # alive (heartbeating) but never rejoining
        assert h.c.heartbeat("g", 1, a, None, now) == ErrorCode.REBALANCE_IN_PROGRESS
        h.tick(now)
    h.tick(1_000 + REBALANCE - 1)
    assert wb not in h.answers
    h.tick(1_000 + REBALANCE)
    assert h.answers[wb].error_code == ErrorCode.NONE and a not in h.group.members


def test_a_dead_member_is_removed_at_its_session_timeout_mid_rebalance_not_the_rebalance_timeout():
    # issue 12 item 7: a killed consume-transform-produce member held a new member's join for the rebalance timeout
    h = Harness()
    a = h.answers[h.join_member(0, session=6_000)].member_id
    h.sync(0, a, 1)
    h.c.heartbeat("g", 1, a, None, 500)  # then a is killed
    wb = h.join_member(1_000)
    assert h.group.state == GroupState.PREPARING_REBALANCE
    assert h.c.next_deadline() == 6_500
    h.tick(6_499)
    assert wb not in h.answers
    h.tick(6_500)
    assert a not in h.group.members and h.answers[wb].error_code == ErrorCode.NONE and h.answers[wb].generation_id == 2


def test_static_member_back_within_its_session_keeps_its_assignment_without_a_rebalance():
    h = Harness()
    wa = h.join(0, instance="i-a", client="a")
    a = h.answers[wa].member_id
    h.sync(0, a, 1)
    wb = h.join(0, instance="i-b", client="b")
    h.join(0, member_id=a, instance="i-a", client="a")
    b = h.answers[wb].member_id
    h.sync(0, b, 2)
    h.sync(0, a, 2, {a: b"A", b: b"B"})
    generation = h.group.generation_id
    # b's process restarts: a new connection, no member id, the same instance id
    w = h.join(5_000, instance="i-b", client="b")
    result = h.answers[w]
    assert result.error_code == ErrorCode.NONE and result.generation_id == generation
    assert result.member_id != b and h.group.state == GroupState.STABLE
    s = h.sync(5_001, result.member_id, generation)
    assert h.answers[s].assignment == b"B"
    # the old incarnation is fenced
    assert h.c.heartbeat("g", generation, b, "i-b", 5_002) == ErrorCode.FENCED_INSTANCE_ID


def test_inconsistent_protocols_are_refused():
    h = Harness()
    a = h.answers[h.join_member(0)].member_id
    h.sync(0, a, 1)
    w = h.join(0, protocols=(("roundrobin", b""),))
    assert h.answers[w].error_code == ErrorCode.INCONSISTENT_GROUP_PROTOCOL


def test_protocol_is_chosen_by_the_members_votes_among_those_all_support():
    h = Harness()
    both = (("cooperative-sticky", b"s"), ("range", b"r"))
    w1 = h.join(0, protocols=both, v4=False)
    h.sync(0, h.answers[w1].member_id, 1)
    w2 = h.join(0, protocols=(("range", b"r2"),), v4=False)
    h.join(0, member_id=h.answers[w1].member_id, protocols=both)
    assert h.answers[w2].protocol_name == "range"


def test_session_timeout_outside_the_broker_bounds_is_refused():
    h = Harness(min_session_timeout_ms=6_000)
    w = h.join(0, session=1_000)
    assert h.answers[w].error_code == ErrorCode.INVALID_SESSION_TIMEOUT


def test_commits_need_the_current_generation_unless_the_group_is_empty():
    h = Harness()
    assert h.c.check_commit("g", -1, "", None, 0) == ErrorCode.NONE  # assign mode: no membership
    a = h.answers[h.join_member(0)].member_id
    assert h.c.check_commit("g", 1, a, None, 0) == ErrorCode.REBALANCE_IN_PROGRESS
    h.sync(0, a, 1)
    assert h.c.check_commit("g", 1, a, None, 0) == ErrorCode.NONE
    assert h.c.check_commit("g", 0, a, None, 0) == ErrorCode.ILLEGAL_GENERATION
    assert h.c.check_commit("g", -1, "", None, 0) == ErrorCode.UNKNOWN_MEMBER_ID


def test_offsets_of_an_empty_group_expire_after_the_retention_and_then_the_group_goes():
    h = Harness(offsets_retention_ms=1_000, offsets_retention_check_interval_ms=100)
    h.c.check_commit("g", -1, "", None, 0)
    h.c.commit("g", "t", 0, CommittedOffset(5, -1, "", 0))
    h.tick(0)  # arms the retention check
    h.tick(500)
    assert h.group.offsets
    h.tick(1_000)
    assert "g" not in h.c.groups and h.c.expired == [("g", "t", 0)]
    assert h.c.changed["g"].state == GroupState.DEAD


@pytest.mark.parametrize("state_members", [0, 1])
def test_only_an_empty_group_can_be_deleted(state_members):
    h = Harness()
    if state_members:
        h.join_member(0)
        assert h.c.delete("g")[0] == ErrorCode.NON_EMPTY_GROUP
    else:
        h.c.check_commit("g", -1, "", None, 0)
        assert h.c.delete("g")[0] == ErrorCode.NONE
        assert h.c.delete("g")[0] == ErrorCode.GROUP_ID_NOT_FOUND
