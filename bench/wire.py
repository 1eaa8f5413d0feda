"""A bare Kafka connection for the request-level phases: exactly one request per call, nothing else on the wire.

Requests are built with kafka-python's protocol classes (the same the broker decodes with) at
the highest version both the broker (ApiVersions) and kafka-python serve, capped where a later
version needs topic ids. ``repeat`` sends one pre-encoded frame ``n`` times, each after the
previous response, reading the response bytes into one buffer without decoding them, so the
client's own CPU per request is as small as Python allows.
"""

from __future__ import annotations

import socket
import struct

from kafka.protocol.admin.topics import CreateTopicsRequest, CreateTopicsResponse
from kafka.protocol.consumer.fetch import FetchRequest, FetchResponse
from kafka.protocol.metadata.api_versions import ApiVersionsRequest, ApiVersionsResponse
from kafka.protocol.metadata.metadata import MetadataRequest, MetadataResponse
from kafka.protocol.producer.produce import ProduceRequest, ProduceResponse
from kafka.record.default_records import DefaultRecordBatchBuilder

RESPONSES = {0: ProduceResponse, 1: FetchResponse, 3: MetadataResponse, 18: ApiVersionsResponse, 19: CreateTopicsResponse}
CAPS = {1: 12, 3: 9}  # Fetch v13+ and Metadata v10+ name topics by id; these phases name them by name


def record_batch(value: bytes, records: int = 1) -> bytes:
    """A v2 batch of ``records`` records of ``value`` (no key), as a producer sends it (base offset 0)."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 30)
    for i in range(records):
        builder.append(i, timestamp=1_700_000_000_000 + i, key=None, value=value, headers=[])
    return bytes(builder.build())


class Connection:
    def __init__(self, bootstrap: str, api_versions: bool = True):
        """``api_versions``: ask the server's versions first (a Kafka broker; bench/floor_server.py is not one)."""
        host, _, port = bootstrap.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray(1 << 16)
        self.max_versions: dict[int, int] = {}
        if api_versions:
            versions = self.call(ApiVersionsRequest(version=0))
            self.max_versions = {v.api_key: v.max_version for v in versions.api_keys}

    def version(self, api_key: int, request_class) -> int:
        return min(self.max_versions[api_key], request_class.max_version, CAPS.get(api_key, 99))

    def frame(self, request) -> bytes:
        request.with_header(correlation_id=1, client_id="kcli-bench")
        return bytes(request.encode(header=True, framed=True))

    def call(self, request):
        """Send ``request`` and decode its response."""
        self.sock.sendall(self.frame(request))
        body = self._read()
        return RESPONSES[request.API_KEY].decode(bytes(body), version=request.API_VERSION, header=True)

    def repeat(self, frame: bytes, n: int) -> int:
        """Send ``frame`` ``n`` times, one at a time; the size of the last response."""
        size = 0
        for _ in range(n):
            self.sock.sendall(frame)
            size = len(self._read())
        return size

    def pipeline(self, frames: list[bytes], window: int = 100) -> None:
        """Send ``frames`` ``window`` at a time, reading each window's responses before the next."""
        for start in range(0, len(frames), window):
            chunk = frames[start:start + window]
            self.sock.sendall(b"".join(chunk))
            for _ in chunk:
                self._read()

    def _read(self) -> memoryview:
        view = memoryview(self._buffer)
        self._recv_into(view[:4])
        (size,) = struct.unpack(">i", self._buffer[:4])
        if size > len(self._buffer):
            self._buffer = bytearray(size)
            view = memoryview(self._buffer)
        self._recv_into(view[:size])
        return view[:size]

    def _recv_into(self, view: memoryview) -> None:
        while len(view):
            got = self.sock.recv_into(view)
            if not got:
                raise ConnectionError("closed by the broker")
            view = view[got:]

    def close(self) -> None:
        self.sock.close()

    # -- the requests the phases send ---------------------------------------------

    def produce_frame(self, topic: str, partition: int, batch: bytes, acks: int = 1) -> bytes:
        v = self.version(0, ProduceRequest)
        T = ProduceRequest.TopicProduceData
        return self.frame(ProduceRequest(version=v, transactional_id=None, acks=acks, timeout_ms=30_000, topic_data=[
            T(name=topic, partition_data=[T.PartitionProduceData(index=partition, records=batch)])]))

    def fetch_frame(self, topic: str, partition: int, offset: int, max_bytes: int) -> bytes:
        v = self.version(1, FetchRequest)
        T = FetchRequest.FetchTopic
        P = T.FetchPartition
        return self.frame(FetchRequest(
            version=v, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=max_bytes, isolation_level=0, session_id=0,
            session_epoch=-1, forgotten_topics_data=[], rack_id="",
            topics=[T(topic=topic, partitions=[P(partition=partition, current_leader_epoch=-1, fetch_offset=offset,
                                                   log_start_offset=-1, partition_max_bytes=max_bytes)])]))

    def fetch(self, topic: str, partition: int, offset: int, max_bytes: int):
        self.sock.sendall(self.fetch_frame(topic, partition, offset, max_bytes))
        return FetchResponse.decode(bytes(self._read()), version=self.version(1, FetchRequest), header=True)

    def metadata_frame(self, topics: list[str]) -> bytes:
        v = self.version(3, MetadataRequest)
        return self.frame(MetadataRequest(version=v, topics=[MetadataRequest.MetadataRequestTopic(name=t) for t in topics],
                                          allow_auto_topic_creation=False, include_cluster_authorized_operations=False,
                                          include_topic_authorized_operations=False))

    def create_topics(self, topics: dict[str, int], timeout_ms: int = 60_000):
        T = CreateTopicsRequest.CreatableTopic
        v = self.version(19, CreateTopicsRequest)
        return self.call(CreateTopicsRequest(version=v, timeout_ms=timeout_ms, validate_only=False, topics=[
            T(name=name, num_partitions=n, replication_factor=1, assignments=[], configs=[]) for name, n in topics.items()]))
