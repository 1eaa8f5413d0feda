"""Requests that reach the broker malformed or make a handler fail: Kafka's answer, one log line, no traceback.

A null where the schema allows none does not parse (Kafka closes the connection); a handler that raises is
answered with its API's error response; ListOffsets over a stored batch that does not decode answers
CORRUPT_MESSAGE; a connection idle past ``connections.max.idle.ms`` is closed by the broker.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import struct
import time

import pytest
from kafka import KafkaProducer
from kafka.protocol.consumer import FetchResponse, ListOffsetsRequest, ListOffsetsResponse
from kafka.protocol.consumer.group import JoinGroupRequest, JoinGroupResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse

from kcli.broker import idle_expiry
from kcli.broker.context import RequestContext
from kcli.broker.dispatch import ROUTES
from kcli.broker.server import run_in_thread
from kcli.protocol.kafka.errors import ErrorCode
from tests.conftest import broker_config
from tests.waiting import wait_for
from tests.wire_requests import GZIP, encode, record_batch, recv_exactly, sample, served, with_crc


def _connect(broker) -> socket.socket:
    return socket.create_connection((broker.host, broker.port), timeout=10)


def _call(sock, request, response_class, correlation_id=7):
    sock.sendall(encode(request, correlation_id))
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return response_class.decode(recv_exactly(sock, size), version=request.API_VERSION, header=True)


def _closed_by_broker(sock) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def _no_tracebacks(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a log record carries a traceback"
    assert "Traceback" not in caplog.text


def _still_serves(broker) -> None:
    with _connect(broker) as sock:
        reply = _call(sock, ApiVersionsRequest(version=3, client_software_name="t", client_software_version="1"), ApiVersionsResponse)
        assert reply.error_code == 0


@pytest.mark.parametrize("request_", [
    ListOffsetsRequest(version=4, replica_id=-1, isolation_level=0, topics=None),
    JoinGroupRequest(version=5, group_id="g", session_timeout_ms=10000, rebalance_timeout_ms=10000, member_id="",
                     group_instance_id=None, protocol_type="consumer", protocols=None),
    JoinGroupRequest(version=5, group_id="g", session_timeout_ms=10000, rebalance_timeout_ms=10000, member_id="",
                     group_instance_id=None, protocol_type="consumer",
                     protocols=[JoinGroupRequest.JoinGroupRequestProtocol(name="range", metadata=None)]),
], ids=["ListOffsets null topics", "JoinGroup null protocols", "JoinGroup null metadata bytes"])
def test_a_null_the_schema_does_not_allow_closes_the_connection_with_one_line(broker, caplog, request_):
    # Before: TypeError in the handler, and a traceback in the log.
    caplog.set_level(logging.INFO, logger="kcli.broker")
    with _connect(broker) as sock:
        sock.sendall(encode(request_))
        assert wait_for(lambda: _closed_by_broker(sock), what="the broker closing the connection")
    wait_for(lambda: "was serialized as null" in caplog.text, what="the log line")
    lines = [r.getMessage() for r in caplog.records if "serialized as null" in r.getMessage()]
    assert len(lines) == 1 and "non-nullable field" in lines[0]
    _no_tracebacks(caplog)
    _still_serves(broker)


def test_a_handler_that_raises_is_answered_with_its_error_response_and_one_line(broker, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="kcli.broker")

    def failing(request, ctx):
        raise KeyError("a handler bug")

    monkeypatch.setitem(ROUTES, 2, dataclasses.replace(ROUTES[2], handle=failing))
    with _connect(broker) as sock:
        reply = _call(sock, sample(2, 4), ListOffsetsResponse)
        codes = [p.error_code for t in reply.topics for p in t.partitions]
        assert codes and set(codes) == {ErrorCode.UNKNOWN_SERVER_ERROR}
        assert [t.name for t in reply.topics] == [t.name for t in sample(2, 4).topics]
        # the connection stays open
        assert _call(sock, ApiVersionsRequest(version=0), ApiVersionsResponse).error_code == 0
    lines = [r.getMessage() for r in caplog.records if "a handler bug" in r.getMessage()]
    assert len(lines) == 1
    assert "ListOffsetsRequest v4" in lines[0] and "UNKNOWN_SERVER_ERROR" in lines[0] and "KeyError" in lines[0]
    _no_tracebacks(caplog)


def test_a_failing_async_handler_with_a_top_level_error_code_gets_it(broker, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="kcli.broker")

    async def failing(request, ctx):
        raise ValueError("group bug")

    monkeypatch.setitem(ROUTES, 11, dataclasses.replace(ROUTES[11], handle=failing))
    with _connect(broker) as sock:
        reply = _call(sock, sample(11, 5), JoinGroupResponse)
    assert reply.error_code == ErrorCode.UNKNOWN_SERVER_ERROR and reply.generation_id == -1 and reply.members == []
    _no_tracebacks(caplog)


def test_acks_zero_produce_that_fails_closes_the_connection(broker, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="kcli.broker")
    monkeypatch.setitem(ROUTES, 0, dataclasses.replace(ROUTES[0], handle=lambda request, ctx: 1 / 0))
    request = sample(0, 7)
    request.acks = 0
    with _connect(broker) as sock:
        sock.sendall(encode(request))
        assert wait_for(lambda: _closed_by_broker(sock), what="the broker closing the connection")
    _no_tracebacks(caplog)


def _error_codes(message) -> list[int]:
    """Every error_code in a decoded response, at any depth."""
    codes = []
    for name, value in message.to_dict(json=False).items():
        codes.extend(_walk(name, value))
    return codes


def _walk(name, value):
    if name in ("error_code", "partition_error_code"):  # AddPartitionsToTxn names its per-partition code so
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(k, v)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                for k, v in item.items():
                    yield from _walk(k, v)


@pytest.mark.parametrize("api_key, version", served(), ids=lambda x: str(x))
def test_every_route_has_an_error_response_carrying_the_code(api_key, version):
    route = ROUTES[api_key]
    request = sample(api_key, version)
    ctx = RequestContext(state=None, api_version=version, client_id=None, now_ms=0)
    response = route.error_response(request, ctx, ErrorCode.INVALID_REQUEST)
    assert response is not None
    response.with_header(correlation_id=5)
    decoded = route.response.decode(bytes(response.encode(header=True)), version=response.API_VERSION, header=True)
    codes = _error_codes(decoded)
    if (api_key, version) in _NO_ERROR_FIELD:
        assert codes == []  # as Kafka's answer: the version has no field to carry it
    else:
        assert codes and set(codes) == {ErrorCode.INVALID_REQUEST}


_NO_ERROR_FIELD = {(35, 0), (35, 1), (35, 2)}  # DescribeLogDirs before v3: no top-level error_code, and no log dirs to list


# -- ListOffsets by timestamp over a stored batch that does not decode -----------------------------------


def test_list_offsets_by_time_over_a_corrupt_gzip_batch_answers_corrupt_message(tmp_path, caplog):
    # Before: zlib.error in the handler, a traceback, and the connection closed.
    caplog.set_level(logging.INFO, logger="kcli.broker")
    log_dir = tmp_path / "kafka-logs"
    running = run_in_thread(broker_config(log_dir, num_partitions=2))
    try:
        producer = KafkaProducer(bootstrap_servers=running.bootstrap, acks=1)
        for partition in (0, 1):
            producer.send("t", b"early", partition=partition, timestamp_ms=1000).get(timeout=10)
        producer.close()
    finally:
        running.stop()
    # A CRC-valid gzip batch whose compressed bytes are garbage, stored at offset 1 of t-0 (as an older,
    # unvalidated broker could have stored it); the broker scans only batch headers when it opens the log.
    batch = bytearray(record_batch([b"x" * 100], compression=GZIP, timestamp_ms=5000))
    batch[70:80] = b"\xff" * 10
    struct.pack_into(">q", batch, 0, 1)
    with open(log_dir / "t-0" / "00000000000000000000.log", "ab") as f:
        f.write(with_crc(batch))

    running = run_in_thread(broker_config(log_dir))
    try:
        T = ListOffsetsRequest.ListOffsetsTopic
        P = T.ListOffsetsPartition
        request = ListOffsetsRequest(version=4, replica_id=-1, isolation_level=0, topics=[
            T(name="t", partitions=[P(partition_index=p, current_leader_epoch=-1, timestamp=3000) for p in (0, 1)]),
        ])
        with _connect(running) as sock:
            reply = _call(sock, request, ListOffsetsResponse)
            by_partition = {p.partition_index: p for p in reply.topics[0].partitions}
            assert by_partition[0].error_code == ErrorCode.CORRUPT_MESSAGE
            assert (by_partition[1].error_code, by_partition[1].offset) == (0, -1)  # nothing at or after 3000
            earliest = [P(partition_index=0, current_leader_epoch=-1, timestamp=-2)]
            reply = _call(sock, ListOffsetsRequest(version=4, replica_id=-1, isolation_level=0, topics=[T(name="t", partitions=earliest)]), ListOffsetsResponse)
            assert (reply.topics[0].partitions[0].error_code, reply.topics[0].partitions[0].offset) == (0, 0)
    finally:
        running.stop()
    _no_tracebacks(caplog)


# -- connections.max.idle.ms ---------------------------------------------------------------------------


def test_idle_expiry_decision():
    idle = {"a": 1000, "b": 1100, "c": 1400}
    assert idle_expiry.expired(idle, 1500, 300) == (["a", "b"], 1701)  # a: 500 ms idle, b: 400; c could expire at 1701
    assert idle_expiry.expired(idle, 1300, 300) == ([], 1301)  # a is exactly 300 ms idle: not yet
    assert idle_expiry.expired({}, 2000, 300) == ([], 2301)


def test_connections_max_idle_ms_defaults_to_kafkas():
    assert broker_config("unused").connections_max_idle_ms == 600000
    assert broker_config("unused", connections_max_idle_ms=-1).connections_max_idle_ms == -1


def test_an_idle_connection_is_closed_by_the_broker_and_a_busy_one_is_not(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "kafka-logs", connections_max_idle_ms=400))
    try:
        idle, active = _connect(running), _connect(running)
        started = time.monotonic()
        # The active connection sends a request every 100 ms; the idle one nothing.
        for correlation_id in range(12):
            assert _call(active, ApiVersionsRequest(version=0), ApiVersionsResponse, correlation_id).error_code == 0
            time.sleep(0.1)  # the client's pace, not a wait for the broker
        assert wait_for(lambda: _closed_by_broker(idle), what="the broker closing the idle connection")
        assert time.monotonic() - started >= 0.4
        assert _call(active, ApiVersionsRequest(version=0), ApiVersionsResponse).error_code == 0
        # A Fetch long-poll longer than the idle limit is a request in progress, not idleness.
        fetch = sample(1, 10)
        fetch.max_wait_ms = 1000
        polled = time.monotonic()
        reply = _call(active, fetch, FetchResponse)
        assert time.monotonic() - polled >= 0.9 and reply.error_code == 0
        idle.close()
        active.close()
    finally:
        running.stop()
