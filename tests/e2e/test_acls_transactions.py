"""ACLs on the transaction APIs, as Kafka 3.9's KafkaApis checks them, over SASL with real clients.

A transactional producer needs DESCRIBE (FindCoordinator) and WRITE (InitProducerId, AddPartitionsToTxn,
AddOffsetsToTxn, TxnOffsetCommit, EndTxn, Produce) on its TransactionalId, WRITE on the topics it adds, READ on
the group whose offsets it sends and READ on those offsets' topics; an idempotent producer needs IdempotentWrite
on the cluster or WRITE on some topic (KIP-679). Describe/ListTransactions show only what the principal may DESCRIBE.
"""

from __future__ import annotations

import socket

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic, ResourcePattern, ResourceType
from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest

from kcli.broker.server import run_in_thread
from kcli.protocol.kafka.errors import ErrorCode
from tests.e2e.test_acls import acl_config, confluent, properties
from tests.processes import kcli
from tests.secured import kafka_python
from tests.wire_requests import exchange, sample, transactional_batch

TXN_AUTH, GROUP_AUTH = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED
TOPIC_AUTH, CLUSTER_AUTH = ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED


@pytest.fixture
def acl_broker(tmp_path):
    running = run_in_thread(acl_config(tmp_path / "logs"))
    admin = _admin(running, "admin")
    try:
        admin.create_topics([NewTopic("beans", 1, 1), NewTopic("tea", 1, 1), NewTopic("fuzz", 2, 1)])
        running.admin = admin
        yield running
    finally:
        admin.close()
        running.stop()


def _admin(running, user):
    return KafkaAdminClient(**kafka_python(running, "SASL_PLAINTEXT", mechanism="PLAIN", user=user, password=f"{user}-secret"))


def _allow(running, resource_type, name, operation, principal="User:alice"):
    running.admin.create_acls([ACL(principal, "*", operation, ACLPermissionType.ALLOW,
                                   ResourcePattern(resource_type, name, ACLResourcePatternType.LITERAL))])


def _sasl_socket(running, user):
    """A connection authenticated as ``user`` with SASL/PLAIN, for requests at exact versions."""
    host, port = running.bootstrap.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    assert exchange(sock, SaslHandshakeRequest(version=1, mechanism="PLAIN")).error_code == 0
    answer = exchange(sock, SaslAuthenticateRequest(version=2, auth_bytes=f"\0{user}\0{user}-secret".encode()))
    assert answer.error_code == 0
    return sock


def _codes(response) -> set[int]:
    """Every error code in a response at its version, wherever its API keeps them."""
    found = set()

    def walk(value):
        if isinstance(value, list):
            for v in value:
                walk(v)
            return
        for name, field in (getattr(type(value), "fields", None) or {}).items():
            if not field.for_version_q(response.API_VERSION):
                continue
            item = getattr(value, name, None)
            if name.endswith("error_code"):
                found.add(item)
            else:
                walk(item)

    walk(response)
    return found


