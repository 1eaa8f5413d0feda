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
