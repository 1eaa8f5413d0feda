"""Admin connections for the tools: kafka-python's KafkaAdminClient with bounded waits.

A broker that cannot be reached is reported the way Kafka's tools report it
(``Timed out waiting for a node assignment. Call: createTopics``), after
``default.api.timeout.ms`` — 15 s unless ``--command-config`` sets it, not
Kafka's 60 s. Before kafka-python's client is built, a bootstrap server must
accept a connection (tools/bootstrap.py), so a refused one is reported at once.
"""

from __future__ import annotations

import contextlib
import logging

from kcli.tools import authentication, bootstrap as bootstrap_servers
from kcli.tools.client_config import ClientSettings, to_kafka_python
from kcli.tools.errors import ToolError

DEFAULT_TIMEOUT_MS = 15_000


def admin_settings(props: dict[str, str]) -> ClientSettings:
    """Admin client settings from Kafka properties (``--command-config``); ``default.api.timeout.ms`` bounds every wait."""
    from kafka import KafkaAdminClient

    props = dict(props)
    props.pop("bootstrap.servers", None)
    timeout = props.pop("default.api.timeout.ms", None)
    settings = to_kafka_python(props, KafkaAdminClient)
    if timeout is not None:
        timeout_ms = to_kafka_python({"request.timeout.ms": timeout}, KafkaAdminClient).kwargs["request_timeout_ms"]
        settings.kwargs.update(request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms)
    return settings


@contextlib.contextmanager
def admin_client(bootstrap: str, call: str, settings: ClientSettings | None = None):
    """A connected KafkaAdminClient; raises ToolError naming ``call`` when the cluster is unreachable."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    kwargs: dict = {"client_id": "kcli-admin", "request_timeout_ms": DEFAULT_TIMEOUT_MS, "bootstrap_timeout_ms": DEFAULT_TIMEOUT_MS}
    kwargs.update(settings.kwargs if settings else {})
    timed_out = ToolError(f"Timed out waiting for a node assignment. Call: {call}")
    try:
        kwargs["bootstrap_timeout_ms"] = bootstrap_servers.wait_for_broker(
            bootstrap, int(kwargs["bootstrap_timeout_ms"]),
            settings.on_refused if settings else None, settings.on_unresolved if settings else None)
    except bootstrap_servers.BrokerNotAvailable:
        raise timed_out from None
    with authentication.watch() as failures:
        try:
            client = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), **kwargs)
        except (KafkaTimeoutError, KafkaConnectionError):
            raise _failed(failures) or timed_out from None
        try:
            yield client
        except (KafkaTimeoutError, KafkaConnectionError):
            raise _failed(failures) or timed_out from None
        finally:
            client.close()


def _failed(failures) -> ToolError | None:
    """The authentication failure that kept the client from the cluster, if that is what happened."""
    message = failures.message()
    return ToolError(message) if message else None
