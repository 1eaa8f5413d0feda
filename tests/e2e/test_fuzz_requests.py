"""Seeded, bounded fuzzing of every API the broker serves, over real sockets, against a ``kcli server-start``
process; then ``kill -9``, a restart on the same directory, and a normal produce/consume.

For each API in ROUTES and each version it serves, valid requests built with kafka-python's classes
(tests/wire_requests.py) are mutated: bit flips, interesting values over 1/2/4-byte windows, length fields
nudged, null markers, inserted, deleted and duplicated bytes, truncation; plus every field of the request
set to null in turn (encoded by kafka-python). Produce also gets CRC-recomputed batches: a valid batch
(uncompressed or gzip) with its header or record bytes mutated and its CRC-32C recomputed, so it passes the
CRC check and meets the validation behind it. The frame size prefix and the API key and version stay
intact, so every frame reaches the decoder of the API it targets.

Each frame is followed, in the same write, by an InitProducerId sentinel: the sentinel's answer means the
broker has dealt with the frame (answered or not, e.g. acks=0); end of stream means it closed the connection,
and the client reconnects. A frame left waiting (a long-poll or a rebalance the mutation asked for) is given
up on after a short while and its connection dropped. Throughout: the broker stays up and its stderr never
shows a traceback.

``KCLI_FUZZ_FRAMES`` (frames per API, default below) and ``KCLI_FUZZ_SEED`` scale or vary a local run;
``KCLI_FUZZ_SKIP`` (API keys, comma-separated) leaves APIs out of one, to explore the others.
"""

from __future__ import annotations

import os
import random
import socket
import struct
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.protocol.consumer import FetchRequest, FetchResponse
from kafka.record.memory_records import MemoryRecords

from kcli.broker.dispatch import ROUTES
from tests.processes import KcliProcess
from tests.wire_requests import GROUP, GZIP, NONE, PARTITIONS, TOPIC, encode, record_batch, recv_exactly, sample, with_crc

FRAMES_PER_API = int(os.environ.get("KCLI_FUZZ_FRAMES", "1500"))  # 23 APIs: ~45 s on a busy 2-core machine
SEED = int(os.environ.get("KCLI_FUZZ_SEED", "20261206"))
SKIP = {int(k) for k in os.environ.get("KCLI_FUZZ_SKIP", "").split(",") if k.strip()}
WAIT_S = 0.25  # how long a frame's answer is waited for before its connection is dropped
SENTINEL_ID = 0x5E17
CLIENT_ID = "fuzz-client"  # no topic's name: a mutation that copies it into a request names no real topic
KEPT = "kept"  # records acknowledged before the fuzz; no frame names this topic

INTERESTING = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE)


