"""Valid requests for every API kcli's broker serves, built with kafka-python's classes: seeds for the fuzz
test and for the error-response checks.

``sample(api_key, version)`` is a request naming topic ``TOPIC`` (partitions 0..PARTITIONS-1), group ``GROUP`` (or ``group``)
and a few absent names, so a handler walks real partitions and groups as well as missing ones. Requests that
change state do so harmlessly: creations are ``validate_only``, deletions name topics and groups that do not exist.
"""

from __future__ import annotations

import struct

import crc32c
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder

from kcli.broker.dispatch import ROUTES

TOPIC = "fuzz"
PARTITIONS = 2
GROUP = "fuzz-group"
ABSENT = "no-such-topic"

NONE, GZIP = 0, 1


def record_batch(values: list[bytes], compression: int = NONE, timestamp_ms: int = 1_700_000_000_000) -> bytes:
    """A v2 record batch holding ``values`` (keys ``k<i>``), as a producer sends it (base offset 0)."""
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=compression, is_transactional=False, producer_id=-1, producer_epoch=-1,
        base_sequence=-1, batch_size=1 << 20,
    )
    for i, value in enumerate(values):
        builder.append(i, timestamp=timestamp_ms + i, key=b"k%d" % i, value=value, headers=[("h", b"v")])
    return bytes(builder.build())


def transactional_batch(producer_id: int = 1, producer_epoch: int = 0) -> bytes:
    """A one-record v2 batch with the transactional attribute set, as a transactional producer sends it."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=NONE, is_transactional=True, producer_id=producer_id,
                                        producer_epoch=producer_epoch, base_sequence=0, batch_size=1 << 20)
    builder.append(0, timestamp=1_700_000_000_000, key=None, value=b"v", headers=[])
    return with_crc(bytes(builder.build()))


def message_set(values: list[bytes], magic: int, compression: int = NONE, timestamp_ms: int = 1_700_000_000_000) -> bytes:
    """A message set of ``magic`` 0 or 1 holding ``values`` (keys ``k<i>``), as a pre-0.11 producer sends it."""
    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=compression, batch_size=1 << 20)
    for i, value in enumerate(values):
        builder.append(i, timestamp=timestamp_ms + i, key=b"k%d" % i, value=value)
    return bytes(builder.build())


def with_crc(batch: bytearray | bytes) -> bytes:
    """``batch`` with its CRC-32C recomputed over bytes 21..end, so it passes the broker's CRC check."""
    out = bytearray(batch)
    struct.pack_into(">I", out, 17, crc32c.crc32c(bytes(out[21:])))
    return bytes(out)


def _request(api_key: int, version: int, **fields):
    return ROUTES[api_key].request(version=version, **fields)


