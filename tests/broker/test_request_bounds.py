"""The broker's read side is bounded as Kafka's SocketServer bounds it: socket.request.max.bytes (closed unread),
queued.max.request.bytes (reading waits for memory), and no next request while a connection's responses are unsent."""

import socket
import struct
from pathlib import Path

import pytest
from kafka.protocol.admin import CreateTopicsRequest
from kafka.protocol.consumer import FetchRequest, FetchResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse
from kafka.protocol.producer import ProduceRequest, ProduceResponse

from kcli.broker.config import ConfigError
from kcli.broker.server import UNSENT_RESPONSE_BYTES, run_in_thread
from tests.conftest import broker_config
from tests.waiting import wait_for
from tests.wire_requests import encode, exchange, recv_exactly, record_batch

TOPIC = "bounds"


def _connect(running) -> socket.socket:
    host, port = running.bootstrap.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _api_versions(padding: int = 0, correlation_id: int = 1) -> bytes:
    """A framed ApiVersions v0 request followed by ``padding`` bytes the body does not read."""
    data = encode(ApiVersionsRequest(version=0), correlation_id)[4:] + b"\0" * padding
    return struct.pack(">i", len(data)) + data


def _read_response(sock: socket.socket, version: int, response_class):
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return response_class.decode(recv_exactly(sock, size), version=version, header=True)


@pytest.fixture
def running(tmp_path, request):
    broker = run_in_thread(broker_config(tmp_path / "kafka-logs", **getattr(request, "param", {})))
    yield broker
    broker.stop()


def test_ten_connections_announcing_frames_over_socket_request_max_bytes_are_closed_before_the_body(running):
    connections = [_connect(running) for _ in range(10)]
    try:
        for sock in connections:
            sock.sendall(struct.pack(">i", 104857600 + 1))  # the announced size only, no body
        for sock in connections:
            assert _closed(sock)  # closed while not one byte of its body was sent
    finally:
        for sock in connections:
            sock.close()


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident set size from /proc")
def test_ten_connections_announcing_100_mb_frames_under_the_limit_allocate_only_what_arrives(running):
    # Kafka allocates a frame's buffer once its size is read; kcli's reader holds only the bytes received so far.
    before = _rss_bytes()
    connections = [_connect(running) for _ in range(10)]
    try:
        for sock in connections:
            sock.sendall(struct.pack(">i", 100_000_000) + b"\0" * 100_000)  # 100 MB announced, 100 kB sent
        with _connect(running) as probe:  # and the broker goes on serving other connections
            probe.sendall(_api_versions())
            assert _read_response(probe, 0, ApiVersionsResponse).error_code == 0
        assert _rss_bytes() - before < 200 * 1024 * 1024  # far below the 1,000 MB announced
    finally:
        for sock in connections:
            sock.close()


@pytest.mark.parametrize("running", [{"socket_request_max_bytes": 1000}], indirect=True)
def test_socket_request_max_bytes_is_the_broker_s_setting(running):
    with _connect(running) as sock:
        sock.sendall(_api_versions(padding=1000 - len(_api_versions()) + 4))  # exactly 1000 bytes: served
        assert _read_response(sock, 0, ApiVersionsResponse).error_code == 0
    with _connect(running) as sock:
        sock.sendall(struct.pack(">i", 1001))
        assert _closed(sock)


def test_queued_max_request_bytes_below_socket_request_max_bytes_is_refused_as_kafka_refuses_it(tmp_path):
    with pytest.raises(ConfigError, match="queued.max.request.bytes must be larger or equal to socket.request.max.bytes"):
        broker_config(tmp_path, queued_max_request_bytes=1000)


@pytest.mark.parametrize("running", [{"socket_request_max_bytes": 100_000, "queued_max_request_bytes": 100_000}], indirect=True)
def test_requests_wait_to_be_read_while_queued_max_request_bytes_is_used_up(running):
    pool = running.broker.request_pool
    big = _api_versions(padding=90_000 - len(_api_versions()) + 4)  # a 90,000-byte frame
    a, b, c = _connect(running), _connect(running), _connect(running)
    try:
        a.sendall(big[:50_000])  # announced and partly sent: its 90,000 bytes are taken while it is read
        wait_for(lambda: pool.available == 10_000, what="the first request to take its memory")
        b.sendall(big[:50_000])  # 10,000 left: taken anyway, as Kafka's non-strict pool does
        wait_for(lambda: pool.available == -80_000, what="the second request to take its memory")
        c.sendall(_api_versions(correlation_id=3))  # nothing left: waits unread
        wait_for(lambda: pool.waiting == 1, what="the third request to wait for memory")
        assert pool.available == -80_000
        a.sendall(big[50_000:])
        assert _read_response(a, 0, ApiVersionsResponse).error_code == 0
        b.sendall(big[50_000:])
        assert _read_response(b, 0, ApiVersionsResponse).error_code == 0
        response = _read_response(c, 0, ApiVersionsResponse)
        assert response.header.correlation_id == 3 and response.error_code == 0
        wait_for(lambda: pool.available == 100_000 and pool.waiting == 0, what="every byte to be given back")
    finally:
        for sock in (a, b, c):
            sock.close()


def test_a_connection_whose_responses_are_not_read_stops_reading_requests(running):
    fetches = 30
    with _connect(running) as admin:
        create = CreateTopicsRequest(version=1, timeout_ms=10_000, validate_only=False, topics=[CreateTopicsRequest.CreatableTopic(
            name=TOPIC, num_partitions=1, replication_factor=1, assignments=[], configs=[])])
        assert exchange(admin, create).topics[0].error_code == 0
        for _ in range(4):  # about 1 MiB in the partition
            assert exchange(admin, _produce([b"x" * 60_000] * 4)).responses[0].partition_responses[0].error_code == 0
    partition = running.broker.catalog.partition(TOPIC, 0)
    end = partition.log_end_offset
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.settimeout(30)
    host, port = running.bootstrap.rsplit(":", 1)
    sock.connect((host, int(port)))
    with sock:
        fetch = _fetch()
        sock.sendall(b"".join(encode(fetch, i) for i in range(fetches)) + encode(_produce([b"late"]), fetches))
        wait_for(lambda: running.broker.backpressured >= 1, what="the connection to wait for its responses to drain")
        assert partition.log_end_offset == end  # the produce behind the unsent fetch responses is not read yet
        for i in range(fetches):
            response = _read_response(sock, fetch.API_VERSION, FetchResponse)
            assert response.header.correlation_id == i
            assert len(response.responses[0].partitions[0].records) > UNSENT_RESPONSE_BYTES // 2
        produced = _read_response(sock, 8, ProduceResponse)
        assert produced.responses[0].partition_responses[0].base_offset == end
    assert partition.log_end_offset == end + 1


def _fetch() -> FetchRequest:
    T = FetchRequest.FetchTopic
    return FetchRequest(version=10, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                        session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=TOPIC, partitions=[
                            T.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1,
                                             partition_max_bytes=1 << 20)])])


def _produce(values: list[bytes]) -> ProduceRequest:
    T = ProduceRequest.TopicProduceData
    return ProduceRequest(version=8, transactional_id=None, acks=1, timeout_ms=5000, topic_data=[
        T(name=TOPIC, partition_data=[T.PartitionProduceData(index=0, records=record_batch(values))])])
