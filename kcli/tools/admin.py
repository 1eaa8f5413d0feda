"""Admin connections for the tools: kafka-python's KafkaAdminClient with bounded waits.

A broker that cannot be reached is reported the way Kafka's tools report it
(``Timed out waiting for a node assignment. Call: createTopics``), within
``timeout_ms`` rather than Kafka's 60 s.
"""

from __future__ import annotations

import contextlib
import logging

from kcli.tools.errors import ToolError

DEFAULT_TIMEOUT_MS = 15_000


def _quiet_kafka_logs() -> None:
    logging.getLogger("kafka").setLevel(logging.CRITICAL)


@contextlib.contextmanager
def admin_client(bootstrap: str, call: str, props: dict | None = None, timeout_ms: int = DEFAULT_TIMEOUT_MS):
    """A connected KafkaAdminClient; raises ToolError naming ``call`` when the cluster is unreachable."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaTimeoutError

    _quiet_kafka_logs()
    kwargs = {"client_id": "kcli-admin", "request_timeout_ms": timeout_ms, "bootstrap_timeout_ms": timeout_ms}
    kwargs.update(props or {})
    try:
        client = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), **_accepted(KafkaAdminClient, kwargs))
    except KafkaTimeoutError:
        raise ToolError(f"Timed out waiting for a node assignment. Call: {call}") from None
    try:
        yield client
    except KafkaTimeoutError:
        raise ToolError(f"Timed out waiting for a node assignment. Call: {call}") from None
    finally:
        client.close()


def _accepted(client_class, kwargs: dict) -> dict:
    known = getattr(client_class, "DEFAULT_CONFIG", {})
    return {k: v for k, v in kwargs.items() if k in known}
