"""Kafka client properties → kafka-python keyword arguments."""

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from kcli.tools.admin import admin_settings
from kcli.tools.client_config import parse_key_values, read_properties, separator, to_kafka_python
from kcli.tools.errors import ToolError


def test_key_values_split_on_the_first_equals_sign():
    assert parse_key_values(["acks=all", "sasl.jaas.config=a=b", "bare", "empty="]) == {
        "acks": "all", "sasl.jaas.config": "a=b", "bare": "", "empty": "",
    }


def test_properties_file_and_a_missing_one(tmp_path):
    path = tmp_path / "producer.properties"
    path.write_text("# Kafka's producer.properties\nbootstrap.servers=localhost:9092\ncompression.type: gzip\nlinger.ms 100\n")
    assert read_properties(path) == {"bootstrap.servers": "localhost:9092", "compression.type": "gzip", "linger.ms": "100"}
    with pytest.raises(ToolError, match=r"^Cannot read .*nope\.properties"):
        read_properties(tmp_path / "nope.properties")


def test_producer_properties_are_typed_by_kafka_pythons_defaults():
    settings = to_kafka_python({"acks": "-1", "compression.type": "none", "linger.ms": "100", "batch.size": "32768",
                                "enable.idempotence": "false", "client.id": "me", "security.protocol": "SASL_SSL"}, KafkaProducer)
    assert settings.kwargs == {"acks": "all", "compression_type": None, "linger_ms": 100, "batch_size": 32768,
                               "enable_idempotence": False, "client_id": "me", "security_protocol": "SASL_SSL"}
    assert settings.ignored == ()
    assert to_kafka_python({"acks": "1", "compression.type": "lz4"}, KafkaProducer).kwargs == {"acks": 1, "compression_type": "lz4"}


def test_consumer_properties():
    settings = to_kafka_python({"auto.offset.reset": "earliest", "isolation.level": "read_committed", "max.poll.records": "10",
                                "check.crcs": "TRUE", "value.deserializer": "org.apache.kafka.common.serialization.StringDeserializer"}, KafkaConsumer)
    assert settings.kwargs == {"auto_offset_reset": "earliest", "isolation_level": "read_committed", "max_poll_records": 10, "check_crcs": True}


def test_unknown_and_object_valued_properties_are_reported_not_fatal():
    settings = to_kafka_python({"foo.bar": "1", "kafka.client": "x", "linger.ms": "5"}, KafkaProducer)
    assert settings.kwargs == {"linger_ms": 5}
    assert settings.ignored == (("foo.bar", None), ("kafka.client", None))


def test_bad_values_get_kafkas_config_wording():
    cases = {
        ("linger.ms", "soon"): "Invalid value soon for configuration linger.ms: Not a number of type LONG",
        ("batch.size", "big"): "Invalid value big for configuration batch.size: Not a number of type INT",
        ("enable.idempotence", "yes"): "Invalid value yes for configuration enable.idempotence: Expected value to be either true or false",
        ("acks", "2"): "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1",
    }
    for (key, value), message in cases.items():
        with pytest.raises(ToolError) as caught:
            to_kafka_python({key: value}, KafkaProducer)
        assert caught.value.message == message


def test_sasl_jaas_config_gives_username_and_password():
    jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr\\"et";'
    settings = to_kafka_python({"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas}, KafkaConsumer)
    assert settings.kwargs == {"sasl_mechanism": "PLAIN", "sasl_plain_username": "alice", "sasl_plain_password": 's3cr"et'}
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required username='bob' password='pw';"
    assert to_kafka_python({"sasl.jaas.config": scram}, KafkaProducer).kwargs == {"sasl_plain_username": "bob", "sasl_plain_password": "pw"}
    kerberos = to_kafka_python({"sasl.jaas.config": "com.sun.security.auth.module.Krb5LoginModule required;"}, KafkaProducer)
    assert kerberos.kwargs == {} and kerberos.ignored[0][0] == "sasl.jaas.config"


def test_pem_stores_map_and_java_stores_are_explained():
    settings = to_kafka_python({"ssl.truststore.type": "PEM", "ssl.truststore.location": "/etc/ca", "ssl.keystore.location": "/etc/me.pem",
                                "ssl.key.password": "pw", "ssl.endpoint.identification.algorithm": ""}, KafkaAdminClient)
    assert settings.kwargs == {"ssl_cafile": "/etc/ca", "ssl_certfile": "/etc/me.pem", "ssl_password": "pw", "ssl_check_hostname": False}
    jks = to_kafka_python({"ssl.truststore.location": "/etc/truststore.jks", "ssl.truststore.password": "changeit"}, KafkaAdminClient)
    assert jks.kwargs == {}
    assert [key for key, _ in jks.ignored] == ["ssl.truststore.location"] and "PEM" in jks.ignored[0][1]


def test_admin_settings_take_default_api_timeout_and_drop_bootstrap_servers():
    settings = admin_settings({"bootstrap.servers": "elsewhere:9092", "default.api.timeout.ms": "3000", "client.id": "ops"})
    assert settings.kwargs == {"client_id": "ops", "request_timeout_ms": 3000, "bootstrap_timeout_ms": 3000}


def test_separators_typed_on_a_command_line():
    assert separator("\\t") == "\t" and separator("a\\nb") == "a\nb" and separator(" | ") == " | "
