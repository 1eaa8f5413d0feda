"""A seeded fuzz pass over the SASL exchange: garbage and oversized tokens, truncated SCRAM messages, requests
before authentication, v0 raw tokens. The broker never crashes and never lets such a connection through: a
Metadata request afterwards is refused (connection closed, or ILLEGAL_SASL_STATE), and a real login still works."""

from __future__ import annotations

import random
import socket
import struct

from kafka import KafkaProducer
from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest, MetadataResponse
from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest

from kcli.broker.server import run_in_thread
from tests.e2e.test_sasl import sasl_config
from tests.secured import kafka_python

SEED = 1414
ROUNDS = 150
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "", "plain", "SCRAM-SHA-1"]


def _frame(request, correlation_id: int) -> bytes:
    request.with_header(correlation_id=correlation_id, client_id="sasl-fuzz")
    return bytes(request.encode(header=True, framed=True))


def _token(rng: random.Random) -> bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randbytes(rng.randrange(0, 64))
    if kind == 1:
        return rng.randbytes(rng.choice([524289, 600000]))  # past sasl.server.max.receive.size
    if kind == 2:
        return b"\0" * rng.randrange(0, 5)
    if kind == 3:
        return f"n,,n=bob,r={rng.randbytes(8).hex()}".encode()  # a real SCRAM client-first
    if kind == 4:
        return b"c=biws,r=" + rng.randbytes(16) + b",p=" + rng.randbytes(44)
    if kind == 5:
        return b"\0alice\0" + rng.randbytes(rng.randrange(1, 20))  # PLAIN with a random password
    return "n,a=alice,n=bob,r=x".encode()  # authzid that is not the user


def _recv_frame(sock) -> bytes | None:
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    size = struct.unpack(">i", head)[0]
    body = b""
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def _one_round(rng: random.Random, address) -> str:
    with socket.create_connection(address, timeout=5) as sock:
        try:
            if rng.random() < 0.5:
                sock.sendall(_frame(ApiVersionsRequest(version=rng.choice([0, 3])), 1))
            if rng.random() < 0.85:
                version = rng.choice([0, 1, 1, 1])
                sock.sendall(_frame(SaslHandshakeRequest(version=version, mechanism=rng.choice(MECHANISMS)), 2))
                for i in range(rng.randrange(0, 4)):
                    token = _token(rng)
                    if version == 0:
                        sock.sendall(struct.pack(">i", len(token)) + token)
                    else:
                        sock.sendall(_frame(SaslAuthenticateRequest(version=rng.choice([0, 1, 2]), auth_bytes=token), 10 + i))
            if rng.random() < 0.2:
                sock.sendall(rng.randbytes(rng.randrange(1, 40)))  # not a frame at all
            sock.sendall(_frame(MetadataRequest(version=1, topics=["secret"]), 99))
            sock.settimeout(2)
            while True:
                body = _recv_frame(sock)
                if body is None:
                    return "closed"
                if struct.unpack_from(">i", body)[0] == 99:
                    answer = MetadataResponse.decode(body[4:], version=1)
                    assert answer.brokers == [] and all(t.error_code == 34 for t in answer.topics), answer
                    return "illegal state"
        except (ConnectionError, socket.timeout):
            return "closed"  # reset, or silent until closed


def test_the_sasl_exchange_survives_garbage_and_never_authenticates_it(tmp_path):
    running = run_in_thread(sasl_config(tmp_path / "logs", **{"sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"}))
    try:
        address = running.broker.addresses["SASL_PLAINTEXT"]
        rng = random.Random(SEED)
        outcomes = [_one_round(rng, address) for _ in range(ROUNDS)]
        assert {"closed", "illegal state"} <= set(outcomes)  # the pass reached both refusals
        producer = KafkaProducer(**kafka_python(running, "SASL_PLAINTEXT", mechanism="PLAIN", user="alice", password="alice-secret"))
        producer.send("after-fuzz", b"still here").get(timeout=20)
        producer.close()
    finally:
        running.stop()
