"""``kcli transactions`` (kafka-transactions) on a live transaction, against the kcli broker."""

from __future__ import annotations

import json

from tests.e2e.test_transactions import create, in_broker, open_transaction
from tests.processes import kcli


def run(broker, *args):
    result = kcli("transactions", "--bootstrap-server", broker.bootstrap, *args)
    assert result.returncode == 0, result.stderr
    return [line.split("\t")[:-1] for line in result.stdout.splitlines()]  # Kafka ends every cell with a tab


def test_list_describe_find_hanging_and_abort_a_live_transaction(broker):
    create(broker, ("cli", 1))
    producer = open_transaction(broker, "cli-tx", [("cli", 0, b"one"), ("cli", 0, b"two")])
    txn = in_broker(broker, lambda: broker.broker.state.txns.coordinator.transactions["cli-tx"])
    pid = str(txn.producer_id)

    listed = run(broker, "list")
    assert [c.strip() for c in listed[0]] == ["TransactionalId", "Coordinator", "ProducerId", "TransactionState"]
    assert [c.strip() for c in listed[1]] == ["cli-tx", "0", pid, "Ongoing"]
    assert len(set(map(len, listed[0]))) > 1 and all(len(a) == len(b) for a, b in zip(listed[0], listed[1]))  # padded columns

    described = [[c.strip() for c in row] for row in run(broker, "describe", "--transactional-id", "cli-tx")]
    assert described[0][0] == "CoordinatorId" and described[0][-1] == "TopicPartitions"
    assert described[1][:6] == ["0", "cli-tx", pid, "0", "Ongoing", "60000"] and described[1][-1] == "cli-0"

    producers = [[c.strip() for c in row] for row in run(broker, "describe-producers", "--topic", "cli", "--partition", "0")]
    assert producers[0] == ["ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp",
                            "CurrentTransactionStartOffset"]
    assert producers[1][:4] == [pid, "0", "-1", "1"] and producers[1][-1] == "0"

    # the coordinator still holds the partition: not hanging
    assert len(run(broker, "find-hanging", "--topic", "cli", "--max-transaction-timeout", "0")) == 1
    # a transaction the coordinator lost track of (its markers would never come) is hanging
    in_broker(broker, lambda: broker.broker.state.txns.coordinator.transactions["cli-tx"].partitions.clear())
    hanging = [[c.strip() for c in row] for row in run(broker, "find-hanging", "--topic", "cli", "--max-transaction-timeout", "0")]
    assert hanging[1][:6] == ["cli", "0", pid, "0", "-1", "0"]

    partition = broker.broker.catalog.partition("cli", 0)
    assert partition.last_stable_offset == 0
    assert run(broker, "abort", "--topic", "cli", "--partition", "0", "--start-offset", "0") == []
    assert partition.last_stable_offset == partition.log_end_offset == 3  # two records and the ABORT marker
    result = kcli("transactions", "--bootstrap-server", broker.bootstrap, "--output", "json", "describe-producers",
                  "--topic", "cli", "--partition", "0")
    assert json.loads(result.stdout)[0]["CurrentTransactionStartOffset"] == "None"
    del producer


def test_errors_are_one_line_in_kafkas_words(broker):
    result = kcli("transactions", "--bootstrap-server", broker.bootstrap, "find-hanging")
    assert (result.returncode, result.stderr.strip()) == (
        1, "The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search")
    result = kcli("transactions", "--bootstrap-server", broker.bootstrap, "abort", "--topic", "t", "--partition", "0")
    assert result.returncode == 1 and result.stderr.startswith("The transaction to abort must be identified either with --start-offset")
    result = kcli("transactions", "--bootstrap-server", broker.bootstrap, "describe", "--transactional-id", "nobody")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Failed to describe transaction state of transactional-id `nobody`: ")


def test_console_consumer_read_committed_hides_aborted_records(broker):
    from confluent_kafka import Producer

    create(broker, ("console", 1))
    producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "console-tx"})
    producer.init_transactions(20)
    for value, commit in ((b"kept", True), (b"aborted", False), (b"also kept", True)):
        producer.begin_transaction()
        producer.produce("console", value=value)
        assert producer.flush(20) == 0
        producer.commit_transaction(20) if commit else producer.abort_transaction(20)
    args = ("console-consumer", "--bootstrap-server", broker.bootstrap, "--topic", "console", "--from-beginning", "--timeout-ms", "3000")
    committed = kcli(*args, "--isolation-level", "read_committed")
    assert committed.stdout.splitlines() == ["kept", "also kept"], committed.stderr
    everything = kcli(*args)
    assert everything.stdout.splitlines() == ["kept", "aborted", "also kept"], everything.stderr
