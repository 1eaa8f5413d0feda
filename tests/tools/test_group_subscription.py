"""group_subscription.subscribe against a real broker with kafka-python 3.0.12, polling with 1 ms timeouts.

Such short polls make every JoinGroup outlast the poll() that sent it: with a bare
``consumer.subscribe`` the rejoin that follows a metadata change then loses its
assignment every time (10 runs in 10), which is the 1-in-6 failure of longer polls made certain.
"""

from __future__ import annotations

import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewPartitions, NewTopic

from kcli.tools.group_subscription import subscribe

# A pattern subscriber asks for fresh metadata before each join and gives up on the poll() when it does not
# come in the poll's timeout (kafka-python's ConsumerCoordinator.poll): its polls must outlast a Metadata round
# trip, yet stay short enough that the JoinGroup that follows outlasts them (a bare subscribe: 3 failures in 3).
POLL_MS = 20


def _poll_until(consumer, wanted: set, within_s: float, timeout_ms: int = 1) -> set:
    deadline = time.monotonic() + within_s
    while consumer.assignment() != wanted and time.monotonic() < deadline:
        consumer.poll(timeout_ms=timeout_ms)
    return consumer.assignment()


def _keep_polling(consumer, for_s: float, timeout_ms: int = 1) -> set:
    """Poll on through any rebalance the metadata that comes next starts; the assignment at the end."""
    until = time.monotonic() + for_s
    while time.monotonic() < until:
        consumer.poll(timeout_ms=timeout_ms)
    return consumer.assignment()


def test_a_consumer_subscribing_right_after_its_topic_is_created_gets_and_keeps_its_partitions(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    outcomes = []
    try:
        until = time.monotonic() + 3
        i = 0
        while time.monotonic() < until or i < 3:
            topic = f"fresh-{i}"
            admin.create_topics([NewTopic(topic, 2, 1)])
            consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=f"g-{i}")
            try:
                subscribe(consumer, [topic])
                wanted = {TopicPartition(topic, 0), TopicPartition(topic, 1)}
                _poll_until(consumer, wanted, within_s=5)
                outcomes.append(_keep_polling(consumer, 0.3) == wanted)
            finally:
                consumer.close()
            i += 1
    finally:
        admin.close()
    assert outcomes.count(False) == 0, f"{outcomes.count(False)} of {len(outcomes)} consumers were left without partitions"


def test_the_leader_takes_partitions_added_while_it_polls(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("growing", 1, 1)])
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="g", metadata_max_age_ms=200)
    try:
        subscribe(consumer, ["growing"])
        assert _poll_until(consumer, {TopicPartition("growing", 0)}, within_s=5) == {TopicPartition("growing", 0)}
        admin.create_partitions({"growing": NewPartitions(3)})
        wanted = {TopicPartition("growing", p) for p in range(3)}
        # the new partitions come with a metadata refresh; the rejoin they trigger must not lose them
        assert _poll_until(consumer, wanted, within_s=5) == wanted
        assert _keep_polling(consumer, 0.5) == wanted
    finally:
        consumer.close()
        admin.close()


def test_a_pattern_subscriber_takes_a_matching_topic_created_after_it_joined(broker):
    # console-consumer --include: the new topic changes the subscription, and that rejoin must keep its result
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("orders-eu", 1, 1)])
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="g", metadata_max_age_ms=200)
    try:
        subscribe(consumer, pattern="orders-.*")
        assert _poll_until(consumer, {TopicPartition("orders-eu", 0)}, within_s=5, timeout_ms=POLL_MS) == {TopicPartition("orders-eu", 0)}
        admin.create_topics([NewTopic("orders-us", 1, 1)])
        wanted = {TopicPartition("orders-eu", 0), TopicPartition("orders-us", 0)}
        # the subscription changes with the next metadata; the rejoin it triggers must not lose the assignment
        assert _poll_until(consumer, wanted, within_s=5, timeout_ms=POLL_MS) == wanted
        assert _keep_polling(consumer, 0.5, POLL_MS) == wanted
    finally:
        consumer.close()
        admin.close()
