"""SSL and SASL_SSL listeners with certificates made by ``kcli certs``: confluent-kafka, kafka-python, aiokafka
and kcat produce and consume; a client that does not trust the CA fails the TLS handshake; mTLS gives the
client certificate's DN as principal."""

from __future__ import annotations

import asyncio
import ssl
import subprocess

import pytest
from kafka import KafkaConsumer, KafkaProducer

from kcli.broker.connection import certificate_principal
from kcli.broker.server import run_in_thread
from kcli.tools import certs as dev_certs
from tests.secured import add_scram_users, address, confluent, kafka_python, kcat_arguments, make_certs, secured_config
from tests.secured import aiokafka as aiokafka_settings


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def tls_broker(tmp_path, certs):
    running = run_in_thread(secured_config(tmp_path / "logs", "PLAINTEXT,SSL,SASL_SSL", certs, mechanisms="SCRAM-SHA-256"))
    try:
        add_scram_users(running, {"carol": ("SCRAM-SHA-256", "carol-secret")}, iterations=8192)
        yield running
    finally:
        running.stop()


CAROL = {"mechanism": "SCRAM-SHA-256", "user": "carol", "password": "carol-secret"}


def login(protocol: str) -> dict:
    """Carol's SCRAM login on SASL_SSL; none on SSL."""
    return CAROL if protocol == "SASL_SSL" else {}


def confluent_settings(running, certs, protocol: str) -> dict:
    return confluent(running, protocol, certs, **login(protocol))


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_confluent_kafka_over_tls(tls_broker, certs, protocol):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    settings = confluent_settings(tls_broker, certs, protocol)
    producer = confluent_kafka.Producer(settings)
    producer.produce("secure", b"cortado")
    assert producer.flush(20) == 0
    consumer = confluent_kafka.Consumer({**settings, "group.id": "g", "auto.offset.reset": "earliest"})
    consumer.subscribe(["secure"])
    try:
        message = None
        for _ in range(40):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.value() == b"cortado"
    finally:
        consumer.close()


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_kafka_python_over_tls(tls_broker, certs, protocol):
    common = kafka_python(tls_broker, protocol, certs, **login(protocol))
    producer = KafkaProducer(**common)
    producer.send("secure-kp", b"lungo").get(timeout=20)
    producer.close()
    consumer = KafkaConsumer("secure-kp", auto_offset_reset="earliest", consumer_timeout_ms=10000, **common)
    try:
        assert next(iter(consumer)).value == b"lungo"
    finally:
        consumer.close()


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_aiokafka_over_tls(tls_broker, certs, protocol):
    aiokafka = pytest.importorskip("aiokafka")

    async def main():
        common = aiokafka_settings(tls_broker, protocol, certs, **login(protocol))
        producer = aiokafka.AIOKafkaProducer(**common)
        await producer.start()
        try:
            await producer.send_and_wait("secure-aio", b"ristretto", partition=0)
        finally:
            await producer.stop()
        consumer = aiokafka.AIOKafkaConsumer("secure-aio", auto_offset_reset="earliest", **common)
        await consumer.start()
        try:
            return (await asyncio.wait_for(consumer.getone(), 20)).value
        finally:
            await consumer.stop()

    assert asyncio.run(main()) == b"ristretto"


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_kcat_over_tls(kcat, tls_broker, certs, protocol):
    flags = kcat_arguments(confluent_settings(tls_broker, certs, protocol))
    run = lambda *args, stdin=None: subprocess.run([kcat, *flags, *args], input=stdin,  # noqa: E731
                                                   capture_output=True, text=True, timeout=60, check=True)
    run("-P", "-t", "secure-kcat", stdin="doppio\n")
    assert run("-C", "-t", "secure-kcat", "-e", "-c", "1").stdout.strip() == "doppio"


def test_a_client_that_does_not_trust_the_ca_fails(tls_broker, tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    other = dev_certs.make(tmp_path / "other", ["localhost"])
    errors = []
    producer = confluent_kafka.Producer({"bootstrap.servers": address(tls_broker, "SSL"), "security.protocol": "SSL",
                                         "ssl.ca.location": str(other.ca), "error_cb": errors.append})
    for _ in range(40):
        producer.poll(0.25)
        if errors:
            break
    assert errors and errors[0].code() in (confluent_kafka.KafkaError._SSL, confluent_kafka.KafkaError._ALL_BROKERS_DOWN,
                                           confluent_kafka.KafkaError._TRANSPORT)
    assert "certificate verify failed" in errors[0].str() or "SSL handshake failed" in errors[0].str()


def test_a_wrong_password_over_sasl_ssl_fails_with_an_authentication_error(tls_broker, certs):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    errors = []
    settings = {**confluent_settings(tls_broker, certs, "SASL_SSL"), "sasl.password": "wrong", "error_cb": errors.append}
    producer = confluent_kafka.Producer(settings)
    for _ in range(40):
        producer.poll(0.25)
        if errors:
            break
    assert errors and errors[0].code() == confluent_kafka.KafkaError._AUTHENTICATION


def test_client_certificates_are_required_when_ssl_client_auth_is_required(tmp_path, certs):
    running = run_in_thread(secured_config(tmp_path / "logs", "SSL", certs, props={"ssl.client.auth": "required"}))
    try:
        port = running.broker.addresses["SSL"][1]
        with_cert = KafkaProducer(**kafka_python(running, "SSL", certs), ssl_certfile=str(certs.client_keystore))
        with_cert.send("mtls", b"ok").get(timeout=20)
        with_cert.close()
        context = ssl.create_default_context(cafile=str(certs.ca))
        import socket

        with socket.create_connection(("localhost", port), timeout=10) as raw, pytest.raises((ssl.SSLError, ConnectionError)):
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"\0\0\0\0")
                assert tls.recv(1) == b""  # TLS 1.3 reports the missing certificate on the first read
                raise ConnectionError("closed")
    finally:
        running.stop()


