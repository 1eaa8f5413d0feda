"""ACLs with a real authorizer: a principal with only Read on coffee and the group baristas consumes but cannot
produce and does not see other topics; kcli acls --add/--list/--remove round-trips; ACLs survive a restart."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from kcli.broker.server import run_in_thread
from tests import secured
from tests.processes import kcli
from tests.secured import make_certs, plain_jaas, properties_file, secured_config

JAAS = plain_jaas({"admin": "admin-secret", "alice": "alice-secret", "mallory": "mallory-secret"})
AUTHORIZER = {"authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users": "User:admin"}


def acl_config(log_dir):
    return secured_config(log_dir, "SASL_PLAINTEXT", jaas=JAAS, mechanisms="PLAIN", props=AUTHORIZER)


def properties(path, user):
    return properties_file(path, "SASL_PLAINTEXT", "PLAIN", user, f"{user}-secret")


def confluent(running, user, **extra):
    return {**secured.confluent(running, "SASL_PLAINTEXT", mechanism="PLAIN", user=user, password=f"{user}-secret"), **extra}


def test_read_only_principal_consumes_cannot_produce_and_sees_only_its_topics(tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    config = acl_config(tmp_path / "logs")
    admin = properties(tmp_path / "admin.properties", "admin")
    running = run_in_thread(config)
    try:
        for name in ("coffee", "tea"):
            assert kcli("topics", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--create", "--topic", name).returncode == 0
        producer = confluent_kafka.Producer(confluent(running, "admin"))
        producer.produce("coffee", b"espresso")
        assert producer.flush(20) == 0
        added = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--add", "--allow-principal", "User:alice",
                     "--operation", "Read", "--topic", "coffee", "--group", "baristas")
        assert added.returncode == 0, added.stderr
        assert added.stdout.startswith(
            "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=coffee, patternType=LITERAL)`: \n"
            " \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW) \n\n")

        consumer = confluent_kafka.Consumer(confluent(running, "alice", **{"group.id": "baristas", "auto.offset.reset": "earliest"}))
        consumer.subscribe(["coffee"])
        try:
            message = None
            for _ in range(40):
                message = consumer.poll(0.5)
                if message is not None and message.error() is None:
                    break
            assert message is not None and message.error() is None and message.value() == b"espresso"
            assert sorted(consumer.list_topics(timeout=10).topics) == ["coffee"]  # tea is hidden
        finally:
            consumer.close()

        failures = []
        producer = confluent_kafka.Producer(confluent(running, "alice"))
        producer.produce("coffee", b"sneaky", on_delivery=lambda err, msg: failures.append(err))
        producer.flush(20)
        assert failures and failures[0].code() == confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED
    finally:
        running.stop()

    running = run_in_thread(config)  # ACLs are durable
    try:
        listed = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--list")
        assert "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)" in listed.stdout
        assert "ResourcePattern(resourceType=GROUP, name=baristas, patternType=LITERAL)" in listed.stdout
        removed = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--remove", "--force",
                       "--allow-principal", "User:alice", "--operation", "Read", "--topic", "coffee")
        assert removed.returncode == 0, removed.stderr
        assert removed.stdout == "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=coffee, patternType=LITERAL)`: \n \t \n\n"
        listed = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--list")
        assert "name=coffee" not in listed.stdout and "name=baristas" in listed.stdout
    finally:
        running.stop()


def test_only_super_users_and_granted_principals_administer(tmp_path):
    running = run_in_thread(acl_config(tmp_path / "logs"))
    try:
        mallory = properties(tmp_path / "mallory.properties", "mallory")
        refused = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", mallory, "--add",
                       "--allow-principal", "User:mallory", "--operation", "All", "--topic", "coffee")
        assert refused.returncode == 1 and "ClusterAuthorizationException" in refused.stderr
        client = KafkaAdminClient(bootstrap_servers=running.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                                  sasl_plain_username="mallory", sasl_plain_password="mallory-secret")
        try:
            from kafka.admin import UserScramCredentialUpsertion

            result = client.alter_user_scram_credentials([UserScramCredentialUpsertion("mallory", "SCRAM-SHA-256", "x")])
            assert result["mallory"] is not None  # CLUSTER_AUTHORIZATION_FAILED: no ALTER on the cluster
        finally:
            client.close()
    finally:
        running.stop()


def test_the_certificate_principal_of_an_mtls_client_is_what_acls_name(tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    certs = make_certs(tmp_path / "certs")
    running = run_in_thread(secured_config(tmp_path / "logs", "SASL_PLAINTEXT,SSL", certs, jaas=JAAS, mechanisms="PLAIN", props={
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer", "super.users": "User:admin",
        "ssl.client.auth": "required", "ssl.principal.mapping.rules": "RULE:^CN=([^,]*),.*$/$1/,DEFAULT",
    }))
    try:
        admin = properties(tmp_path / "admin.properties", "admin")
        added = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--add", "--allow-principal", "User:client",
                     "--producer", "--topic", "mtls")
        assert added.returncode == 0, added.stderr
        tls = {**secured.confluent(running, "SSL", certs), "ssl.certificate.location": str(certs.client_keystore),
               "ssl.key.location": str(certs.client_keystore)}
        delivered = []
        producer = confluent_kafka.Producer(tls)
        producer.produce("mtls", b"signed", on_delivery=lambda err, msg: delivered.append(err))
        producer.flush(20)
        assert delivered == [None]  # User:client (CN=client) may write
        producer.produce("elsewhere", b"no", on_delivery=lambda err, msg: delivered.append(err))
        producer.flush(20)
        assert delivered[1] is not None and delivered[1].code() == confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED
    finally:
        running.stop()


def test_admin_requests_check_the_operations_kafka_checks(tmp_path):
    from kafka.errors import TopicAuthorizationFailedError

    running = run_in_thread(acl_config(tmp_path / "logs"))
    try:
        admin = properties(tmp_path / "admin.properties", "admin")
        for name in ("coffee", "tea"):
            assert kcli("topics", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--create", "--topic", name).returncode == 0
        assert kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--add", "--allow-principal", "User:alice",
                    "--operation", "Read", "--topic", "coffee").returncode == 0
        alice = KafkaAdminClient(bootstrap_servers=running.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                                 sasl_plain_username="alice", sasl_plain_password="alice-secret")
        try:
            assert alice.list_topics() == ["coffee"]
            with pytest.raises(TopicAuthorizationFailedError):
                alice.delete_topics(["coffee"])  # Read is not Delete
        finally:
            alice.close()
        alice_props = properties(tmp_path / "alice.properties", "alice")
        described = kcli("configs", "--bootstrap-server", running.bootstrap, "--command-config", alice_props, "--describe",
                         "--entity-type", "topics", "--entity-name", "tea")
        assert described.returncode == 1 and "TopicAuthorizationException" in described.stderr, described  # no DescribeConfigs on tea
        listed = kcli("topics", "--bootstrap-server", running.bootstrap, "--command-config", admin, "--list")
        assert listed.stdout.split() == ["coffee", "tea"]  # the super user sees and kept both
    finally:
        running.stop()
