"""Broker behaviour over raw Kafka frames: ApiVersions, ordering, long-poll, produce errors, configs."""

import socket
import struct
import threading
import time

import pytest
from kafka.protocol.admin import (
    CreateTopicsRequest,
    CreateTopicsResponse,
    DescribeConfigsRequest,
    DescribeConfigsResponse,
    IncrementalAlterConfigsRequest,
    IncrementalAlterConfigsResponse,
)
from kafka.protocol.consumer import FetchRequest, FetchResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse
from kafka.protocol.producer import ProduceRequest, ProduceResponse
from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.dispatch import ROUTES


class Wire:
    """One raw connection: send kafka-python requests, read framed responses in order."""

    def __init__(self, broker):
        self.sock = socket.create_connection((broker.host, broker.port), timeout=15)
        self.correlation_id = 0

    def send(self, request, version):
        self.correlation_id += 1
        request.API_VERSION = version
        request.with_header(correlation_id=self.correlation_id, client_id="wire")
        self.sock.sendall(bytes(request.encode(header=True, framed=True)))
        return self.correlation_id

    def receive(self, response_class, version):
        size = struct.unpack(">i", self._read(4))[0]
        return response_class.decode(self._read(size), version=version, header=True)

    def call(self, request, response_class, version):
        self.send(request, version)
        return self.receive(response_class, version)

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data


def records(*values):
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    for v in values:
        builder.append(timestamp=int(time.time() * 1000), key=None, value=v, headers=[])
    builder.close()
    return bytes(builder.buffer())


def create(wire, name, partitions=1, **configs):
    topic = CreateTopicsRequest.CreatableTopic(
        name=name, num_partitions=partitions, replication_factor=1, assignments=[],
        configs=[CreateTopicsRequest.CreatableTopic.CreatableTopicConfig(name=k.replace("_", "."), value=v) for k, v in configs.items()],
    )
    return wire.call(CreateTopicsRequest(topics=[topic], timeout_ms=1000, validate_only=False), CreateTopicsResponse, 3).topics[0]


def produce(wire, topic, data, acks=1, version=7):
    partition = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=data)
    request = ProduceRequest(transactional_id=None, acks=acks, timeout_ms=1000, topic_data=[ProduceRequest.TopicProduceData(name=topic, partition_data=[partition])])
    if acks == 0:
        wire.send(request, version)
        return None
    return wire.call(request, ProduceResponse, version).responses[0].partition_responses[0]


def fetch_request(topic, offset, max_wait_ms, min_bytes=1):
    partition = FetchRequest.FetchTopic.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=offset, log_start_offset=-1, partition_max_bytes=1 << 20)
    return FetchRequest(
        replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=min_bytes, max_bytes=1 << 24, isolation_level=1,
        session_id=0, session_epoch=-1, topics=[FetchRequest.FetchTopic(topic=topic, partitions=[partition])], forgotten_topics_data=[], rack_id="",
    )


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions_lists_the_routes_table(broker, version):
    kwargs = {"client_software_name": "wire", "client_software_version": "1"} if version >= 3 else {}
    response = Wire(broker).call(ApiVersionsRequest(**kwargs), ApiVersionsResponse, version)
    assert response.error_code == 0
    advertised = {k.api_key: (k.min_version, k.max_version) for k in response.api_keys}
    assert advertised == {key: (r.min_version, r.max_version) for key, r in ROUTES.items()}
    assert advertised[0] == (0, 8) and advertised[1] == (0, 10) and advertised[3] == (0, 7)  # Kafka 3.9's floors (issue 10)


def test_metadata_has_cluster_id_and_auto_creates(broker):
    wire = Wire(broker)
    response = wire.call(MetadataRequest(topics=[MetadataRequest.MetadataRequestTopic(name="auto")], allow_auto_topic_creation=True), MetadataResponse, 7)
    assert response.cluster_id and response.controller_id == 0
    assert [(t.name, t.error_code, len(t.partitions)) for t in response.topics] == [("auto", 0, 1)]
    response = wire.call(MetadataRequest(topics=[MetadataRequest.MetadataRequestTopic(name="nope")], allow_auto_topic_creation=False), MetadataResponse, 7)
    assert response.topics[0].error_code == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_responses_leave_in_request_order_behind_a_long_poll(broker):
    wire = Wire(broker)
    create(wire, "ordered")
    wire.send(fetch_request("ordered", 0, max_wait_ms=300), 10)
    wire.send(MetadataRequest(topics=None, allow_auto_topic_creation=False), 7)
    first = wire.receive(FetchResponse, 10)
    second = wire.receive(MetadataResponse, 7)
    assert first.header.correlation_id == 2 and second.header.correlation_id == 3


