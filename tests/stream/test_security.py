"""The Kafka binder's client security from Spring's own property names: Spring Boot's ``spring.kafka.*``
security settings reach a SASL_SSL listener, and the binder's ``configuration.*`` wins over them as in Spring."""

from __future__ import annotations

import pytest

from kcli.broker.server import run_in_thread
from kcli.stream.kafka_binder import client_properties
from kcli.stream.properties import StreamProperties
from tests.stream.apps import start
from tests.secured import add_scram_users, make_certs, secured_config
from tests.stream.test_binders import UPPERCASE, _kafka_records, _produce

SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-secret";'


def test_spring_boot_settings_merge_under_the_binders_as_in_spring():
    props = StreamProperties({
        "spring.kafka.security.protocol": "SASL_PLAINTEXT",
        "spring.kafka.properties.sasl.mechanism": "PLAIN",
        "spring.kafka.ssl.trustStoreLocation": "file:/certs/ca.pem",
        "spring.kafka.consumer.properties.fetch.min.bytes": "7",
        "spring.kafka.producer.security.protocol": "SASL_SSL",
        "spring.cloud.stream.kafka.binder.configuration.sasl.mechanism": "SCRAM-SHA-256",
        "spring.cloud.stream.kafka.binder.consumer-properties.fetch.min.bytes": "9",
    })
    consumer, producer, admin = (client_properties(props, c) for c in ("consumer", "producer", "admin"))
    assert consumer == {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256",
                        "ssl.truststore.location": "/certs/ca.pem", "fetch.min.bytes": "9"}
    assert producer["security.protocol"] == "SASL_SSL" and producer["sasl.mechanism"] == "SCRAM-SHA-256"
    assert "fetch.min.bytes" not in producer and "fetch.min.bytes" not in admin
    assert admin["security.protocol"] == "SASL_PLAINTEXT"


@pytest.fixture
def sasl_ssl_broker(tmp_path):
    certs = make_certs(tmp_path / "certs")
    running = run_in_thread(secured_config(tmp_path / "logs", "PLAINTEXT,SASL_SSL", certs, mechanisms="SCRAM-SHA-256"))
    try:
        add_scram_users(running, {"carol": ("SCRAM-SHA-256", "carol-secret")})
        yield running, certs
    finally:
        running.stop()


def test_a_processor_binds_over_sasl_ssl_with_spring_boots_properties(sasl_ssl_broker, tmp_path):
    running, certs = sasl_ssl_broker
    port = running.broker.addresses["SASL_SSL"][1]
    runner, _ = start(tmp_path, UPPERCASE, {
        "spring.cloud.stream.kafka.binder.brokers": f"localhost:{port}",
        "spring.kafka.security.protocol": "SASL_SSL",
        "spring.kafka.ssl.trust-store-location": f"file:{certs.ca}",
        "spring.kafka.ssl.trust-store-type": "PEM",
        "spring.kafka.properties.sasl.mechanism": "SCRAM-SHA-256",
        "spring.kafka.properties.sasl.jaas.config": SCRAM_JAAS,
        "spring.cloud.stream.bindings.uppercase-in-0.destination": "words",
        "spring.cloud.stream.bindings.uppercase-in-0.group": "upper",
        "spring.cloud.stream.bindings.uppercase-out-0.destination": "shouted",
    })
    try:
        _produce(running.bootstrap, "words", [b"espresso", b"lungo"], headers=[("contentType", b"text/plain")])
        records = _kafka_records(running.bootstrap, "shouted", 2)
    finally:
        runner.stop()
    assert [r.value for r in records] == [b"ESPRESSO", b"LUNGO"]
