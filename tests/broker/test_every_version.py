"""Every version the broker advertises is served: ApiVersions, then a minimal valid request at each advertised
version of each API, each answered with a response that decodes at that version (issue 10: nothing advertised
is refused). Also the log line that names an unserved version, its range and the client."""

from __future__ import annotations

import logging
import socket
import struct

from kafka.admin import NewTopic
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

from kcli.broker.dispatch import ROUTES
from tests.wire_requests import GROUP, PARTITIONS, TOPIC, encode, recv_exactly, sample

# Kafka 3.9's lowest served version of each API kcli implements (its *Request.json validVersions at the 3.9 tag).
KAFKA_3_9_FLOOR = {key: 0 for key in ROUTES}


def _call(sock, request, response_class, correlation_id: int):
    sock.sendall(encode(request, correlation_id, client_id="walk"))
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    response = response_class.decode(recv_exactly(sock, size), version=request.API_VERSION, header=True)
    assert response.header.correlation_id == correlation_id
    return response


def _create_topic(broker) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
    finally:
        admin.close()


def test_every_advertised_version_of_every_api_gets_a_decodable_response(broker):
    _create_topic(broker)
    with socket.create_connection((broker.host, broker.port), timeout=30) as sock:
        advertised = _call(sock, ApiVersionsRequest(version=3, client_software_name="walk", client_software_version="1"),
                           ApiVersionsResponse, 1)
        assert advertised.error_code == 0
        ranges = {a.api_key: (a.min_version, a.max_version) for a in advertised.api_keys}
        assert set(ranges) == set(ROUTES)
        walked = []
        correlation_id = 2
        for api_key, (low, high) in sorted(ranges.items()):
            assert low <= KAFKA_3_9_FLOOR[api_key], f"api key {api_key} starts at v{low}, above Kafka 3.9's floor"
            for version in range(low, high + 1):
                request = sample(api_key, version, group=f"{GROUP}-{api_key}-{version}")
                response = _call(sock, request, ROUTES[api_key].response, correlation_id)
                assert response.API_VERSION == version
                walked.append((api_key, version))
                correlation_id += 1
    assert len(walked) == sum(high - low + 1 for low, high in ranges.values())


def test_an_unserved_version_closes_the_connection_with_a_line_naming_it(broker, caplog):
    caplog.set_level(logging.WARNING, logger="kcli")
    body = struct.pack(">hhih", 8, 99, 3, len(b"inventory-service")) + b"inventory-service"
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        assert sock.recv(1) == b""
    low, high = ROUTES[8].implemented_min, ROUTES[8].max_version
    assert any(
        r.getMessage().startswith("Closing connection from 127.0.0.1:")
        and r.getMessage().endswith(f"(client 'inventory-service'): OffsetCommit v99 is not supported (served: v{low}\u2013v{high})")
        for r in caplog.records
    ), caplog.text


def test_acks_zero_produce_at_every_version_gets_no_response(broker):
    _create_topic(broker)
    route = ROUTES[0]
    with socket.create_connection((broker.host, broker.port), timeout=30) as sock:
        for version in range(route.min_version, route.max_version + 1):
            request = sample(0, version)
            request.acks = 0
            sock.sendall(encode(request, 100 + version, client_id="walk"))
        # the next answer on the connection is the ApiVersions one: no Produce was answered
        reply = _call(sock, ApiVersionsRequest(version=0), ApiVersionsResponse, 999)
        assert reply.error_code == 0
    with socket.create_connection((broker.host, broker.port), timeout=30) as sock:
        fetched = _call(sock, sample(1, 0), ROUTES[1].response, 5)
    assert len(fetched.responses[0].partitions[0].records) > 0  # what acks=0 sent was appended
