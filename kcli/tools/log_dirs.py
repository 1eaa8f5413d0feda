"""kafka-log-dirs (LogDirsCommand): the log directories of brokers, with each partition's size, over DescribeLogDirs.

``--topic-list`` filters the partitions shown (not the request, as Kafka's
tool does); ``--broker-list`` names brokers, all of the cluster's when absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError


@dataclass(frozen=True)
class ReplicaInfo:
    partition: str  # TopicPartition.toString: topic-N
    size: int
    offset_lag: int
    is_future: bool


@dataclass(frozen=True)
class LogDir:
    path: str
    error: str | None  # the Java exception class Kafka's admin client maps the error code to
    replicas: list[ReplicaInfo] = field(default_factory=list)


@dataclass(frozen=True)
class LogDirs:
    brokers: list[int]  # the brokers asked, as Kafka prints them after "Received log directory information from brokers"
    log_dirs: dict[int, list[LogDir]] = field(default_factory=dict)


def _ids(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def describe(bootstrap: str, topics: str = "", brokers: str = "", settings: ClientSettings | None = None) -> LogDirs:
    from kafka.errors import for_code
    from kafka.protocol.admin import DescribeLogDirsRequest

    topic_set = {t for t in topics.split(",") if t}
    with admin_client(bootstrap, "describeLogDirs", settings) as admin:
        cluster = sorted(b["broker_id"] for b in admin.describe_cluster()["brokers"])
        asked = sorted(set(_ids(brokers))) if brokers else cluster
        missing = [b for b in asked if b not in cluster]
        if missing:
            raise ToolError(f"ERROR: The given brokers do not exist from --broker-list: {','.join(map(str, missing))}. "
                            f"Current existent brokers: {','.join(map(str, cluster))}")
        out: dict[int, list[LogDir]] = {}
        for broker in asked:
            async def call(node=broker):
                return await admin._manager.send(DescribeLogDirsRequest(topics=None), node_id=node)

            response = admin._manager.run(call)
            dirs = []
            for result in response.results:
                error = None if result.error_code == 0 else _java_class(for_code(result.error_code))
                replicas = [
                    ReplicaInfo(f"{t.name}-{p.partition_index}", p.partition_size, p.offset_lag, p.is_future_key)
                    for t in result.topics if not topic_set or t.name in topic_set for p in t.partitions
                ]
                dirs.append(LogDir(result.log_dir, error, replicas))
            out[broker] = dirs
    return LogDirs(asked, out)


def _java_class(error) -> str:
    code = getattr(error, "message", error.__name__)
    return "org.apache.kafka.common.errors." + "".join(w.capitalize() for w in code.split("_")) + "Exception"
