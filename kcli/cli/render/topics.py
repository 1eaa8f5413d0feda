"""kafka-topics' and kafka-console-consumer's output: topics created, listed and described; records as they come."""

from __future__ import annotations

import sys

from kcli.cli.render.output import err, out


def created_topic(name: str) -> None:
    if "." in name or "_" in name:
        out(
            "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
            "collide. To avoid issues it is best to use either, but not both."
        )
    out(f"Created topic {name}.")


def topic_list(names: list[str]) -> None:
    for name in names:
        out(name)


def topic_descriptions(descriptions) -> None:
    for d in descriptions:
        head = f"Topic: {d.name}"
        if d.topic_id:
            head += f"\tTopicId: {d.topic_id}"
        head += f"\tPartitionCount: {d.partition_count}\tReplicationFactor: {d.replication_factor}"
        head += "\tConfigs: " + ",".join(f"{k}={v}" for k, v in d.configs)
        out(head)
        for p in d.partitions:
            leader = "none" if p.leader is None else str(p.leader)
            out(
                f"\tTopic: {p.topic}\tPartition: {p.partition}\tLeader: {leader}"
                f"\tReplicas: {','.join(map(str, p.replicas))}\tIsr: {','.join(map(str, p.isr))}"
                "\tElr: \tLastKnownElr: "
            )


def processed(count: int) -> None:
    err(f"Processed a total of {count} messages")


def records(data: bytes) -> bool:
    """Write formatted records to stdout; False when stdout is gone (``| head``)."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return True
    except (BrokenPipeError, ValueError):
        err("Unable to write to standard out, closing consumer.")
        return False
