"""Java's ``String.hashCode``, which Kafka (group → ``__consumer_offsets`` partition) and Spring Cloud
Stream (partition key → partition) both use to place things, so a Python peer must compute it exactly:
``s[0]*31^(n-1) + … + s[n-1]`` over UTF-16 code units, with 32-bit signed overflow."""

from __future__ import annotations


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` (over UTF-16 code units, 32-bit overflow)."""
    h = 0
    data = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h
