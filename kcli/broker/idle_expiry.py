"""Idle connection expiry: ``connections.max.idle.ms`` (Kafka's Selector.IdleExpiryManager).

A connection is idle from the moment it is accepted or its last response is
written until its next request has been read; while a request is in progress
(a Fetch long-poll, a JoinGroup waiting for the rebalance) it is not idle.
A connection idle for longer than ``connections.max.idle.ms`` is closed by
the broker; a negative value turns expiry off, as in Kafka. The decision is
this pure function of ``now``; the server runs it in one periodic sweep.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def expired(idle_since_ms: Mapping[K, int], now_ms: int, max_idle_ms: int) -> tuple[list[K], int]:
    """The connections idle for longer than ``max_idle_ms`` at ``now_ms``, and when to look again: the
    moment the longest idle of the others would expire (``now_ms + max_idle_ms`` + 1 when none is idle)."""
    due = [key for key, since in idle_since_ms.items() if now_ms - since > max_idle_ms]
    oldest = min((since for since in idle_since_ms.values() if now_ms - since <= max_idle_ms), default=now_ms)
    return due, oldest + max_idle_ms + 1
