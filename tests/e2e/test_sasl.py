"""SASL_PLAINTEXT with real clients: PLAIN users from the listener's JAAS config, SCRAM users created over the
wire with AlterUserScramCredentials, wrong passwords refused with Kafka's message, and the gate that answers
nothing but ApiVersions and SaslHandshake before authentication."""

from __future__ import annotations

import json
import socket
import struct

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.protocol.metadata import ApiVersionsRequest, MetadataRequest
from kafka.protocol.sasl import SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse

from kcli.broker.sasl.credentials import FILE_NAME
from kcli.broker.server import run_in_thread
from tests.secured import add_scram_users, confluent, kafka_python, kcat_arguments, plain_jaas, secured_config

PLAIN_JAAS = plain_jaas({"admin": "admin-secret", "alice": "alice-secret"}, login=("admin", "admin-secret"))


def sasl_config(log_dir, **extra):
    return secured_config(log_dir, "PLAINTEXT,SASL_PLAINTEXT", jaas=PLAIN_JAAS, props=extra)


@pytest.fixture
def sasl_broker(tmp_path):
    running = run_in_thread(sasl_config(tmp_path / "logs"))
    try:
        add_scram_users(running, {"bob": ("SCRAM-SHA-512", "bob-secret"), "carol": ("SCRAM-SHA-256", "carol-secret")}, iterations=8192)
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("mechanism,user,password", [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-512", "bob", "bob-secret"),
                                                     ("SCRAM-SHA-256", "carol", "carol-secret")])
def test_confluent_kafka_produces_and_consumes_over_sasl_plaintext(sasl_broker, mechanism, user, password):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    common = confluent(sasl_broker, "SASL_PLAINTEXT", mechanism=mechanism, user=user, password=password)
    producer = confluent_kafka.Producer(common)
    producer.produce("coffee", b"espresso")
    assert producer.flush(20) == 0
    consumer = confluent_kafka.Consumer({**common, "group.id": "baristas", "auto.offset.reset": "earliest"})
    consumer.subscribe(["coffee"])
    try:
        message = None
        for _ in range(40):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.value() == b"espresso"
    finally:
        consumer.close()


