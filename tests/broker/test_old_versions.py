"""The old group and admin semantics of the versions Kafka 4 dropped and Kafka 3.9 serves (issue 10): ListOffsets v0's
offset arrays, OffsetCommit v0/v1 and OffsetFetch v0, Metadata v0's empty list, CreateTopics v0/v1, DeleteTopics v0,
DescribeConfigs v0's is_default."""

from __future__ import annotations

import os
import socket
from types import SimpleNamespace

import pytest

from kcli.broker.dispatch import ROUTES
from kcli.broker.handlers.list_offsets import legacy_offsets_before
from tests.wire_requests import exchange, message_set

TOPIC = "legacy"


@pytest.fixture
def sock(broker):
    with socket.create_connection((broker.host, broker.port), timeout=10) as s:
        _create(s, TOPIC, 2, version=0)
        yield s


def _create(sock, name: str, partitions: int, version: int, validate_only: bool = False):
    r = ROUTES[19].request
    topic = r.CreatableTopic(name=name, num_partitions=partitions, replication_factor=1, assignments=[],
                             configs=[r.CreatableTopic.CreatableTopicConfig(name="retention.ms", value="60000")])
    return exchange(sock, r(version=version, timeout_ms=5000, validate_only=validate_only, topics=[topic])).topics[0]


def _produce_v0(sock, values: list[bytes]) -> None:
    r = ROUTES[0].request
    T = r.TopicProduceData
    reply = exchange(sock, r(version=0, acks=1, timeout_ms=5000, topic_data=[
        T(name=TOPIC, partition_data=[T.PartitionProduceData(index=0, records=message_set(values, magic=0))])]))
    assert reply.responses[0].partition_responses[0].error_code == 0


def _list_offsets_v0(sock, topic: str, timestamp: int, max_num_offsets: int):
    r = ROUTES[2].request
    T = r.ListOffsetsTopic
    reply = exchange(sock, r(version=0, replica_id=-1, topics=[
        T(name=topic, partitions=[T.ListOffsetsPartition(partition_index=0, timestamp=timestamp, max_num_offsets=max_num_offsets)])]))
    p = reply.topics[0].partitions[0]
    return p.error_code, p.old_style_offsets


def test_list_offsets_v0_answers_offset_arrays_newest_first(sock):
    _produce_v0(sock, [b"a", b"b", b"c"])
    assert _list_offsets_v0(sock, TOPIC, -1, 10) == (0, [3, 0])  # the log end, then the segment's base offset
    assert _list_offsets_v0(sock, TOPIC, -1, 1) == (0, [3])
    assert _list_offsets_v0(sock, TOPIC, -2, 10) == (0, [0])
    assert _list_offsets_v0(sock, TOPIC, 0, 10) == (0, [])  # nothing was written by 1970
    assert _list_offsets_v0(sock, "absent", -1, 1) == (3, [])


def test_offset_commit_v0_and_v1_are_read_back_by_offset_fetch_v0(broker, sock):
    c = ROUTES[8].request
    T = c.OffsetCommitRequestTopic
    P = T.OffsetCommitRequestPartition
    v0 = exchange(sock, c(version=0, group_id="old-group", topics=[T(name=TOPIC, partitions=[P(partition_index=0, committed_offset=2, committed_metadata="v0")])]))
    assert v0.topics[0].partitions[0].error_code == 0
    v1 = exchange(sock, c(version=1, group_id="old-group", generation_id_or_member_epoch=-1, member_id="", topics=[
        T(name=TOPIC, partitions=[P(partition_index=1, committed_offset=7, commit_timestamp=1_600_000_000_000, committed_metadata="v1")])]))
    assert v1.topics[0].partitions[0].error_code == 0
    f = ROUTES[9].request
    fetched = exchange(sock, f(version=0, group_id="old-group", topics=[f.OffsetFetchRequestTopic(name=TOPIC, partition_indexes=[0, 1])]))
    assert [(p.partition_index, p.committed_offset, p.metadata, p.error_code) for p in fetched.topics[0].partitions] == [(0, 2, "v0", 0), (1, 7, "v1", 0)]
    stored = broker.broker.state.groups.coordinator.groups["old-group"].offsets[(TOPIC, 1)]
    assert stored.commit_timestamp == 1_600_000_000_000  # v1's own commit time is kept


def test_metadata_v0_with_no_topics_lists_every_topic(sock):
    r = ROUTES[3].request
    reply = exchange(sock, r(version=0, topics=[]))
    assert TOPIC in [t.name for t in reply.topics]


def test_create_topics_v0_and_v1_validate_only_then_delete_topics_v0(sock):
    assert _create(sock, "made-by-v1", 1, version=1, validate_only=True).error_code == 0
    md = exchange(sock, ROUTES[3].request(version=0, topics=[]))
    assert "made-by-v1" not in [t.name for t in md.topics]
    assert _create(sock, TOPIC, 1, version=0).error_code == 36  # TOPIC_ALREADY_EXISTS
    d = ROUTES[20].request
    deleted = exchange(sock, d(version=0, topic_names=[TOPIC, "absent"], timeout_ms=5000))
    assert [(t.name, t.error_code) for t in deleted.responses] == [(TOPIC, 0), ("absent", 3)]


def test_describe_configs_v0_marks_defaults(sock):
    r = ROUTES[32].request
    reply = exchange(sock, r(version=0, resources=[r.DescribeConfigsResource(resource_type=2, resource_name=TOPIC, configuration_keys=None)]))
    configs = {c.name: c for c in reply.results[0].configs}
    assert (configs["retention.ms"].value, configs["retention.ms"].is_default) == ("60000", False)
    assert configs["cleanup.policy"].is_default is True


def _segments(tmp_path, spec):
    """Segment stand-ins (base offset, size, file modified at ms) for the legacy lookup, which reads only these."""
    out = []
    for base, size, mtime_ms in spec:
        path = tmp_path / f"{base:020d}.log"
        path.write_bytes(b"x" * size)
        os.utime(path, ns=(mtime_ms * 1_000_000, mtime_ms * 1_000_000))
        out.append(SimpleNamespace(base_offset=base, size=size, log_path=path))
    return out


def test_legacy_offsets_before_walks_segments_by_their_file_times(tmp_path):
    segments = _segments(tmp_path, [(0, 100, 1_000_000), (10, 100, 2_000_000), (20, 50, 3_000_000)])
    log = SimpleNamespace(segments=segments, log_start_offset=5, log_end_offset=27)
    now = 4_000_000
    assert legacy_offsets_before(log, -1, 10, now) == [27, 20, 10, 5]  # the log start offset stands for segment 0
    assert legacy_offsets_before(log, -1, 2, now) == [27, 20]
    assert legacy_offsets_before(log, -2, 10, now) == [5]
    assert legacy_offsets_before(log, 2_500_000, 10, now) == [10, 5]  # the newest segment modified by then, and older
    assert legacy_offsets_before(log, 999_999, 10, now) == []
    (tmp_path / "b").mkdir()
    empty_active = SimpleNamespace(segments=_segments(tmp_path / "b", [(0, 100, 1_000_000), (30, 0, 2_000_000)]),
                                   log_start_offset=0, log_end_offset=30)
    assert legacy_offsets_before(empty_active, -1, 10, now) == [30, 0]  # an empty active segment adds no log-end entry
