"""A connection (kcli/broker/channel.py) frames requests however the bytes arrive and answers them in request order,
a request that waits (a Fetch long poll) holding back the ones behind it."""

import asyncio
import socket
import struct
import time

import pytest
from kafka.protocol.admin import CreateTopicsRequest
from kafka.protocol.consumer import FetchRequest, FetchResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse
from kafka.protocol.producer import ProduceRequest, ProduceResponse
from kafka.record import MemoryRecords

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.wire_requests import encode, exchange, recv_exactly, record_batch

TOPIC = "channel"


@pytest.fixture
def running(tmp_path):
    broker = run_in_thread(broker_config(tmp_path / "kafka-logs"))
    with _connect(broker) as admin:
        create = CreateTopicsRequest(version=1, timeout_ms=10_000, validate_only=False, topics=[CreateTopicsRequest.CreatableTopic(
            name=TOPIC, num_partitions=1, replication_factor=1, assignments=[], configs=[])])
        assert exchange(admin, create).topics[0].error_code == 0
    yield broker
    broker.stop()


def _connect(running) -> socket.socket:
    host, port = running.bootstrap.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def _read(sock: socket.socket, version: int, response_class):
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return response_class.decode(recv_exactly(sock, size), version=version, header=True)


def _fetch(max_wait_ms: int) -> FetchRequest:
    T = FetchRequest.FetchTopic
    return FetchRequest(version=10, replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                        session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=TOPIC, partitions=[
                            T.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1,
                                             partition_max_bytes=1 << 20)])])


def _produce(value: bytes) -> ProduceRequest:
    T = ProduceRequest.TopicProduceData
    return ProduceRequest(version=8, transactional_id=None, acks=1, timeout_ms=5000, topic_data=[
        T(name=TOPIC, partition_data=[T.PartitionProduceData(index=0, records=record_batch([value]))])])


def test_requests_sent_together_are_answered_in_order_behind_a_long_poll(running):
    with _connect(running) as sock:
        started = time.monotonic()
        sock.sendall(encode(_fetch(300), 1) + encode(ApiVersionsRequest(version=0), 2) + encode(ApiVersionsRequest(version=0), 3))
        fetched = _read(sock, 10, FetchResponse)
        assert fetched.header.correlation_id == 1
        assert time.monotonic() - started >= 0.25  # it waited out its max_wait_ms on the empty partition
        assert fetched.responses[0].partitions[0].records in (b"", None)
        assert [_read(sock, 0, ApiVersionsResponse).header.correlation_id for _ in range(2)] == [2, 3]


def test_a_produce_behind_a_long_poll_is_not_read_before_the_fetch_answers(running):
    with _connect(running) as sock:
        sock.sendall(encode(_fetch(300), 1) + encode(_produce(b"behind"), 2))
        fetched = _read(sock, 10, FetchResponse)
        assert fetched.header.correlation_id == 1
        assert fetched.responses[0].partitions[0].records in (b"", None)  # the produce was not read before it answered
        produced = _read(sock, 8, ProduceResponse)
        assert produced.header.correlation_id == 2
        assert produced.responses[0].partition_responses[0].error_code == 0


def test_a_request_arriving_one_byte_at_a_time_is_served(running):
    with _connect(running) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in encode(_produce(b"trickled"), 7):
            sock.send(bytes([byte]))
        produced = _read(sock, 8, ProduceResponse)
        assert produced.header.correlation_id == 7
        assert produced.responses[0].partition_responses[0].base_offset == 0


def test_many_requests_in_one_write_are_all_answered_in_order(running):
    with _connect(running) as sock:
        sock.sendall(b"".join(encode(_produce(b"v%d" % i), i) for i in range(200)))
        offsets = []
        for i in range(200):
            produced = _read(sock, 8, ProduceResponse)
            assert produced.header.correlation_id == i
            offsets.append(produced.responses[0].partition_responses[0].base_offset)
        assert offsets == list(range(200))


def test_requests_sent_before_the_client_shuts_down_its_side_are_still_answered(running):
    with _connect(running) as sock:
        sock.sendall(encode(_fetch(200), 1) + encode(ApiVersionsRequest(version=0), 2))
        sock.shutdown(socket.SHUT_WR)
        assert _read(sock, 10, FetchResponse).header.correlation_id == 1
        assert _read(sock, 0, ApiVersionsResponse).header.correlation_id == 2
        assert sock.recv(1) == b""  # then the broker closes its side


def test_a_connection_closed_during_a_long_poll_leaves_the_broker_serving(running):
    sock = _connect(running)
    sock.sendall(encode(_fetch(300), 1))
    sock.close()
    with _connect(running) as other:
        assert exchange(other, ApiVersionsRequest(version=0)).error_code == 0
        assert exchange(other, _produce(b"after"), 2).responses[0].partition_responses[0].error_code == 0


def test_a_coroutine_started_by_hand_resumes_as_a_task_where_it_first_waited():
    from kcli.broker.channel import _resume, _Started

    async def scenario():
        loop = asyncio.get_running_loop()
        gate = loop.create_future()
        steps = []

        async def request():
            steps.append("ran by hand")
            value = await gate
            steps.append(f"resumed with {value}")
            await asyncio.sleep(0)
            return "answer"

        coro = request()
        waited = coro.send(None)  # as KafkaChannel._run does
        assert steps == ["ran by hand"] and waited is gate
        task = loop.create_task(_resume(_Started(coro, waited)))
        loop.call_soon(gate.set_result, 42)
        assert await task == "answer"
        assert steps == ["ran by hand", "resumed with 42"]

    asyncio.run(scenario())


def test_cancelling_the_task_of_a_coroutine_started_by_hand_cancels_the_coroutine_where_it_waits():
    from kcli.broker.channel import _resume, _Started

    async def scenario():
        loop = asyncio.get_running_loop()
        cleaned = []

        async def request():
            try:
                await loop.create_future()  # never set
            finally:
                cleaned.append(True)

        coro = request()
        task = loop.create_task(_resume(_Started(coro, coro.send(None))))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cleaned == [True]

    asyncio.run(scenario())


def test_large_requests_sent_back_to_back_are_stored_whole_and_answered_in_order(running):
    # frames over channel._HANDOVER_BYTES are served from the buffer they arrived in: what follows them must survive
    values = [bytes([65 + i]) * 300_000 for i in range(3)]
    with _connect(running) as sock:
        sock.sendall(b"".join(encode(_produce(v), i) for i, v in enumerate(values)) + encode(ApiVersionsRequest(version=0), 3))
        for i in range(3):
            produced = _read(sock, 8, ProduceResponse)
            assert produced.header.correlation_id == i
            assert produced.responses[0].partition_responses[0].base_offset == i
        assert _read(sock, 0, ApiVersionsResponse).header.correlation_id == 3
        fetched = exchange(sock, _fetch(0), 4)
    records = fetched.responses[0].partitions[0].records
    batches = MemoryRecords(bytes(records))
    stored = []
    while batches.has_next():
        stored.extend(record.value for record in batches.next_batch())
    assert stored == values
