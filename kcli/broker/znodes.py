"""The znodes a ZooKeeper-mode Kafka 3.x broker writes: their paths and their JSON (pure).

Layout (Kafka 3.x ``kafka.zk.ZkData``), one broker ``<id>`` that is also the controller::

    /cluster/id                                  {"version":"1","id":"<cluster id>"}   ("1" is a string)
    /brokers/ids/<id>                            ephemeral; listeners, host, port, version 5, features {}
    /controller                                  ephemeral {"version":2,"brokerid":<id>,"timestamp":"<ms>","kraftControllerEpoch":-1}
    /controller_epoch                            the controller epoch as ASCII digits
    /feature                                     {"features":{},"version":2,"status":1}
    /brokers/topics/<t>                          {"partitions":{"0":[<id>]},"topic_id":"<base64url>",
                                                  "adding_replicas":{},"removing_replicas":{},"version":3}
    /brokers/topics/<t>/partitions/<p>/state     {"controller_epoch":e,"leader":<id>,"version":1,"leader_epoch":0,"isr":[<id>]}
    /config/topics/<t>                           {"version":1,"config":{<topic overrides>}}
    /config/changes/config_change_<seq>          {"version":2,"entity_path":"topics/<t>"}  (after an alter)

Every other persistent path a broker creates at start-up (``PERSISTENT_PATHS``)
holds null data, as Kafka's ``createTopLevelPaths`` leaves them. JSON is compact;
key order follows what a real Kafka 3.x broker writes (Jackson over a HashMap).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field

CLUSTER_ID = "/cluster/id"
CONTROLLER = "/controller"
CONTROLLER_EPOCH = "/controller_epoch"
FEATURE = "/feature"
BROKER_IDS = "/brokers/ids"
TOPICS = "/brokers/topics"
TOPIC_CONFIGS = "/config/topics"
CONFIG_CHANGES = "/config/changes"
CONFIG_CHANGE_PREFIX = "config_change_"
CONFIG_CHANGE_EXPIRY_MS = 15 * 60 * 1000  # Kafka's ZkNodeChangeNotificationListener purges older ones

# Kafka 3.x ZkData.PersistentZkPaths, in the order a broker creates them (parents first here).
PERSISTENT_PATHS = (
    "/consumers", "/brokers", "/brokers/ids", "/brokers/topics", "/config", "/config/changes", "/admin",
    "/admin/delete_topics", "/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block",
    "/log_dir_event_notification", "/config/topics", "/config/clients", "/config/users", "/config/brokers",
    "/config/ips",
)


class ZooKeeperError(Exception):
    """ZooKeeper cannot be used; the message is one line naming the problem and the fix."""


@dataclass(frozen=True)
class TopicRecord:
    """What ZooKeeper holds about one topic, taken from the broker's catalog (or read back)."""

    name: str
    topic_id: uuid.UUID
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ZooKeeperConnect:
    """``zookeeper.connect`` split as Kafka reads it: ``host:port[,host:port...][/chroot]``."""

    hosts: str
    chroot: str  # "" for the root

    @classmethod
    def parse(cls, value: str) -> "ZooKeeperConnect":
        hosts, slash, chroot = value.strip().partition("/")
        chroot = ("/" + chroot.strip("/")) if slash and chroot.strip("/") else ""
        return cls(hosts, chroot)