def test_fetch_waits_max_wait_when_there_is_nothing(broker):
    wire = Wire(broker)
    create(wire, "quiet")
    started = time.monotonic()
    response = wire.call(fetch_request("quiet", 0, max_wait_ms=400), FetchResponse, 10)
    assert time.monotonic() - started >= 0.39
    assert response.responses[0].partitions[0].records in (b"", None)


def test_fetch_returns_as_soon_as_data_arrives(broker):
    wire, producer = Wire(broker), Wire(broker)
    create(wire, "arrivals")
    wire.send(fetch_request("arrivals", 0, max_wait_ms=60_000), 10)
    threading.Timer(0.2, produce, (producer, "arrivals", records(b"hello"))).start()
    response = wire.receive(FetchResponse, 10)  # the socket timeout (15 s) bounds the wait
    partition = response.responses[0].partitions[0]
    assert partition.high_watermark == 1 and partition.last_stable_offset == 1 and partition.log_start_offset == 0
    assert len(partition.records) > 0


def test_produce_errors_and_acks_zero(broker):
    wire = Wire(broker)
    create(wire, "strict", max_message_bytes="200")
    assert produce(wire, "no-such-topic", records(b"x")).error_code == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert produce(wire, "strict", records(b"y" * 500)).error_code == 10  # MESSAGE_TOO_LARGE
    assert produce(wire, "strict", records(b"ok"), acks=7).error_code == 21  # INVALID_REQUIRED_ACKS
    produce(wire, "strict", records(b"fire and forget"), acks=0)
    ok = produce(wire, "strict", records(b"after"), acks=-1)
    assert (ok.error_code, ok.base_offset) == (0, 1)  # the acks=0 record took offset 0, and sent no response


def test_describe_and_alter_topic_configs(broker):
    wire = Wire(broker)
    create(wire, "configured", cleanup_policy="compact")
    alter = IncrementalAlterConfigsRequest(
        resources=[IncrementalAlterConfigsRequest.AlterConfigsResource(resource_type=2, resource_name="configured", configs=[
            IncrementalAlterConfigsRequest.AlterConfigsResource.AlterableConfig(name="retention.ms", config_operation=0, value="1000"),
            IncrementalAlterConfigsRequest.AlterConfigsResource.AlterableConfig(name="cleanup.policy", config_operation=1, value=None),
        ])],
        validate_only=False,
    )
    assert wire.call(alter, IncrementalAlterConfigsResponse, 1).responses[0].error_code == 0
    describe = DescribeConfigsRequest(resources=[DescribeConfigsRequest.DescribeConfigsResource(resource_type=2, resource_name="configured", configuration_keys=None)], include_synonyms=True)
    result = wire.call(describe, DescribeConfigsResponse, 1).results[0]
    entries = {c.name: (c.value, c.config_source) for c in result.configs}
    assert entries["retention.ms"] == ("1000", 1)
    assert entries["cleanup.policy"] == ("delete", 5)
    assert entries["segment.bytes"] == ("1073741824", 4)  # kcli's defaults set log.segment.bytes, as Kafka's shipped file does
    bad = IncrementalAlterConfigsRequest(
        resources=[IncrementalAlterConfigsRequest.AlterConfigsResource(resource_type=2, resource_name="configured", configs=[
            IncrementalAlterConfigsRequest.AlterConfigsResource.AlterableConfig(name="no.such.config", config_operation=0, value="1"),
        ])],
        validate_only=False,
    )
    assert wire.call(bad, IncrementalAlterConfigsResponse, 1).responses[0].error_code == 40  # INVALID_CONFIG