@pytest.mark.parametrize("mechanism,user,password", [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-512", "bob", "bob-secret")])
def test_kafka_python_produces_and_consumes_over_sasl_plaintext(sasl_broker, mechanism, user, password):
    common = kafka_python(sasl_broker, "SASL_PLAINTEXT", mechanism=mechanism, user=user, password=password)
    producer = KafkaProducer(**common)
    producer.send("tea", b"sencha").get(timeout=20)
    producer.close()
    consumer = KafkaConsumer("tea", auto_offset_reset="earliest", consumer_timeout_ms=10000, **common)
    try:
        assert next(iter(consumer)).value == b"sencha"
    finally:
        consumer.close()


@pytest.mark.parametrize("mechanism,user,message", [
    ("PLAIN", "alice", "Authentication failed: Invalid username or password"),
    ("SCRAM-SHA-512", "bob", "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"),
    ("SCRAM-SHA-512", "nobody", "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"),
])
def test_a_wrong_password_gets_sasl_authentication_failed_with_kafkas_message(sasl_broker, mechanism, user, message):
    with socket.create_connection(sasl_broker.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
        handshake = _call(sock, SaslHandshakeRequest(version=1, mechanism=mechanism), SaslHandshakeResponse, 1)
        assert handshake.error_code == 0 and "PLAIN" in handshake.mechanisms
        if mechanism == "PLAIN":
            token = b"\0alice\0wrong"
        else:
            first = _call(sock, SaslAuthenticateRequest(version=2, auth_bytes=f"n,,n={user},r=abcdefgh".encode()), SaslAuthenticateResponse, 2)
            if first.error_code:
                assert (first.error_code, first.error_message) == (58, message)
                return
            nonce = dict(kv.split("=", 1) for kv in first.auth_bytes.decode().split(","))["r"]
            token = f"c=biws,r={nonce},p={'A' * 88}".encode()
        answer = _call(sock, SaslAuthenticateRequest(version=2, auth_bytes=token), SaslAuthenticateResponse, 2)
        assert (answer.error_code, answer.error_message) == (58, message)
        assert sock.recv(1) == b""  # then Kafka closes the connection


def test_confluent_kafka_with_a_wrong_password_reports_an_authentication_error(sasl_broker):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    errors = []
    producer = confluent_kafka.Producer({**confluent(sasl_broker, "SASL_PLAINTEXT", mechanism="SCRAM-SHA-512", user="bob", password="wrong"),
                                         "error_cb": errors.append})
    for _ in range(40):
        producer.poll(0.25)
        if errors:
            break
    assert errors and errors[0].code() == confluent_kafka.KafkaError._AUTHENTICATION
    assert "SCRAM-SHA-512" in errors[0].str()


def test_requests_before_authentication_close_the_connection_unanswered(sasl_broker):
    with socket.create_connection(sasl_broker.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
        versions = _call(sock, ApiVersionsRequest(version=0), None, 0, raw=True)
        assert versions  # ApiVersions is served before the handshake
        sock.sendall(_frame(MetadataRequest(version=1, topics=None), 7))
        assert sock.recv(1) == b""


def test_a_request_between_handshake_and_authentication_gets_illegal_sasl_state(sasl_broker):
    with socket.create_connection(sasl_broker.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
        _call(sock, SaslHandshakeRequest(version=1, mechanism="PLAIN"), SaslHandshakeResponse, 1)
        sock.sendall(_frame(SaslHandshakeRequest(version=1, mechanism="PLAIN"), 9))
        answer = SaslHandshakeResponse.decode(_read(sock)[4:], version=1)
        assert answer.error_code == 34  # ILLEGAL_SASL_STATE
        assert sock.recv(1) == b""


def test_an_unsupported_mechanism_is_answered_with_the_enabled_ones(sasl_broker):
    with socket.create_connection(sasl_broker.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
        answer = _call(sock, SaslHandshakeRequest(version=1, mechanism="GSSAPI"), SaslHandshakeResponse, 1)
        assert answer.error_code == 33 and answer.mechanisms == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


def test_the_plaintext_listener_answers_sasl_handshake_with_illegal_sasl_state(sasl_broker):
    with socket.create_connection(sasl_broker.broker.addresses["PLAINTEXT"], timeout=10) as sock:
        assert _call(sock, SaslHandshakeRequest(version=1, mechanism="PLAIN"), SaslHandshakeResponse, 1).error_code == 34


def test_metadata_advertises_the_listener_the_client_came_in_on(tmp_path):
    running = run_in_thread(sasl_config(tmp_path / "logs", **{"advertised.listeners": "SASL_PLAINTEXT://sasl.example:19094"}))
    try:
        plain = KafkaAdminClient(bootstrap_servers=running.bootstrap)
        try:
            brokers = plain.describe_cluster()["brokers"]
            assert [(b["host"], b["port"]) for b in brokers] == [("127.0.0.1", running.port)]
        finally:
            plain.close()
        with socket.create_connection(running.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
            _call(sock, SaslHandshakeRequest(version=1, mechanism="PLAIN"), SaslHandshakeResponse, 1)
            assert _call(sock, SaslAuthenticateRequest(version=2, auth_bytes=b"\0alice\0alice-secret"), SaslAuthenticateResponse, 2).error_code == 0
            sock.sendall(_frame(MetadataRequest(version=1, topics=[]), 3))
            from kafka.protocol.metadata import MetadataResponse
            meta = MetadataResponse.decode(_read(sock)[4:], version=1)
            assert [(b.host, b.port) for b in meta.brokers] == [("sasl.example", 19094)]
    finally:
        running.stop()


def test_scram_credentials_survive_a_restart_and_hold_no_password(tmp_path):
    config = sasl_config(tmp_path / "logs")
    running = run_in_thread(config)
    try:
        add_scram_users(running, {"dave": ("SCRAM-SHA-512", "dave-secret")}, iterations=8192)
    finally:
        running.stop()
    stored = (tmp_path / "logs" / FILE_NAME).read_text()
    assert "dave-secret" not in stored and json.loads(stored)["dave"]["SCRAM-SHA-512"]["iterations"] == 8192
    running = run_in_thread(config)
    try:
        producer = KafkaProducer(**kafka_python(running, "SASL_PLAINTEXT", mechanism="SCRAM-SHA-512", user="dave", password="dave-secret"))
        producer.send("restarted", b"ok").get(timeout=20)
        producer.close()
    finally:
        running.stop()


def _frame(request, correlation_id: int) -> bytes:
    request.with_header(correlation_id=correlation_id, client_id="test")
    return bytes(request.encode(header=True, framed=True))


def _read(sock) -> bytes:
    size = struct.unpack(">i", _exactly(sock, 4))[0]
    return _exactly(sock, size)


def _exactly(sock, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        assert chunk, "connection closed"
        out += chunk
    return out


def _call(sock, request, response_class, version: int, raw: bool = False):
    flexible_header = response_class is not None and version >= 2  # SaslAuthenticate v2 has a flexible header
    sock.sendall(_frame(request, 5))
    body = _read(sock)
    if raw:
        return body
    return response_class.decode(body[5 if flexible_header else 4:], version=version)


@pytest.mark.parametrize("mechanism,user,password", [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-512", "bob", "bob-secret")])
def test_kcat_produces_and_consumes_over_sasl_plaintext(kcat, sasl_broker, mechanism, user, password):
    import subprocess

    flags = kcat_arguments(confluent(sasl_broker, "SASL_PLAINTEXT", mechanism=mechanism, user=user, password=password))
    subprocess.run([kcat, *flags, "-P", "-t", "kcat-sasl"], input="mocha\n", text=True, capture_output=True, timeout=60, check=True)
    out = subprocess.run([kcat, *flags, "-C", "-t", "kcat-sasl", "-e", "-c", "1"], text=True, capture_output=True, timeout=60, check=True)
    assert out.stdout.strip() == "mocha"


@pytest.mark.parametrize("mechanism,user,password", [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-512", "bob", "bob-secret")])
def test_aiokafka_produces_and_consumes_over_sasl_plaintext(sasl_broker, mechanism, user, password):
    import asyncio

    aiokafka = pytest.importorskip("aiokafka")

    async def main():
        common = kafka_python(sasl_broker, "SASL_PLAINTEXT", mechanism=mechanism, user=user, password=password)
        producer = aiokafka.AIOKafkaProducer(**common)
        await producer.start()
        try:
            await producer.send_and_wait("aio-sasl", b"affogato", partition=0)
        finally:
            await producer.stop()
        consumer = aiokafka.AIOKafkaConsumer("aio-sasl", auto_offset_reset="earliest", **common)
        await consumer.start()
        try:
            return (await asyncio.wait_for(consumer.getone(), 20)).value
        finally:
            await consumer.stop()

    assert asyncio.run(main()) == b"affogato"


def test_a_connection_silent_before_authenticating_is_closed_when_idle(tmp_path):
    running = run_in_thread(sasl_config(tmp_path / "logs", **{"connections.max.idle.ms": "300"}))
    try:
        with socket.create_connection(running.broker.addresses["SASL_PLAINTEXT"], timeout=10) as sock:
            assert sock.recv(1) == b""  # closed by the broker, not by the 10 s timeout
    finally:
        running.stop()