def _json(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def kafka_uuid(value: uuid.UUID) -> str:
    """Kafka's ``Uuid.toString``: URL-safe base64 of the 16 bytes, no padding."""
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def parse_kafka_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


# -- cluster, broker, controller ------------------------------------------------


def cluster_id_json(cluster_id: str) -> bytes:
    return _json({"version": "1", "id": cluster_id})


def parse_cluster_id(data: bytes) -> str:
    return json.loads(data)["id"]


def broker_path(broker_id: int) -> str:
    return f"{BROKER_IDS}/{broker_id}"


def broker_json(listener_name: str, host: str, port: int, now_ms: int,
                endpoints: list[tuple[str, str, str, int]] | None = None) -> bytes:
    """``/brokers/ids/<id>`` v5: every listener's advertised endpoint and its security protocol
    (``endpoints`` as (name, protocol, host, port); one PLAINTEXT listener without them); ``host``/``port``
    repeat the PLAINTEXT endpoint for old clients, null and -1 without one (Kafka's BrokerIdZNode)."""
    endpoints = endpoints or [(listener_name, "PLAINTEXT", host, port)]
    plaintext = next(((h, p) for _, protocol, h, p in endpoints if protocol == "PLAINTEXT"), (None, -1))
    return _json({
        "features": {},
        "listener_security_protocol_map": {name: protocol for name, protocol, _, _ in endpoints},
        "endpoints": [f"{name}://{h}:{p}" for name, _, h, p in endpoints],
        "jmx_port": -1,
        "port": plaintext[1],
        "host": plaintext[0],
        "version": 5,
        "timestamp": str(now_ms),
    })


def controller_json(broker_id: int, now_ms: int) -> bytes:
    return _json({"version": 2, "brokerid": broker_id, "timestamp": str(now_ms), "kraftControllerEpoch": -1})


def parse_controller(data: bytes) -> int:
    return json.loads(data)["brokerid"]


def feature_json() -> bytes:
    return _json({"features": {}, "version": 2, "status": 1})


# -- topics ----------------------------------------------------------------------


def topic_path(name: str) -> str:
    return f"{TOPICS}/{name}"


def topic_config_path(name: str) -> str:
    return f"{TOPIC_CONFIGS}/{name}"


def partition_state_path(name: str, partition: int) -> str:
    return f"{TOPICS}/{name}/partitions/{partition}/state"


def topic_json(topic: TopicRecord, broker_id: int) -> bytes:
    return _json({
        "removing_replicas": {},
        "partitions": {str(p): [broker_id] for p in range(topic.partitions)},
        "topic_id": kafka_uuid(topic.topic_id),
        "adding_replicas": {},
        "version": 3,
    })


def partition_state_json(broker_id: int, controller_epoch: int, leader_epoch: int = 0) -> bytes:
    return _json({"controller_epoch": controller_epoch, "leader": broker_id, "version": 1, "leader_epoch": leader_epoch, "isr": [broker_id]})


def topic_config_json(configs: dict[str, str]) -> bytes:
    return _json({"version": 1, "config": dict(sorted(configs.items()))})


def config_change_json(topic: str) -> bytes:
    return _json({"version": 2, "entity_path": f"topics/{topic}"})


def parse_topic(name: str, assignment: bytes, config: bytes | None) -> TopicRecord | None:
    """A topic read back from ``/brokers/topics/<t>`` and ``/config/topics/<t>``; None when unusable."""
    try:
        body = json.loads(assignment)
        partitions = len(body["partitions"])
        topic_id = parse_kafka_uuid(body["topic_id"]) if body.get("topic_id") else uuid.uuid4()
        configs = json.loads(config).get("config", {}) if config else {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if partitions < 1:
        return None
    return TopicRecord(name, topic_id, partitions, {str(k): str(v) for k, v in configs.items()})


def topic_znodes(topic: TopicRecord, broker_id: int, controller_epoch: int) -> list[tuple[str, bytes | None]]:
    """Every znode of a topic with its data, parents before children (null data for the parents)."""
    nodes: list[tuple[str, bytes | None]] = [
        (topic_config_path(topic.name), topic_config_json(topic.configs)),
        (topic_path(topic.name), topic_json(topic, broker_id)),
        (f"{topic_path(topic.name)}/partitions", None),
    ]
    for p in range(topic.partitions):
        nodes.append((f"{topic_path(topic.name)}/partitions/{p}", None))
        nodes.append((partition_state_path(topic.name, p), partition_state_json(broker_id, controller_epoch)))
    return nodes


def expired_config_changes(children: dict[str, int], now_ms: int) -> list[str]:
    """The ``config_change_*`` children (name → ctime ms) old enough to purge, as Kafka does."""
    return sorted(n for n, ctime in children.items() if n.startswith(CONFIG_CHANGE_PREFIX) and now_ms - ctime > CONFIG_CHANGE_EXPIRY_MS)