class Mutator:
    """Seeded byte-level mutations of a request body, from ``start`` on (the API key and version stay)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def mutate(self, body: bytes, start: int) -> bytes:
        out = bytearray(body)
        for _ in range(self.rng.choice((1, 1, 1, 2, 3))):
            if len(out) <= start:
                break
            getattr(self, self.rng.choice(self.OPS))(out, start)
        return bytes(out)

    OPS = ("flip", "flip", "interesting", "length", "length", "null", "insert", "delete", "truncate", "duplicate")

    def _pos(self, out: bytearray, start: int) -> int:
        return self.rng.randrange(start, len(out))

    def flip(self, out, start):
        out[self._pos(out, start)] ^= 1 << self.rng.randrange(8)

    def interesting(self, out, start):
        width = self.rng.choice((1, 2, 4))
        pos = self._pos(out, start)
        value = self.rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
        out[pos : pos + width] = value.to_bytes(width, "big")[: len(out) - pos]

    def length(self, out, start):
        """Nudge a 2- or 4-byte big-endian integer (a length field, where one sits) by a little or to -1."""
        width = self.rng.choice((2, 4))
        if len(out) - start < width:
            return
        pos = self.rng.randrange(start, len(out) - width + 1)
        value = int.from_bytes(out[pos : pos + width], "big", signed=True)
        value = -1 if self.rng.random() < 0.2 else value + self.rng.choice((-2, -1, 1, 2, 1000))
        out[pos : pos + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "big")

    def null(self, out, start):
        """A null marker: -1 as int16 or int32, or 0 (compact null) as an unsigned varint."""
        marker = self.rng.choice((b"\xff\xff", b"\xff\xff\xff\xff", b"\x00"))
        pos = self._pos(out, start)
        out[pos : pos + len(marker)] = marker

    def insert(self, out, start):
        pos = self._pos(out, start)
        out[pos:pos] = self.rng.randbytes(self.rng.randrange(1, 9))

    def delete(self, out, start):
        pos = self._pos(out, start)
        del out[pos : pos + self.rng.randrange(1, 9)]

    def truncate(self, out, start):
        del out[self._pos(out, start) :]

    def duplicate(self, out, start):
        pos = self._pos(out, start)
        chunk = out[pos : pos + self.rng.randrange(1, 17)]
        at = self._pos(out, start)
        out[at:at] = chunk


def null_variants(request, version: int):
    """The request with each field (top level, and in the first element of each array) set to null in turn,
    encoded by kafka-python; fields kafka-python cannot encode as null are skipped."""
    frames = []

    def visit(message, struct_):
        for field in struct_.fields.values():
            if not field.for_version_q(version) or field.tag is not None:
                continue
            value = getattr(message, field.name)
            setattr(message, field.name, None)
            try:
                frames.append(encode(request, client_id=CLIENT_ID))
            except Exception:  # an int or bool field: there is no null to send
                pass
            setattr(message, field.name, value)
            if field.is_struct_array() and value:
                visit(value[0], field.array_of)

    visit(request, type(request)._struct)
    return frames


def poison_batch(rng: random.Random, mutator: Mutator) -> bytes:
    """A CRC-valid batch whose header fields or record bytes were mutated."""
    values = [rng.randbytes(rng.randrange(0, 40)) for _ in range(rng.randrange(1, 6))]
    batch = bytearray(record_batch(values, compression=rng.choice((NONE, GZIP))))
    batch = bytearray(mutator.mutate(bytes(batch), 21))  # attributes onwards: what the CRC covers
    if rng.random() < 0.8 and len(batch) >= 12:  # mostly keep batch_length true, so the batch frames
        struct.pack_into(">i", batch, 8, len(batch) - 12)
    return with_crc(batch) if len(batch) >= 21 else bytes(batch)


def frames_for(api_key: int, rng: random.Random, mutator: Mutator, count: int):
    route = ROUTES[api_key]
    versions = list(range(route.implemented_min, route.max_version + 1))
    out = []
    for version in versions:
        out.extend(null_variants(sample(api_key, version), version))
    while len(out) < count:
        version = rng.choice(versions)
        if api_key == 0 and rng.random() < 0.5:
            request = sample(0, version, records=poison_batch(rng, mutator))
            request.acks = rng.choice((-1, 1))
            out.append(encode(request, client_id=CLIENT_ID))
            continue
        # A JoinGroup names a group of its own: one left rebalancing by a mutated timeout delays only its own joins.
        group = f"fuzz-group-{len(out)}" if api_key == 11 else GROUP
        framed = encode(sample(api_key, version, group=group), client_id=CLIENT_ID)
        body = mutator.mutate(framed[4:], 8)  # after api key, version and correlation id
        out.append(struct.pack(">i", len(body)) + body)
    return out[:count]


class Client:
    """One connection at a time to the broker; reconnects when the broker closes it."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.sentinel = encode(ROUTES[22].request(version=0, transactional_id=None, transaction_timeout_ms=1), SENTINEL_ID)  # cheap to answer
        self.outcomes = {"answered": 0, "closed": 0, "waiting": 0}

    def send(self, frame: bytes) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=10)
            self.sock.settimeout(WAIT_S)
        try:
            self.sock.sendall(frame + self.sentinel)
            outcome = self._until_sentinel()
        except (ConnectionError, OSError) as exc:
            outcome = "waiting" if isinstance(exc, socket.timeout) else "closed"
        if outcome != "answered":
            self.sock.close()
            self.sock = None
        self.outcomes[outcome] += 1

    def _until_sentinel(self) -> str:
        while True:
            head = self._read(4)
            if head is None:
                return "closed"
            body = self._read(struct.unpack(">i", head)[0])
            if body is None:
                return "closed"
            if struct.unpack_from(">i", body)[0] == SENTINEL_ID:
                return "answered"

    def _read(self, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def _server(log_dir) -> KcliProcess:
    return KcliProcess(
        "server-start",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0",
        "--override", f"log.dirs={log_dir}",
        "--override", "auto.create.topics.enable=false",
        "--override", "group.min.session.timeout.ms=1",
        "--override", "group.max.session.timeout.ms=500",
    )


def _values(records_bytes: bytes, count: int) -> list[bytes]:
    """The first ``count`` record values of a fetched record set (stops there: what follows may be fuzz)."""
    values = []
    records = MemoryRecords(records_bytes)
    while len(values) < count and records.has_next():
        batch = records.next_batch()
        values.extend(r.value for r in batch)
    return values[:count]


@pytest.mark.timeout(240)
def test_fuzzed_requests_leave_the_broker_up_and_its_log_restartable(tmp_path):
    rng = random.Random(SEED)
    mutator = Mutator(rng)
    log_dir = tmp_path / "kafka-logs"
    server = _server(log_dir)
    assert server.connect, server.output
    client = None
    try:
        admin = KafkaAdminClient(bootstrap_servers=server.connect)
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1), NewTopic(KEPT, 1, 1)])
        admin.close()
        producer = KafkaProducer(bootstrap_servers=server.connect, acks="all", compression_type="gzip", linger_ms=5)
        acknowledged = [b"before-fuzz-%d" % i for i in range(20)]
        for value in acknowledged:
            producer.send(KEPT, value)
            producer.send(TOPIC, value, partition=0)
        producer.flush(10)
        producer.close()

        client = Client(server.host, server.port)
        started = time.monotonic()
        per_api = {}
        for api_key in sorted(ROUTES):
            before = dict(client.outcomes)
            frames = frames_for(api_key, rng, mutator, FRAMES_PER_API)  # drawn even when skipped: the seed's frames stay the same
            if api_key in SKIP:
                continue
            for frame in frames:
                client.send(frame)
                assert server.proc.poll() is None, f"the broker exited during {ROUTES[api_key].request.__name__}:\n{server.output[-5000:]}"
            per_api[ROUTES[api_key].request.__name__] = {k: client.outcomes[k] - before[k] for k in before}
        elapsed = time.monotonic() - started
        print(f"fuzz: {len(ROUTES)} APIs x {FRAMES_PER_API} frames in {elapsed:.1f} s, seed {SEED}: {client.outcomes}")
        for name, outcomes in per_api.items():
            print(f"  {name}: {outcomes}")
        client.close()

        # Every API still answers its valid request on a fresh connection.
        for api_key in sorted(ROUTES):
            probe = Client(server.host, server.port)
            probe.send(encode(sample(api_key, ROUTES[api_key].max_version)))
            probe.close()
            assert probe.outcomes["answered"] == 1, f"{ROUTES[api_key].request.__name__} no longer answers"
        assert server.proc.poll() is None
        assert "Traceback" not in server.output, server.output[-5000:]
    finally:
        if client is not None:
            client.close()
        server.proc.kill()  # kill -9 (TerminateProcess on Windows)
        server.wait()

    restarted = _server(log_dir)
    try:
        assert restarted.connect, f"the broker did not restart on its fuzzed log:\n{restarted.output}"
        # What was acknowledged before the fuzz is still there, byte for byte.
        fetch = FetchRequest(version=10, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                             session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[
                                 FetchRequest.FetchTopic(topic=KEPT, partitions=[FetchRequest.FetchTopic.FetchPartition(
                                     partition=0, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1, partition_max_bytes=1 << 20)]),
                             ])
        with socket.create_connection((restarted.host, restarted.port), timeout=10) as sock:
            sock.sendall(encode(fetch, 3))
            size = struct.unpack(">i", recv_exactly(sock, 4))[0]
            reply = FetchResponse.decode(recv_exactly(sock, size), version=10, header=True)
        assert _values(reply.responses[0].partitions[0].records, len(acknowledged)) == acknowledged

        # A normal produce and consume on the restarted broker.
        admin = KafkaAdminClient(bootstrap_servers=restarted.connect)
        admin.create_topics([NewTopic("after-restart", 1, 1)])
        admin.close()
        producer = KafkaProducer(bootstrap_servers=restarted.connect, acks="all")
        sent = [b"after-%d" % i for i in range(50)]
        for value in sent:
            producer.send("after-restart", value)
        producer.flush(10)
        producer.close()
        consumer = KafkaConsumer("after-restart", bootstrap_servers=restarted.connect, auto_offset_reset="earliest",
                                 consumer_timeout_ms=15000)
        received = []
        for message in consumer:  # ends when all arrived, or after 15 s without a record
            received.append(message.value)
            if len(received) == len(sent):
                break
        consumer.close()
        assert received == sent
        assert "Traceback" not in restarted.output, restarted.output[-5000:]
    finally:
        restarted.stop()