def test_the_principal_of_a_client_certificate_is_its_dn_in_rfc_2253_order():
    cert = {"subject": ((("countryName", "US"),), (("organizationName", "Acme, Inc"),), (("commonName", "alice"),))}
    assert certificate_principal(cert) == "User:CN=alice,O=Acme\\, Inc,C=US"
    assert certificate_principal(None) == "User:ANONYMOUS"


def test_a_tool_reads_pem_certificates_given_inline_as_kafka_names_them(tls_broker, certs, tmp_path):
    from tests.processes import kcli

    ca = certs.ca.read_text().strip().replace("\n", "\\n\\\n")  # a properties value continued over lines, as Kafka's docs write PEM
    props = tmp_path / "inline.properties"
    props.write_text(f"security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.certificates={ca}\n", encoding="utf-8")
    created = kcli("topics", "--bootstrap-server", address(tls_broker, "SSL"), "--command-config", props, "--create", "--topic", "inline")
    assert created.returncode == 0, created.stderr


def test_kcat_reports_a_wrong_password_and_an_untrusted_certificate(kcat, tls_broker, certs, tmp_path):
    other = dev_certs.make(tmp_path / "other", ["localhost"])
    runs = []
    for settings, expected in [
        ({**confluent_settings(tls_broker, certs, "SASL_SSL"), "sasl.password": "wrong"}, "Authentication failed"),
        ({**confluent_settings(tls_broker, certs, "SSL"), "ssl.ca.location": str(other.ca)}, "certificate verify failed"),
    ]:
        # kcat retries until its metadata timeout (-m) whatever the error; the error comes with the first
        # attempt, so a short timeout, waited out by both together.
        runs.append((subprocess.Popen([kcat, *kcat_arguments(settings), "-L", "-m", "4"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), expected))
    for proc, expected in runs:
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode != 0 and expected in stderr, stderr


def test_aiokafka_reports_a_wrong_password_and_an_untrusted_certificate(tls_broker, certs, tmp_path, caplog):
    aiokafka = pytest.importorskip("aiokafka")
    from aiokafka.errors import KafkaConnectionError, KafkaError
    from aiokafka.helpers import create_ssl_context

    other = dev_certs.make(tmp_path / "other", ["localhost"])

    async def start(**settings):
        producer = aiokafka.AIOKafkaProducer(request_timeout_ms=5000, **settings)
        try:
            await producer.start()
        finally:
            await producer.stop()

    wrong = aiokafka_settings(tls_broker, "SASL_SSL", certs, **{**CAROL, "password": "wrong"})
    with pytest.raises(KafkaError):
        asyncio.run(start(**wrong))
    # aiokafka logs the broker's answer and raises a connection error
    assert ("[Error 58] SaslAuthenticationFailed: Authentication failed during authentication due to invalid credentials "
            "with SASL mechanism SCRAM-SHA-256") in caplog.text
    untrusted = {"bootstrap_servers": address(tls_broker, "SSL"), "security_protocol": "SSL",
                 "ssl_context": create_ssl_context(cafile=str(other.ca))}
    with pytest.raises((KafkaConnectionError, ssl.SSLError)):
        asyncio.run(start(**untrusted))


def test_large_fetches_are_the_same_over_tls_copied_and_over_plaintext_sent_with_sendfile(tls_broker, certs, sendfile_sizes):
    from kcli.broker import sendfile_writer

    sent = sendfile_sizes
    values = [bytes([65 + i]) * 300_000 for i in range(4)]  # each batch well over sendfile_writer.COPY_BELOW
    producer = KafkaProducer(bootstrap_servers=tls_broker.bootstrap, max_request_size=1 << 21)
    for value in values:
        producer.send("secure-large", value).get(timeout=20)
    producer.close()
    read = {}
    for protocol in ("PLAINTEXT", "SSL"):
        consumer = KafkaConsumer("secure-large", auto_offset_reset="earliest", consumer_timeout_ms=10000,
                                 bootstrap_servers=address(tls_broker, protocol), security_protocol=protocol,
                                 ssl_cafile=str(certs.ca), fetch_max_bytes=1 << 20, max_partition_fetch_bytes=700_000)
        try:
            read[protocol] = [(r.offset, r.value) for _, r in zip(range(len(values)), consumer)]
        finally:
            consumer.close()
        if protocol == "PLAINTEXT":
            assert sum(sent) >= sum(map(len, values)) or not sendfile_writer.SENDFILE
            sent.clear()
    assert not sent  # TLS: the ranges were copied
    assert read["PLAINTEXT"] == read["SSL"] == list(enumerate(values))
