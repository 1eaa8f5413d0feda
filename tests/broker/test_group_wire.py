"""Group APIs over raw frames: batched FindCoordinator, multi-group OffsetFetch, batched LeaveGroup, filters."""

from kafka.protocol.admin import DeleteGroupsRequest, DeleteGroupsResponse, ListGroupsRequest, ListGroupsResponse
from kafka.protocol.consumer.group import (
    JoinGroupRequest,
    JoinGroupResponse,
    LeaveGroupRequest,
    LeaveGroupResponse,
    OffsetCommitRequest,
    OffsetCommitResponse,
    OffsetDeleteRequest,
    OffsetDeleteResponse,
    OffsetFetchRequest,
    OffsetFetchResponse,
    SyncGroupRequest,
    SyncGroupResponse,
)
from kafka.protocol.metadata import FindCoordinatorRequest, FindCoordinatorResponse

from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_wire import Wire, create


def commit(wire, group, topic, offset, generation=-1, member=""):
    partition = OffsetCommitRequest.OffsetCommitRequestTopic.OffsetCommitRequestPartition(
        partition_index=0, committed_offset=offset, committed_leader_epoch=-1, committed_metadata="m")
    request = OffsetCommitRequest(group_id=group, generation_id_or_member_epoch=generation, member_id=member,
                                  group_instance_id=None, retention_time_ms=-1,
                                  topics=[OffsetCommitRequest.OffsetCommitRequestTopic(name=topic, partitions=[partition])])
    return wire.call(request, OffsetCommitResponse, 7).topics[0].partitions[0].error_code


def join(wire, group, member_id="", instance=None, version=5):
    protocol = JoinGroupRequest.JoinGroupRequestProtocol(name="range", metadata=b"\x00\x00\x00\x00\x00\x01\x00\x01t\xff\xff\xff\xff")
    request = JoinGroupRequest(group_id=group, session_timeout_ms=10_000, rebalance_timeout_ms=10_000, member_id=member_id,
                               group_instance_id=instance, protocol_type="consumer", protocols=[protocol])
    return wire.call(request, JoinGroupResponse, version)


def test_find_coordinator_answers_a_batch_of_groups_and_transactional_ids(broker):
    wire = Wire(broker)
    response = wire.call(FindCoordinatorRequest(key_type=0, coordinator_keys=["a", "b"]), FindCoordinatorResponse, 4)
    assert [(c.key, c.node_id, c.port, c.error_code) for c in response.coordinators] == [("a", 0, broker.port, 0), ("b", 0, broker.port, 0)]
    old = wire.call(FindCoordinatorRequest(key="a", key_type=0), FindCoordinatorResponse, 2)
    assert (old.error_code, old.host, old.port) == (0, "127.0.0.1", broker.port)
    txn = wire.call(FindCoordinatorRequest(key="t", key_type=1), FindCoordinatorResponse, 2)
    assert (txn.error_code, txn.port) == (0, broker.port)
    assert "__transaction_state" in broker.broker.catalog.topics  # created on first lookup, as Kafka does


def test_offset_fetch_answers_several_groups_at_once_and_minus_one_for_none(broker):
    wire = Wire(broker)
    create(wire, "t")
    assert commit(wire, "g1", "t", 5) == 0
    assert commit(wire, "g2", "t", 7) == 0
    assert commit(wire, "g1", "missing-topic", 1) == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    Group = OffsetFetchRequest.OffsetFetchRequestGroup
    topics = [Group.OffsetFetchRequestTopics(name="t", partition_indexes=[0])]
    request = OffsetFetchRequest(groups=[Group(group_id="g1", topics=topics), Group(group_id="g2", topics=None),
                                         Group(group_id="nobody", topics=topics)], require_stable=False)
    response = wire.call(request, OffsetFetchResponse, 8)
    got = {g.group_id: [(t.name, p.partition_index, p.committed_offset, p.metadata) for t in g.topics for p in t.partitions]
           for g in response.groups}
    assert got == {"g1": [("t", 0, 5, "m")], "g2": [("t", 0, 7, "m")], "nobody": [("t", 0, -1, "")]}


def test_leave_group_takes_a_batch_of_members_by_id_or_instance(broker):
    wire = Wire(broker)
    create(wire, "t")
    static = join(wire, "g", instance="i-1")  # static members need no MEMBER_ID_REQUIRED round
    assert static.error_code == 0 and static.member_id.startswith("i-1-")
    pending = join(wire, "g")  # v5 without an instance id: asked to come back with this id
    assert pending.error_code == ErrorCode.MEMBER_ID_REQUIRED
    request = LeaveGroupRequest(group_id="g", members=[
        LeaveGroupRequest.MemberIdentity(member_id="", group_instance_id="i-1"),
        LeaveGroupRequest.MemberIdentity(member_id=pending.member_id, group_instance_id=None),
        LeaveGroupRequest.MemberIdentity(member_id="nobody", group_instance_id=None),
    ])
    response = wire.call(request, LeaveGroupResponse, 3)
    assert [m.error_code for m in response.members] == [0, 0, ErrorCode.UNKNOWN_MEMBER_ID]
    assert broker.broker.state.groups.coordinator.groups["g"].state.value == "Empty"


def test_list_groups_filters_by_state_and_delete_groups_needs_an_empty_group(broker):
    wire = Wire(broker)
    create(wire, "t")
    commit(wire, "idle", "t", 1)
    active = join(wire, "busy", version=3)
    sync = SyncGroupRequest(group_id="busy", generation_id=active.generation_id, member_id=active.member_id,
                            group_instance_id=None, assignments=[])
    assert wire.call(sync, SyncGroupResponse, 3).error_code == 0
    listed = wire.call(ListGroupsRequest(states_filter=["Stable"]), ListGroupsResponse, 4)
    assert [(g.group_id, g.group_state) for g in listed.groups] == [("busy", "Stable")]
    every = wire.call(ListGroupsRequest(states_filter=[]), ListGroupsResponse, 4)
    assert sorted(g.group_id for g in every.groups) == ["busy", "idle"]
    deleted = wire.call(DeleteGroupsRequest(groups_names=["idle", "busy", "ghost"]), DeleteGroupsResponse, 1)
    assert [(r.group_id, r.error_code) for r in deleted.results] == [
        ("idle", 0), ("busy", ErrorCode.NON_EMPTY_GROUP), ("ghost", ErrorCode.GROUP_ID_NOT_FOUND)]


def test_offset_delete_refuses_topics_the_members_consume(broker):
    wire = Wire(broker)
    create(wire, "t")
    create(wire, "other")
    member = join(wire, "g", version=3)  # subscribed to "t" (see join's metadata)
    sync = SyncGroupRequest(group_id="g", generation_id=member.generation_id, member_id=member.member_id,
                            group_instance_id=None, assignments=[])
    wire.call(sync, SyncGroupResponse, 3)
    assert commit(wire, "g", "t", 3, member.generation_id, member.member_id) == 0
    assert commit(wire, "g", "other", 4, member.generation_id, member.member_id) == 0
    Topic = OffsetDeleteRequest.OffsetDeleteRequestTopic
    request = OffsetDeleteRequest(group_id="g", topics=[
        Topic(name=n, partitions=[Topic.OffsetDeleteRequestPartition(partition_index=0)]) for n in ("t", "other")])
    response = wire.call(request, OffsetDeleteResponse, 0)
    assert [(t.name, t.partitions[0].error_code) for t in response.topics] == [
        ("t", ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC), ("other", 0)]