def sample(api_key: int, version: int, records: bytes | None = None, group: str = GROUP):
    """A valid request of ``api_key`` at ``version`` (every field any version has is set; encoding picks)."""
    r = ROUTES[api_key].request
    if api_key == 0:  # Produce
        if records is None:
            values = [b"fuzz-%d" % i for i in range(3)]
            records = record_batch(values) if version >= 3 else message_set(values, magic=min(version, 1))
        T = r.TopicProduceData
        return _request(0, version, transactional_id=None, acks=1, timeout_ms=5000, topic_data=[
            T(name=TOPIC, partition_data=[T.PartitionProduceData(index=0, records=records)]),
        ])
    if api_key == 1:  # Fetch
        T = r.FetchTopic
        P = T.FetchPartition
        return _request(1, version, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                        session_id=0, session_epoch=-1, topics=[
                            T(topic=TOPIC, partitions=[
                                P(partition=p, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1, partition_max_bytes=65536)
                                for p in range(PARTITIONS)
                            ]),
                            T(topic=ABSENT, partitions=[P(partition=0, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1, partition_max_bytes=1024)]),
                        ], forgotten_topics_data=[])
    if api_key == 2:  # ListOffsets
        T = r.ListOffsetsTopic
        P = T.ListOffsetsPartition
        return _request(2, version, replica_id=-1, isolation_level=0, topics=[
            T(name=TOPIC, partitions=[P(partition_index=p, current_leader_epoch=-1, timestamp=ts, max_num_offsets=3) for p, ts in ((0, -1), (1, -2), (0, 1_700_000_000_001))]),
            T(name=ABSENT, partitions=[P(partition_index=0, current_leader_epoch=-1, timestamp=-1, max_num_offsets=1)]),
        ])
    if api_key == 3:  # Metadata
        return _request(3, version, topics=[r.MetadataRequestTopic(name=TOPIC), r.MetadataRequestTopic(name=ABSENT)],
                        allow_auto_topic_creation=False)
    if api_key == 8:  # OffsetCommit
        T = r.OffsetCommitRequestTopic
        P = T.OffsetCommitRequestPartition
        return _request(8, version, group_id=group, generation_id_or_member_epoch=-1, member_id="", group_instance_id=None,
                        retention_time_ms=-1, topics=[
                            T(name=TOPIC, partitions=[P(partition_index=p, committed_offset=1, committed_leader_epoch=-1, commit_timestamp=-1, committed_metadata="m") for p in range(PARTITIONS)]),
                            T(name=ABSENT, partitions=[P(partition_index=0, committed_offset=1, committed_leader_epoch=-1, committed_metadata=None)]),
                        ])
    if api_key == 9:  # OffsetFetch
        T = r.OffsetFetchRequestTopic
        G = r.OffsetFetchRequestGroup
        return _request(9, version, group_id=group, topics=[T(name=TOPIC, partition_indexes=list(range(PARTITIONS)))],
                        groups=[G(group_id=group, topics=[G.OffsetFetchRequestTopics(name=TOPIC, partition_indexes=[0, 1])]),
                                G(group_id="other", topics=None)],
                        require_stable=False)
    if api_key == 10:  # FindCoordinator
        return _request(10, version, key=group, key_type=0, coordinator_keys=[group, "other"])
    if api_key == 11:  # JoinGroup: a fresh member; the broker answers MEMBER_ID_REQUIRED (v4+) or joins it
        P = r.JoinGroupRequestProtocol
        return _request(11, version, group_id=group, session_timeout_ms=200, rebalance_timeout_ms=0, member_id="",
                        group_instance_id=None, protocol_type="consumer",
                        protocols=[P(name="range", metadata=b"\x00\x01\x00\x00\x00\x01\x00\x04fuzz\xff\xff\xff\xff")])
    if api_key == 12:  # Heartbeat
        return _request(12, version, group_id=group, generation_id=1, member_id="m-1", group_instance_id=None)
    if api_key == 13:  # LeaveGroup
        return _request(13, version, group_id=group, member_id="m-1",
                        members=[r.MemberIdentity(member_id="m-1", group_instance_id=None), r.MemberIdentity(member_id="", group_instance_id="i-1")])
    if api_key == 14:  # SyncGroup
        return _request(14, version, group_id=group, generation_id=1, member_id="m-1", group_instance_id=None,
                        assignments=[r.SyncGroupRequestAssignment(member_id="m-1", assignment=b"\x00\x01\x00\x00\x00\x00")])
    if api_key == 15:  # DescribeGroups
        return _request(15, version, groups=[group, "other"], include_authorized_operations=True)
    if api_key == 16:  # ListGroups
        return _request(16, version, states_filter=["Stable", "Empty"])
    if api_key == 18:  # ApiVersions
        return _request(18, version, client_software_name="fuzz", client_software_version="1.0")
    if api_key == 19:  # CreateTopics
        T = r.CreatableTopic
        return _request(19, version, timeout_ms=5000, validate_only=True, topics=[
            T(name="fuzz-new", num_partitions=2, replication_factor=1, assignments=[],
              configs=[T.CreatableTopicConfig(name="retention.ms", value="60000"), T.CreatableTopicConfig(name="cleanup.policy", value=None)]),
        ])
    if api_key == 20:  # DeleteTopics
        return _request(20, version, topic_names=[ABSENT, "another-absent"], timeout_ms=5000)
    if api_key == 22:  # InitProducerId
        return _request(22, version, transactional_id=None, transaction_timeout_ms=60000)
    if api_key == 32:  # DescribeConfigs
        R = r.DescribeConfigsResource
        return _request(32, version, include_synonyms=True, resources=[
            R(resource_type=2, resource_name=TOPIC, configuration_keys=None),
            R(resource_type=4, resource_name="0", configuration_keys=["log.retention.hours"]),
        ])
    if api_key in (33, 44):  # AlterConfigs, IncrementalAlterConfigs
        R = r.AlterConfigsResource
        op = {"config_operation": 0} if api_key == 44 else {}  # SET
        C = R.AlterableConfig
        return _request(api_key, version, validate_only=True, resources=[
            R(resource_type=2, resource_name=TOPIC, configs=[C(name="retention.ms", value="60000", **op)]),
            R(resource_type=4, resource_name="0", configs=[C(name="log.retention.hours", value=None, **op)]),
        ])
    if api_key == 37:  # CreatePartitions
        return _request(37, version, timeout_ms=5000, validate_only=True,
                        topics=[r.CreatePartitionsTopic(name=TOPIC, count=PARTITIONS + 1, assignments=None)])
    if api_key == 42:  # DeleteGroups
        return _request(42, version, groups_names=["absent-group", ""])
    if api_key == 47:  # OffsetDelete
        T = r.OffsetDeleteRequestTopic
        return _request(47, version, group_id=group, topics=[T(name=TOPIC, partitions=[T.OffsetDeleteRequestPartition(partition_index=0)])])
    if api_key == 21:  # DeleteRecords: offsets past the high watermark, so nothing is deleted
        T = r.DeleteRecordsTopic
        return _request(21, version, timeout_ms=5000, topics=[
            T(name=TOPIC, partitions=[T.DeleteRecordsPartition(partition_index=0, offset=1 << 40)]),
            T(name=ABSENT, partitions=[T.DeleteRecordsPartition(partition_index=0, offset=0)]),
        ])
    if api_key == 35:  # DescribeLogDirs
        T = r.DescribableLogDirTopic
        return _request(35, version, topics=[T(topic=TOPIC, partitions=[0, 1]), T(topic=ABSENT, partitions=[0])])
    if api_key == 24:  # AddPartitionsToTxn: an unknown producer, so nothing is added
        T = r.AddPartitionsToTxnTopic
        return _request(24, version, v3_and_below_transactional_id="fuzz-tx", v3_and_below_producer_id=1,
                        v3_and_below_producer_epoch=0, v3_and_below_topics=[T(name=TOPIC, partitions=[0, 1]), T(name=ABSENT, partitions=[0])])
    if api_key == 25:  # AddOffsetsToTxn
        return _request(25, version, transactional_id="fuzz-tx", producer_id=1, producer_epoch=0, group_id=group)
    if api_key == 26:  # EndTxn
        return _request(26, version, transactional_id="fuzz-tx", producer_id=1, producer_epoch=0, committed=False)
    if api_key == 28:  # TxnOffsetCommit
        T = r.TxnOffsetCommitRequestTopic
        return _request(28, version, transactional_id="fuzz-tx", group_id=group, producer_id=1, producer_epoch=0,
                        generation_id=-1, member_id="", group_instance_id=None, topics=[
                            T(name=TOPIC, partitions=[T.TxnOffsetCommitRequestPartition(
                                partition_index=0, committed_offset=1, committed_leader_epoch=-1, committed_metadata="")])])
    if api_key == 27:  # WriteTxnMarkers: an ABORT for a producer nobody has, on a partition that does not exist
        M = r.WritableTxnMarker
        return _request(27, version, markers=[M(producer_id=1, producer_epoch=0, transaction_result=False, coordinator_epoch=0,
                                                topics=[M.WritableTxnMarkerTopic(name=ABSENT, partition_indexes=[0])])])
    if api_key == 61:  # DescribeProducers
        return _request(61, version, topics=[r.TopicRequest(name=TOPIC, partition_indexes=[0, 1]),
                                             r.TopicRequest(name=ABSENT, partition_indexes=[0])])
    if api_key == 65:  # DescribeTransactions
        return _request(65, version, transactional_ids=["fuzz-tx", "absent-tx"])
    if api_key == 66:  # ListTransactions
        return _request(66, version, state_filters=["Ongoing", "NoSuchState"], producer_id_filters=[], duration_filter=-1)
    if api_key == 17:  # SaslHandshake: outside a SASL exchange the broker answers ILLEGAL_SASL_STATE
        return _request(17, version, mechanism="PLAIN")
    if api_key == 36:  # SaslAuthenticate: likewise
        return _request(36, version, auth_bytes=b"\0fuzz\0fuzz-secret")
    if api_key == 50:  # DescribeUserScramCredentials
        return _request(50, version, users=[r.UserName(name="fuzz-user"), r.UserName(name="")])
    if api_key == 51:  # AlterUserScramCredentials: refused (absent user, too few iterations), so nothing changes
        return _request(51, version, deletions=[r.ScramCredentialDeletion(name="fuzz-absent", mechanism=1)],
                        upsertions=[r.ScramCredentialUpsertion(name="fuzz-user", mechanism=2, iterations=1, salt=b"s", salted_password=b"p")])
    if api_key == 29:  # DescribeAcls: SECURITY_DISABLED without an authorizer
        return _request(29, version, resource_type_filter=2, resource_name_filter=TOPIC, pattern_type_filter=3, principal_filter=None,
                        host_filter=None, operation=1, permission_type=1)
    if api_key == 30:  # CreateAcls
        C = r.AclCreation
        return _request(30, version, creations=[C(resource_type=2, resource_name=TOPIC, resource_pattern_type=3, principal="User:fuzz",
                                                  host="*", operation=3, permission_type=3)])
    if api_key == 31:  # DeleteAcls
        F = r.DeleteAclsFilter
        return _request(31, version, filters=[F(resource_type_filter=2, resource_name_filter=TOPIC, pattern_type_filter=3,
                                                principal_filter=None, host_filter=None, operation=1, permission_type=1)])
    raise KeyError(f"no sample request for api key {api_key}")


def served() -> list[tuple[int, int]]:
    """(api_key, version) for every version the broker serves."""
    return [(k, v) for k, route in sorted(ROUTES.items()) for v in range(route.implemented_min, route.max_version + 1)]


def encode(request, correlation_id: int = 1, client_id: str = "fuzz") -> bytes:
    """The framed request: size, header, body."""
    request.with_header(correlation_id=correlation_id, client_id=client_id)
    return bytes(request.encode(header=True, framed=True))


def exchange(sock, request, correlation_id: int = 1, client_id: str = "fuzz"):
    """Send ``request`` on a connected socket and decode its response at the request's version."""
    sock.sendall(encode(request, correlation_id, client_id))
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    response = ROUTES[request.API_KEY].response.decode(recv_exactly(sock, size), version=request.API_VERSION, header=True)
    assert response.header.correlation_id == correlation_id
    return response


def recv_exactly(sock, n: int) -> bytes:
    """``n`` bytes from ``sock``; ConnectionError when the broker closes it first."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed by the broker")
        data += chunk
    return data