def test_a_transactional_producer_needs_the_acls_kafka_checks(acl_broker, tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    from confluent_kafka import KafkaException, TopicPartition

    running = acl_broker
    producer = confluent_kafka.Producer(confluent(running, "alice", **{"transactional.id": "roastery"}))
    with pytest.raises(KafkaException) as refused:
        producer.init_transactions(20)  # FindCoordinator for the transactional id: no DESCRIBE
    assert refused.value.args[0].code() == confluent_kafka.KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED

    admin_props = properties(tmp_path / "admin.properties", "admin")
    added = kcli("acls", "--bootstrap-server", running.bootstrap, "--command-config", admin_props, "--add",
                 "--allow-principal", "User:alice", "--producer", "--topic", "beans", "--transactional-id", "roastery")
    assert added.returncode == 0, added.stderr
    assert ("Adding ACLs for resource `ResourcePattern(resourceType=TRANSACTIONAL_ID, name=roastery, patternType=LITERAL)`: \n"
            " \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)\n"
            "\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW) \n\n") in added.stdout

    producer = confluent_kafka.Producer(confluent(running, "alice", **{"transactional.id": "roastery"}))
    producer.init_transactions(20)
    producer.begin_transaction()
    producer.produce("beans", b"espresso")
    producer.commit_transaction(20)

    producer.begin_transaction()  # tea: no WRITE, so AddPartitionsToTxn refuses it
    failures = []
    producer.produce("tea", b"sencha", on_delivery=lambda err, msg: failures.append(err))
    with pytest.raises(KafkaException) as commit:
        producer.commit_transaction(20)
    assert commit.value.args[0].txn_requires_abort()
    assert [f.code() for f in failures] == [confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED]
    producer.abort_transaction(20)

    group = confluent_kafka.Consumer(confluent(running, "alice", **{"group.id": "roasters"}))
    try:
        producer.begin_transaction()  # the group: no READ, so AddOffsetsToTxn refuses it
        producer.produce("beans", b"ristretto")
        with pytest.raises(KafkaException) as offsets:
            producer.send_offsets_to_transaction([TopicPartition("beans", 0, 1)], group.consumer_group_metadata(), 20)
        assert offsets.value.args[0].code() == confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED
        producer.abort_transaction(20)

        _allow(running, ResourceType.GROUP, "roasters", ACLOperation.READ)
        producer.begin_transaction()  # the group may be read now, the topic beans may not: TxnOffsetCommit refuses it
        producer.produce("beans", b"lungo")
        with pytest.raises(KafkaException) as offsets:
            producer.send_offsets_to_transaction([TopicPartition("beans", 0, 1)], group.consumer_group_metadata(), 20)
        assert offsets.value.args[0].code() == confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED
        producer.abort_transaction(20)

        _allow(running, ResourceType.TOPIC, "beans", ACLOperation.READ)
        producer.begin_transaction()
        producer.produce("beans", b"doppio")
        producer.send_offsets_to_transaction([TopicPartition("beans", 0, 1)], group.consumer_group_metadata(), 20)
        producer.commit_transaction(20)
    finally:
        group.close()

    reader = confluent_kafka.Consumer(confluent(running, "admin", **{"group.id": "audit", "isolation.level": "read_committed",
                                                                     "auto.offset.reset": "earliest"}))
    try:
        reader.assign([TopicPartition("beans", 0, 0)])
        values = []
        for _ in range(60):
            msg = reader.poll(0.5)
            if msg is not None and not msg.error():
                values.append(msg.value())
            if len(values) == 2:
                break
        assert values == [b"espresso", b"doppio"]  # what was refused or aborted never became visible
    finally:
        reader.close()
    listed = kcli("consumer-groups", "--bootstrap-server", running.bootstrap, "--command-config", admin_props, "--describe",
                  "--group", "roasters")
    assert any(line.split()[:4] == ["roasters", "beans", "0", "1"] for line in listed.stdout.splitlines()), listed


@pytest.mark.parametrize("api_key,versions", [(22, range(0, 6)), (24, range(0, 4)), (25, range(0, 5)), (26, range(0, 5)),
                                              (28, range(0, 5)), (0, range(3, 9))])
def test_each_transaction_api_refuses_a_transactional_id_without_write(acl_broker, api_key, versions):
    _allow(acl_broker, ResourceType.TRANSACTIONAL_ID, "fuzz-tx", ACLOperation.DESCRIBE, "User:mallory")  # DESCRIBE is not WRITE
    _allow(acl_broker, ResourceType.TOPIC, "fuzz", ACLOperation.ALL, "User:mallory")
    _allow(acl_broker, ResourceType.GROUP, "fuzz-group", ACLOperation.ALL, "User:mallory")
    with _sasl_socket(acl_broker, "mallory") as sock:
        for version in versions:
            if api_key == 22:
                request = sample(22, version)
                request.transactional_id = "fuzz-tx"
            elif api_key == 0:
                request = sample(0, version, records=transactional_batch())
                request.transactional_id = "fuzz-tx"
            else:
                request = sample(api_key, version)
            assert _codes(exchange(sock, request)) == {TXN_AUTH}, (api_key, version)


def test_a_transactional_batch_without_a_transactional_id_is_refused(acl_broker):
    _allow(acl_broker, ResourceType.TOPIC, "fuzz", ACLOperation.ALL)
    with _sasl_socket(acl_broker, "alice") as sock:
        request = sample(0, 8, records=transactional_batch())
        request.transactional_id = None
        assert _codes(exchange(sock, request)) == {TXN_AUTH}
        assert _codes(exchange(sock, sample(0, 8))) == {0}  # a plain batch only needs WRITE on the topic


def test_group_read_is_checked_after_the_transactional_id(acl_broker):
    _allow(acl_broker, ResourceType.TRANSACTIONAL_ID, "fuzz-tx", ACLOperation.WRITE)
    _allow(acl_broker, ResourceType.TOPIC, "fuzz", ACLOperation.ALL)
    with _sasl_socket(acl_broker, "alice") as sock:
        for version in range(0, 5):
            assert _codes(exchange(sock, sample(25, version))) == {GROUP_AUTH}
            assert _codes(exchange(sock, sample(28, version))) == {GROUP_AUTH}
        _allow(acl_broker, ResourceType.GROUP, "fuzz-group", ACLOperation.READ)
        # authorized now, so the coordinator answers: producer id 1 has no transaction
        assert _codes(exchange(sock, sample(25, 4))) == {ErrorCode.INVALID_PRODUCER_ID_MAPPING}
        assert _codes(exchange(sock, sample(28, 4))) == {ErrorCode.INVALID_PRODUCER_ID_MAPPING}


def test_add_partitions_refuses_topics_without_write_and_internal_topics(acl_broker):
    from kafka.protocol.producer.transaction import AddPartitionsToTxnRequest

    _allow(acl_broker, ResourceType.TRANSACTIONAL_ID, "fuzz-tx", ACLOperation.WRITE)
    _allow(acl_broker, ResourceType.TOPIC, "beans", ACLOperation.WRITE)
    T = AddPartitionsToTxnRequest.AddPartitionsToTxnTopic
    with _sasl_socket(acl_broker, "alice") as sock:
        for version in range(0, 4):
            request = AddPartitionsToTxnRequest(
                version=version, v3_and_below_transactional_id="fuzz-tx", v3_and_below_producer_id=1, v3_and_below_producer_epoch=0,
                v3_and_below_topics=[T(name="beans", partitions=[0]), T(name="tea", partitions=[0]),
                                     T(name="__consumer_offsets", partitions=[0])])
            results = {(t.name, p.partition_index): p.partition_error_code
                       for t in exchange(sock, request).results_by_topic_v3_and_below for p in t.results_by_partition}
            assert results == {("beans", 0): ErrorCode.OPERATION_NOT_ATTEMPTED, ("tea", 0): TOPIC_AUTH,
                               ("__consumer_offsets", 0): TOPIC_AUTH}, version


def test_find_coordinator_needs_describe_on_each_key(acl_broker):
    from kafka.protocol.metadata import FindCoordinatorRequest

    _allow(acl_broker, ResourceType.TRANSACTIONAL_ID, "mine", ACLOperation.DESCRIBE)
    _allow(acl_broker, ResourceType.GROUP, "my-group", ACLOperation.DESCRIBE)
    with _sasl_socket(acl_broker, "alice") as sock:
        for version in range(1, 4):
            mine = exchange(sock, FindCoordinatorRequest(version=version, key="mine", key_type=1))
            theirs = exchange(sock, FindCoordinatorRequest(version=version, key="theirs", key_type=1))
            assert (mine.error_code, theirs.error_code, theirs.node_id) == (0, TXN_AUTH, -1)
            assert theirs.error_message == "Transactional Id authorization failed."
        answer = exchange(sock, FindCoordinatorRequest(version=4, key_type=1, coordinator_keys=["mine", "theirs"]))
        assert [(c.key, c.error_code) for c in answer.coordinators] == [("mine", 0), ("theirs", TXN_AUTH)]
        answer = exchange(sock, FindCoordinatorRequest(version=4, key_type=0, coordinator_keys=["my-group", "other-group"]))
        assert [(c.key, c.error_code) for c in answer.coordinators] == [("my-group", 0), ("other-group", GROUP_AUTH)]


def test_describe_and_list_transactions_show_only_what_the_principal_may_describe(acl_broker, tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    from kafka.protocol.admin.transactions import DescribeTransactionsRequest, ListTransactionsRequest

    running = acl_broker
    producers = []
    for tid, topic in (("roastery", "beans"), ("teahouse", "tea")):
        producer = confluent_kafka.Producer(confluent(running, "admin", **{"transactional.id": tid}))
        producer.init_transactions(20)
        producer.begin_transaction()
        producer.produce(topic, b"x")
        producer.produce("fuzz", b"y", partition=0)
        assert producer.flush(20) == 0
        producers.append(producer)
    _allow(running, ResourceType.TRANSACTIONAL_ID, "roastery", ACLOperation.DESCRIBE)
    _allow(running, ResourceType.TOPIC, "beans", ACLOperation.DESCRIBE)  # not fuzz
    try:
        with _sasl_socket(running, "alice") as sock:
            listed = exchange(sock, ListTransactionsRequest(version=1, state_filters=[], producer_id_filters=[], duration_filter=-1))
            assert [s.transactional_id for s in listed.transaction_states] == ["roastery"]
            described = exchange(sock, DescribeTransactionsRequest(version=0, transactional_ids=["roastery", "teahouse"]))
            mine, theirs = described.transaction_states
            assert (mine.error_code, mine.transaction_state, [(t.topic, t.partitions) for t in mine.topics]) == (0, "Ongoing", [("beans", [0])])
            assert theirs.error_code == TXN_AUTH
        alice = properties(tmp_path / "alice.properties", "alice")
        table = kcli("transactions", "--bootstrap-server", running.bootstrap, "--command-config", alice, "list")
        assert table.returncode == 0, table.stderr
        assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == ["roastery"]
    finally:
        for producer in producers:
            producer.abort_transaction(20)


def test_an_idempotent_producer_needs_idempotent_write_or_write_on_some_topic(acl_broker):
    with _sasl_socket(acl_broker, "mallory") as sock:
        for version in range(0, 6):
            assert exchange(sock, sample(22, version)).error_code == CLUSTER_AUTH
        _allow(acl_broker, ResourceType.TOPIC, "beans", ACLOperation.READ, "User:mallory")  # READ is not WRITE
        assert exchange(sock, sample(22, 4)).error_code == CLUSTER_AUTH
        _allow(acl_broker, ResourceType.TOPIC, "tea", ACLOperation.WRITE, "User:mallory")  # KIP-679: WRITE on any topic will do
        assert exchange(sock, sample(22, 4)).error_code == 0
    with _sasl_socket(acl_broker, "alice") as sock:
        assert exchange(sock, sample(22, 4)).error_code == CLUSTER_AUTH
        _allow(acl_broker, ResourceType.CLUSTER, "kafka-cluster", ACLOperation.IDEMPOTENT_WRITE)
        answer = exchange(sock, sample(22, 4))
        assert answer.error_code == 0 and answer.producer_id >= 0


def test_describe_producers_needs_read_on_the_topic_and_write_txn_markers_the_cluster(acl_broker):
    from kafka.protocol.admin.transactions import DescribeProducersRequest

    _allow(acl_broker, ResourceType.TOPIC, "beans", ACLOperation.READ)
    _allow(acl_broker, ResourceType.TOPIC, "tea", ACLOperation.DESCRIBE)  # DESCRIBE is not READ
    T = DescribeProducersRequest.TopicRequest
    with _sasl_socket(acl_broker, "alice") as sock:
        answer = exchange(sock, DescribeProducersRequest(version=0, topics=[T(name="beans", partition_indexes=[0]),
                                                                            T(name="tea", partition_indexes=[0]),
                                                                            T(name="absent", partition_indexes=[0])]))
        assert [(t.name, p.error_code, p.error_message) for t in answer.topics for p in t.partitions] == [
            ("beans", 0, None), ("tea", TOPIC_AUTH, "Topic authorization failed."), ("absent", TOPIC_AUTH, "Topic authorization failed.")]
        for version in range(0, 2):
            assert _codes(exchange(sock, sample(27, version))) == {CLUSTER_AUTH}
        _allow(acl_broker, ResourceType.CLUSTER, "kafka-cluster", ACLOperation.CLUSTER_ACTION)
        assert CLUSTER_AUTH not in _codes(exchange(sock, sample(27, 1)))


def test_add_partitions_refuses_an_internal_topic_without_an_authorizer_too(broker):
    from kafka.protocol.producer.transaction import AddPartitionsToTxnRequest

    T = AddPartitionsToTxnRequest.AddPartitionsToTxnTopic
    host, port = broker.bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        request = AddPartitionsToTxnRequest(
            version=3, v3_and_below_transactional_id="t", v3_and_below_producer_id=1, v3_and_below_producer_epoch=0,
            v3_and_below_topics=[T(name="__consumer_offsets", partitions=[0]), T(name="__transaction_state", partitions=[0])])
        answer = exchange(sock, request)
        assert [(t.name, p.partition_error_code) for t in answer.results_by_topic_v3_and_below for p in t.results_by_partition] == [
            ("__consumer_offsets", TOPIC_AUTH), ("__transaction_state", TOPIC_AUTH)]  # KafkaApis never authorizes internal topics
