"""Java's ``String.hashCode``, which both servers reproduce: Kafka places a consumer group in
``__consumer_offsets`` by it, and ZooKeeper's ``java.util.HashSet`` orders the paths it returns by it.

``s[0]*31^(n-1) + s[1]*31^(n-2) + ... + s[n-1]`` over the string's UTF-16 code units, in 32-bit
two's-complement arithmetic (so the result is a signed 32-bit int, as Java's).
"""

from __future__ import annotations


def string_hash(text: str) -> int:
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def topic_partition_hash(topic: str, partition: int) -> int:
    """``TopicPartition.hashCode``: ``31 * (31 + partition) + topic.hashCode()``, a signed 32-bit int."""
    return _int32(31 * (31 + partition) + string_hash(topic))


def hash_map_order(items, hash_of) -> list:
    """The order a ``java.util.HashMap`` filled with ``items`` (in this order, default capacity and load
    factor) iterates them: by bucket of the spread 32-bit hash, then by insertion. Kafka's tools print
    maps in this order, so kcli's output matches theirs line for line."""
    items = list(items)
    capacity = 16
    while len(items) > capacity * 3 // 4:
        capacity *= 2
    buckets = [((h & 0xFFFFFFFF) ^ ((h & 0xFFFFFFFF) >> 16)) & (capacity - 1) for h in map(hash_of, items)]
    return [item for _, _, item in sorted(zip(buckets, range(len(items)), items), key=lambda t: (t[0], t[1]))]


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
