"""kafka-topics operations: create, list, describe, alter (partitions), delete.

Each returns data or raises ToolError with the message Kafka's TopicCommand
prints after ``Error while executing topic command : ``. They talk to any
Kafka-compatible cluster through kafka-python's admin client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

INTERNAL_TOPICS = ("__consumer_offsets", "__transaction_state")
MAX_NAME_LENGTH = 249
_LEGAL_NAME = re.compile(r"[a-zA-Z0-9._-]+")


def validate_name(name: str) -> str:
    """``name`` if Kafka accepts it as a topic name, else ToolError with Kafka's reason (its ``Topic.validate``)."""
    if not name:
        reason = "the empty string is not allowed"
    elif name in (".", ".."):
        reason = f"'{name}' is not allowed"
    elif len(name) > MAX_NAME_LENGTH:
        reason = f"the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}"
    elif not _LEGAL_NAME.fullmatch(name):
        reason = f"'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
    else:
        return name
    raise ToolError(f"Topic name is invalid: {reason}")


def compile_pattern(pattern: str) -> re.Pattern:
    """A topic regular expression (``--topic`` of list/describe/alter/delete, ``--include``); ToolError if it is not one."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ToolError(f"Invalid regular expression '{pattern}': {exc}") from None


@dataclass(frozen=True)
class PartitionInfo:
    topic: str
    partition: int
    leader: int | None
    replicas: list[int]
    isr: list[int]


@dataclass(frozen=True)
class TopicDescription:
    name: str
    topic_id: str | None
    partition_count: int
    replication_factor: int
    configs: list[tuple[str, str]]  # non-default configs, as Kafka lists them
    partitions: list[PartitionInfo] = field(default_factory=list)


def _error_message(code: int, message: str | None) -> str:
    """The broker's message, else the description Kafka gives the error code."""
    from kafka.errors import for_code

    return message or for_code(code).description or for_code(code).__name__


def create(bootstrap: str, topic: str, partitions: int | None, replication_factor: int | None,
           configs: dict[str, str], if_not_exists: bool = False, settings: ClientSettings | None = None) -> bool:
    """Create ``topic``; False when it existed and ``if_not_exists`` was given."""
    if partitions is not None and partitions < 1:
        raise ToolError("The partitions must be greater than 0")
    if replication_factor is not None and not 1 <= replication_factor <= 32767:
        raise ToolError("The replication factor must be between 1 and 32767 inclusive")
    with admin_client(bootstrap, "createTopics", settings) as admin:
        if partitions is None or replication_factor is None:
            defaults = _broker_defaults(admin)
            partitions = partitions or int(defaults.get("num.partitions", 1))
            replication_factor = replication_factor or int(defaults.get("default.replication.factor", 1))
        spec = {"num_partitions": partitions, "replication_factor": replication_factor, "configs": configs}
        result = admin.create_topics({topic: spec}, raise_errors=False)["topics"][0]
    code = result["error_code"]
    if code == 36 and if_not_exists:
        return False
    if code != 0:
        raise ToolError(_error_message(code, result.get("error_message")))
    return True


def _broker_defaults(admin) -> dict[str, str]:
    from kafka.admin import ConfigResource, ConfigResourceType

    try:
        node = admin.describe_cluster()["brokers"][0]["broker_id"]
        result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(node), {"num.partitions": None, "default.replication.factor": None})], config_filter="all")
    except Exception:  # an old or restricted cluster: fall back to Kafka's defaults
        return {}
    values = next(iter(result.get("broker", {}).values()), {})
    return {k: v["value"] for k, v in values.items()}


def list_topics(bootstrap: str, topic: str | None = None, exclude_internal: bool = False, settings: ClientSettings | None = None) -> list[str]:
    with admin_client(bootstrap, "listTopics", settings) as admin:
        names = admin.list_topics()
    return _select(names, topic, exclude_internal)


def _select(names, pattern: str | None, exclude_internal: bool) -> list[str]:
    names = sorted(names)
    if exclude_internal:
        names = [n for n in names if n not in INTERNAL_TOPICS]
    if pattern:
        regex = compile_pattern(pattern)
        names = [n for n in names if regex.fullmatch(n)]
    return names


def describe(bootstrap: str, topic: str | None = None, exclude_internal: bool = False, if_exists: bool = False,
             settings: ClientSettings | None = None) -> list[TopicDescription]:
    from kafka.admin import ConfigResource, ConfigResourceType

    with admin_client(bootstrap, "describeTopics", settings) as admin:
        names = _select(admin.list_topics(), topic, exclude_internal)
        _ensure_exists(names, topic, if_exists)
        if not names:
            return []
        metadata = {t["name"]: t for t in admin.describe_topics(names)}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names], config_filter="all")
    out = []
    for name in names:
        meta = metadata[name]
        parts = sorted(meta["partitions"], key=lambda p: p["partition_index"])
        entries = configs.get("topic", {}).get(name, {})
        non_default = sorted((k, v["value"]) for k, v in entries.items() if v.get("config_source") not in ("DEFAULT_CONFIG", 5) and v["value"] is not None)
        topic_id = meta.get("topic_id")
        out.append(TopicDescription(
            name=name,
            topic_id=_topic_id_text(topic_id),
            partition_count=len(parts),
            replication_factor=len(parts[0]["replica_nodes"]) if parts else 0,
            configs=non_default,
            partitions=[PartitionInfo(name, p["partition_index"], p["leader_id"] if p["leader_id"] >= 0 else None, p["replica_nodes"], p["isr_nodes"]) for p in parts],
        ))
    return out


def _topic_id_text(topic_id) -> str | None:
    """Kafka prints topic ids in URL-safe base64 without padding; an all-zero id is not printed."""
    import base64
    import uuid

    if topic_id is None:
        return None
    value = topic_id if isinstance(topic_id, uuid.UUID) else uuid.UUID(str(topic_id))
    if value.int == 0:
        return None
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def _ensure_exists(names: list[str], topic: str | None, if_exists: bool) -> None:
    if topic and not names and not if_exists:
        raise ToolError(f"Topic '{topic}' does not exist as expected")


def alter_partitions(bootstrap: str, topic: str, partitions: int, if_exists: bool = False, settings: ClientSettings | None = None) -> None:
    from kafka.admin import NewPartitions

    with admin_client(bootstrap, "createPartitions", settings) as admin:
        names = _select(admin.list_topics(), topic, False)
        _ensure_exists(names, topic, if_exists)
        for name in names:
            response = admin.create_partitions({name: NewPartitions(partitions)}, raise_errors=False)
            for result in response.results:
                if result.error_code != 0:
                    raise ToolError(_error_message(result.error_code, result.error_message))


def delete(bootstrap: str, topic: str, if_exists: bool = False, settings: ClientSettings | None = None) -> list[str]:
    with admin_client(bootstrap, "deleteTopics", settings) as admin:
        names = _select(admin.list_topics(), topic, False)
        _ensure_exists(names, topic, if_exists)
        internal = [n for n in names if n in INTERNAL_TOPICS]
        if internal:
            raise ToolError(f"Topic {internal[0]} is a kafka internal topic and is not allowed to be marked for deletion.")
        if names:
            result = admin.delete_topics(names, raise_errors=False)
            for r in result.get("topics", []):
                if r.get("error_code"):
                    raise ToolError(_error_message(r["error_code"], r.get("error_message")))
    return names
