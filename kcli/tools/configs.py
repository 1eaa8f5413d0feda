"""kafka-configs (ConfigCommand) for topics and brokers: describe dynamic or all configs, alter them incrementally.

Describing asks DescribeConfigs with synonyms and keeps, unless ``--all``, the
entries whose source is the entity's dynamic one (DYNAMIC_TOPIC_CONFIG, or for
a broker DYNAMIC_BROKER_CONFIG, or for ``--entity-default``
DYNAMIC_DEFAULT_BROKER_CONFIG), sorted by name, as Kafka 3.x does. Altering
checks that every ``--delete-config`` key is set (``Invalid config(s): …``),
then sends one IncrementalAlterConfigs with DELETE and SET operations.
Requests go out through kafka-python's admin client; broker resources go to
the broker they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

TOPICS, BROKERS = "topics", "brokers"
_RESOURCE_TYPE = {TOPICS: 2, BROKERS: 4}
_DYNAMIC_SOURCE = {TOPICS: 1, BROKERS: 2}  # DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG; the brokers' default: 3
_SOURCES = {0: "UNKNOWN", 1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
            4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG",
            7: "CLIENT_METRICS_CONFIG", 8: "GROUP_CONFIG"}
_SPLIT_OUTSIDE_BRACKETS = r"(?=[^\]]*(?:\[|$))"  # ConfigCommand.parseConfigsToBeAdded
_SET, _DELETE = 0, 1


class BrokerError(ToolError):
    """The broker refused the request; Kafka's tool reports it under "Error while executing config command"."""


@dataclass(frozen=True)
class ConfigEntry:
    name: str
    value: str | None
    sensitive: bool
    synonyms: list[tuple[str, str, str | None]]  # (source name, config name, value)


@dataclass(frozen=True)
class EntityConfigs:
    entity_type: str  # topics or brokers
    name: str  # "" for the brokers' cluster default
    all: bool
    entries: list[ConfigEntry] = field(default_factory=list)


def parse_add_config(text: str) -> dict[str, str]:
    """``k1=v1,k2=[a,b]``: split on commas outside brackets, then on ``=``; brackets dropped from values."""
    out = {}
    for item in re.split("," + _SPLIT_OUTSIDE_BRACKETS, text):
        pair = re.split(r"\s*=\s*" + _SPLIT_OUTSIDE_BRACKETS, item)
        if len(pair) != 2:
            raise ToolError('Invalid entity config: all configs to be added must be in the format "key=val" or  '
                            '"key=[val1,val2]" to group values which contain commas.')  # sic: Kafka's two spaces
        key, value = pair[0].strip(), re.sub(r"\[?\]?", "", pair[1]).strip()
        if not re.fullmatch(r"[a-zA-Z0-9._-]*", key):
            raise ToolError(f"Invalid character found for config key: {key}")
        out[key] = value
    return out


def _request(admin, request, node_id: int | None = None):
    """Send one request (to ``node_id`` or the least loaded broker) and return its response."""

    async def call():
        return await admin._manager.send(request, node_id=node_id)

    return admin._manager.run(call)


def _broker_node(entity_type: str, name: str) -> int | None:
    return int(name) if entity_type == BROKERS and name else None


def _describe_one(admin, entity_type: str, name: str, include_synonyms: bool = True) -> list:
    from kafka.errors import for_code
    from kafka.protocol.admin import DescribeConfigsRequest

    request = DescribeConfigsRequest(resources=[(_RESOURCE_TYPE[entity_type], name, None)], include_synonyms=include_synonyms, min_version=1)
    result = _request(admin, request, _broker_node(entity_type, name)).results[0]
    if result.error_code:
        error = for_code(result.error_code)
        raise BrokerError(f"{_java_name(error)}: {result.error_message or error.description}")
    return result.configs


_JAVA_NAMES = {"INVALID_CONFIG": "InvalidConfigurationException", "POLICY_VIOLATION": "PolicyViolationException",
               "TOPIC_AUTHORIZATION_FAILED": "TopicAuthorizationException", "CLUSTER_AUTHORIZATION_FAILED": "ClusterAuthorizationException"}


def _java_name(error) -> str:
    """The Java exception Kafka's client raises for an error code (Errors.java), e.g. InvalidRequestException."""
    code = getattr(error, "message", error.__name__)
    name = _JAVA_NAMES.get(code) or "".join(w.capitalize() for w in code.split("_")) + "Exception"
    return "org.apache.kafka.common.errors." + name


def _validate_name(entity_type: str, name: str) -> None:
    if entity_type == BROKERS and name:
        try:
            int(name)
        except ValueError:
            raise ToolError(f"The entity name for {entity_type} must be a valid integer broker id, found: {name}") from None


def describe(bootstrap: str, entity_type: str, name: str | None, describe_all: bool = False,
             settings: ClientSettings | None = None) -> list[EntityConfigs]:
    """What ``--describe`` prints, entity by entity; no name means every topic, or every broker then the default."""
    with admin_client(bootstrap, "describeConfigs", settings) as admin:
        if name is not None:
            names = [name]
        elif entity_type == TOPICS:
            names = list(admin.list_topics())
        else:
            names = [str(b["broker_id"]) for b in admin.describe_cluster()["brokers"]] + [""]
        out = []
        for entity in names:
            _validate_name(entity_type, entity)
            wanted = None if describe_all else (3 if entity_type == BROKERS and entity == "" else _DYNAMIC_SOURCE[entity_type])
            entries = sorted(
                (ConfigEntry(c.name, c.value, bool(c.is_sensitive),
                             [(_SOURCES.get(s.source, str(s.source)), s.name, s.value) for s in (c.synonyms or [])])
                 for c in _describe_one(admin, entity_type, entity) if wanted is None or c.config_source == wanted),
                key=lambda e: e.name,
            )
            out.append(EntityConfigs(entity_type, entity, describe_all, entries))
    return out


def alter(bootstrap: str, entity_type: str, name: str, add: dict[str, str], delete: list[str],
          settings: ClientSettings | None = None) -> None:
    from kafka.errors import for_code
    from kafka.protocol.admin import IncrementalAlterConfigsRequest

    _validate_name(entity_type, name)
    with admin_client(bootstrap, "incrementalAlterConfigs", settings) as admin:
        dynamic = 3 if entity_type == BROKERS and name == "" else _DYNAMIC_SOURCE[entity_type]
        current = {c.name for c in _describe_one(admin, entity_type, name, include_synonyms=False) if c.config_source == dynamic}
        invalid = [k for k in delete if k not in current]
        if invalid:
            raise ToolError(f"Invalid config(s): {','.join(invalid)}")
        ops = [(k, _DELETE, "") for k in delete] + [(k, _SET, v) for k, v in add.items()]
        request = IncrementalAlterConfigsRequest(resources=[(_RESOURCE_TYPE[entity_type], name, ops)], validate_only=False)
        result = _request(admin, request, _broker_node(entity_type, name)).responses[0]
    if result.error_code:
        error = for_code(result.error_code)
        raise BrokerError(f"{_java_name(error)}: {result.error_message or error.description}")
