"""Metadata's hand-written encoding, byte for byte against kafka-python's MetadataResponse, and its cache."""

import socket
import struct

import pytest
from kafka.admin import KafkaAdminClient, NewPartitions, NewTopic
from kafka.protocol.metadata import MetadataRequest, MetadataResponse

from kcli.broker.handlers import metadata

VERSIONS = range(metadata.ADVERTISED[0], metadata.ADVERTISED[1] + 1)
_Topic = MetadataResponse.MetadataResponseTopic
_Partition = _Topic.MetadataResponsePartition


def _expected(version, node, host, port, cluster_id, topics):
    """kafka-python's encoding of the response kcli means: ``topics`` are (error, name, internal, partitions)."""
    entries = [
        _Topic(error_code=error, name=name, is_internal=internal, partitions=[
            _Partition(error_code=0, partition_index=i, leader_id=node, leader_epoch=-1,
                       replica_nodes=[node], isr_nodes=[node], offline_replicas=[])
            for i in range(partitions)
        ])
        for error, name, internal, partitions in topics
    ]
    response = MetadataResponse(
        version=version, throttle_time_ms=0, cluster_id=cluster_id, controller_id=node, topics=entries,
        brokers=[MetadataResponse.MetadataResponseBroker(node_id=node, host=host, port=port, rack=None)],
    )
    response.with_header(correlation_id=77)
    return bytes(response.encode(header=True, framed=True))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cluster_id", ["Zx3-9qOkR1m1dVbkPsb4Ew", None])
def test_encoding_is_kafka_pythons(version, cluster_id):
    topics = [(0, "orders", False, 3), (0, "__consumer_offsets", True, 50), (3, "no-such-topic", False, 0),
              (29, "secret", False, 0), (0, "caf\u00e9-\u00fcber", False, 1), (0, "one", False, 0)]
    entries = [
        metadata._encode_topic(version, error, name, internal, partitions, 5) if error == 0
        else metadata._error_entry(version, error, name)
        for error, name, internal, partitions in topics
    ]
    response = metadata.EncodedResponse(version, metadata._envelope(version, 5, "h\u00f6st.example", 9092, cluster_id, entries))
    response.with_header(correlation_id=77)
    assert response.encode(header=True, framed=True) == _expected(version, 5, "h\u00f6st.example", 9092, cluster_id, topics)


def _raw_metadata(broker, version, names=None):
    """The broker's raw Metadata response body (after the correlation id) for ``names`` (None: every topic)."""
    topics = None if names is None else [MetadataRequest.MetadataRequestTopic(name=n) for n in names]
    request = MetadataRequest(topics=topics, allow_auto_topic_creation=False)
    request.API_VERSION = version
    request.with_header(correlation_id=77, client_id="encoding-test")
    with socket.create_connection((broker.host, broker.port), timeout=15) as sock:
        sock.sendall(bytes(request.encode(header=True, framed=True)))
        size = struct.unpack(">i", _recv(sock, 4))[0]
        return _recv(sock, size)


def _recv(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "closed by the broker"
        data += chunk
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_the_brokers_answer_reencodes_to_the_same_bytes(broker, version):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic("enc", 4, 1)])
    finally:
        admin.close()
    names = None if version else ["enc"]  # v0 creates any topic it names and takes an empty list for all
    raw = _raw_metadata(broker, version, names)
    decoded = MetadataResponse.decode(raw, version=version, header=True)
    assert {t.name: len(t.partitions) for t in decoded.topics if t.error_code == 0} == {"enc": 4}
    decoded.with_header(correlation_id=77)
    assert bytes(decoded.encode(header=True))[: len(raw)] == raw


def test_the_cached_entry_follows_every_change_of_the_topic(broker):
    def partitions():
        decoded = MetadataResponse.decode(_raw_metadata(broker, 7, ["t"]), version=7, header=True)
        topic = decoded.topics[0]
        return topic.error_code, [p.partition_index for p in topic.partitions]

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic("t", 2, 1)])
        assert partitions() == (0, [0, 1])
        admin.create_partitions({"t": NewPartitions(5)})
        assert partitions() == (0, [0, 1, 2, 3, 4])
        admin.delete_topics(["t"])
        assert partitions() == (3, [])  # UNKNOWN_TOPIC_OR_PARTITION
        admin.create_topics([NewTopic("t", 1, 1)])
        assert partitions() == (0, [0])
    finally:
        admin.close()
