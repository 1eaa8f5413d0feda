"""Subscribing a kafka-python consumer to a group so that it always gets its partitions.

kafka-python 3.0.12 can lose the assignment of a rejoin for good. Its
``join_group_async`` leaves a JoinGroup/SyncGroup in flight when a ``poll()``
timeout expires, meaning the next ``poll()`` to await it; but that next
``poll()`` first asks ``need_rejoin()``, and when the rejoin was called for only
by something the join itself records — the leader's metadata snapshot (set in
``_perform_assignment``) or the subscription (set when the JoinGroup is built) —
the answer is now False: the finished join is never read, its partitions are
never set, heartbeats stay off, and the member owns nothing while the group
believes it owns them. A consumer that subscribes right after its topic is
created hits it about once in six runs: its first JoinGroup goes out before its
metadata knows the topic, the leader assigns nothing, and the metadata that
arrives next triggers exactly such a rejoin. The broker's part is Kafka's: a
leader's JoinGroup in a stable group starts a rebalance and its SyncGroup gets
the new assignment back.

``subscribe`` here subscribes, counts a join still in flight as a reason to
rejoin (so the next ``poll()`` picks it up), and reads the cluster's metadata
before the first ``poll()``, so the first join already assigns the topics.
"""

from __future__ import annotations

from typing import Any, Sequence


def subscribe(consumer: Any, topics: Sequence[str] = (), pattern: str | None = None, listener: Any = None) -> None:
    """``consumer.subscribe(topics or pattern, listener)``, robust to kafka-python 3.0's lost rejoin."""
    _await_joins_in_flight(consumer)
    if pattern is not None:
        consumer.subscribe(pattern=pattern, listener=listener)
    else:
        consumer.subscribe(list(topics), listener=listener)
    consumer.topics()  # fresh metadata for the subscription: the first join's leader sees its partitions


def _await_joins_in_flight(consumer: Any) -> None:
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or not hasattr(coordinator, "_join_task"):
        return  # not the kafka-python 3.0 this works around
    need_rejoin = coordinator.need_rejoin

    def need_rejoin_or_join_in_flight() -> bool:
        return coordinator._join_task is not None or need_rejoin()

    coordinator.need_rejoin = need_rejoin_or_join_in_flight
