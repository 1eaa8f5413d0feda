"""Catalog: the topics of one log directory, their partitions and their configs.

Layout under ``log.dirs``::

    .lock                    held by the broker using the directory (kcli/broker/server.py)
    meta.properties          cluster.id, node.id, version (as Kafka's)
    kcli-topics.json         {topic: {"topic_id": uuid, "partitions": n, "configs": {k: v}}}
    .kafka_cleanshutdown     present only after a clean shutdown
    recovery-point-offset-checkpoint, log-start-offset-checkpoint, cleaner-offset-checkpoint
                             per-partition offsets in Kafka's format (checkpoints.py)
    <topic>-<partition>/     one Partition directory each, made after the topic is recorded
    <topic>-<partition>.<id>-delete/
                             a deleted partition's directory until it is removed (Kafka's name)

``kcli-topics.json`` is the record of which topics exist, with their partition
counts and configs: it is replaced atomically (write a temporary file, fsync,
close it, rename, fsync the directory) whenever a topic is created, altered or deleted, and a
CreateTopics is answered once it is; then each of ``listeners`` is called with
the topic's name (ZooKeeper mode mirrors topics that way).

A partition's directory is not part of that record. The answer waits for no
directory: a partition without one reads as an empty log (Partition.pending),
so creating 1,000 partitions writes one file before the answer. Their
directories and empty segment files are then made on a worker thread
(Partition.prepare), or by a partition's first append if that comes first; a
restart reopens a partition with no directory pending. A directory named as a
partition of a topic being created (left by a stop during a deletion) is never
adopted: it is retired first. Deleting a topic takes it out of the file, then
renames its partitions' directories ``-delete`` (on a worker thread for
DeleteTopics) and removes them after the answer; ``open`` removes any
``-delete`` directory a stop left.

Without the clean shutdown marker, each partition's last segment is
recovered on open from the one holding its checkpointed recovery point;
every other segment, and all of them after a clean stop, has its index and its
tail checked and is recovered if they fail (LogSegment; the last segment at
start, an older one on its first use). At shutdown the logs
are fsynced, then the recovery points and log start offsets checkpointed, then
the marker written; it is left out when a write, fsync or checkpoint failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kcli.broker import topic_config
from kcli.broker.log import checkpoints
from kcli.broker.log.partition import LogConfig, Partition
from kcli.broker.log.segment import fsync_directory

CLEAN_SHUTDOWN = ".kafka_cleanshutdown"  # written only when every partition was fsynced whole
TOPICS_FILE = "kcli-topics.json"
MAX_TOPIC_NAME = 249
DELETE_DIR_SUFFIX = "-delete"  # Kafka's LogFileUtils.DELETE_DIR_SUFFIX: a deleted partition's directory until removed
MAX_FILE_NAME = 255
_LEGAL = re.compile(r"^[a-zA-Z0-9._-]+$")

log = logging.getLogger("kcli.broker")


def topic_name_problem(name: str) -> str | None:
    """Kafka's reason a topic name is invalid, or None."""
    if not name:
        return "Topic name is invalid: the empty string is not allowed"
    if name in (".", ".."):
        return f"Topic name is invalid: '{name}' is not allowed"
    if len(name) > MAX_TOPIC_NAME:
        return f"Topic name is invalid: the length of '{name}' is longer than the max allowed length {MAX_TOPIC_NAME}"
    if not _LEGAL.match(name):
        return (
            f"Topic name is invalid: '{name}' contains one or more characters other than "
            "ASCII alphanumerics, '.', '_' and '-'"
        )
    return None


class InconsistentClusterId(Exception):
    """meta.properties belongs to another cluster than the one ZooKeeper holds."""

    def __init__(self, cluster_id: str, stored: str):
        super().__init__(
            f"The Cluster ID {cluster_id} doesn't match stored clusterId {stored} in meta.properties. "
            "The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong."
        )


@dataclass
class Topic:
    name: str
    topic_id: uuid.UUID
    configs: dict[str, str]
    partitions: list[Partition] = field(default_factory=list)
    internal: bool = False


class Catalog:
    def __init__(self, log_dir: Path, broker_props: dict[str, str]):
        self.log_dir = log_dir
        self.broker_props = broker_props
        self.defaults = topic_config.broker_defaults(broker_props)
        self.topics: dict[str, Topic] = {}
        self.cluster_id = ""
        self.recovered = False  # True when the last shutdown was unclean and logs were recovered
        self.listeners: list[Callable[[str], None]] = []
        self.creation = asyncio.Lock()  # held by whoever checks and then creates or deletes partitions: one at a time
        self.removing: set[asyncio.Future] = set()  # deleted topics' directories being removed on worker threads
        self.preparing: set[asyncio.Future] = set()  # new partitions' directories being made on worker threads

    def open(self, node_id: int, cluster_id: str | None = None) -> None:
        """Open the logs; ``cluster_id`` (ZooKeeper's) is adopted by a new directory and must match an old one."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._load_meta(node_id, cluster_id)
        marker = self.log_dir / CLEAN_SHUTDOWN
        recover = not marker.exists()
        if not recover:
            marker.unlink()
            fsync_directory(self.log_dir)  # a marker back from the dead after a power loss would skip recovery
        for leftover in self.log_dir.glob("*" + DELETE_DIR_SUFFIX):  # renamed by a deletion the last run did not finish
            if leftover.is_dir():
                remove_retired([leftover])
        path = self.log_dir / TOPICS_FILE
        stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        recovery_points = self._read_checkpoint(checkpoints.RECOVERY_POINT, "resetting the recovery checkpoint to 0")
        log_starts = self._read_checkpoint(checkpoints.LOG_START_OFFSET, "resetting to the base offset of the first segment")
        if stored:
            count = sum(meta["partitions"] for meta in stored.values())
            if recover:
                log.info("Recovering %d logs from %s since no clean shutdown file was found", count, self.log_dir)
            else:
                log.info("Skipping recovery of %d logs from %s since clean shutdown file was found", count, self.log_dir)
        for name, meta in stored.items():
            topic = Topic(name, uuid.UUID(meta["topic_id"]), _valid_configs(name, meta.get("configs", {})))
            config = self.log_config(topic.configs)
            for i in range(meta["partitions"]):
                topic.partitions.append(Partition.open(
                    self._dir(name, i), name, i, config, recover,
                    recovery_point=recovery_points.get((name, i), 0), log_start_offset=log_starts.get((name, i), 0),
                ))
            self.topics[name] = topic
        self.recovered = recover and bool(stored)

    def _read_checkpoint(self, name: str, fallback: str) -> dict[tuple[str, int], int]:
        try:
            return checkpoints.OffsetCheckpointFile(self.log_dir / name).read()
        except (OSError, checkpoints.CheckpointError) as exc:
            log.warning("Error occurred while reading %s file of directory %s, %s: %s", name, self.log_dir, fallback, exc)
            return {}

    @property
    def recovered_segments(self) -> int:
        """Segments recovered on open (past their partition's recovery point), over all partitions."""
        return sum(p.recovered_segments for t in self.topics.values() for p in t.partitions)

    @property
    def recovered_bytes(self) -> int:
        return sum(p.recovered_bytes for t in self.topics.values() for p in t.partitions)

    def _partitions(self):
        return ((topic.name, i, p) for topic in self.topics.values() for i, p in enumerate(topic.partitions))

    def checkpoint_recovery_points(self) -> None:
        """Write every partition's recovery point (Kafka's checkpointLogRecoveryOffsets); raises OSError."""
        checkpoints.OffsetCheckpointFile(self.log_dir / checkpoints.RECOVERY_POINT).write(
            {(name, i): p.recovery_point for name, i, p in self._partitions()}
        )

    def checkpoint_log_start_offsets(self) -> None:
        """Write the log start offsets that lie past their first segment (Kafka's checkpointLogStartOffsets); raises OSError."""
        checkpoints.OffsetCheckpointFile(self.log_dir / checkpoints.LOG_START_OFFSET).write(
            {(name, i): p.log_start_offset for name, i, p in self._partitions() if p.log_start_offset > p.segments[0].base_offset}
        )

    def _load_meta(self, node_id: int, cluster_id: str | None) -> None:
        path = self.log_dir / "meta.properties"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith("cluster.id="):
                    self.cluster_id = line.split("=", 1)[1].strip()
        if self.cluster_id and cluster_id and cluster_id != self.cluster_id:
            raise InconsistentClusterId(cluster_id, self.cluster_id)
        if not self.cluster_id:
            self.cluster_id = cluster_id or _cluster_id()
            text = f"#\n#kcli\nnode.id={node_id}\nversion=1\ncluster.id={self.cluster_id}\n"
            _replace(path, text)

    def _dir(self, topic: str, index: int) -> Path:
        return self.log_dir / f"{topic}-{index}"

    def log_config(self, overrides: dict[str, str]) -> LogConfig:
        value = lambda name: overrides.get(name, self.defaults[name][0]).strip()  # noqa: E731  (Kafka trims values)
        return LogConfig(
            segment_bytes=int(value("segment.bytes")),
            max_message_bytes=int(value("max.message.bytes")),
            log_append_time=value("message.timestamp.type") == "LogAppendTime",
            index_interval_bytes=int(value("index.interval.bytes")),
            flush_messages=int(value("flush.messages")),
            flush_ms=int(value("flush.ms")),
            segment_ms=int(value("segment.ms")),
            segment_jitter_ms=int(value("segment.jitter.ms")),
            segment_index_bytes=int(value("segment.index.bytes")),
            retention_ms=int(value("retention.ms")),
            retention_bytes=int(value("retention.bytes")),
            file_delete_delay_ms=int(value("file.delete.delay.ms")),
            cleanup_policy=tuple(p.strip() for p in value("cleanup.policy").split(",") if p.strip()),
            min_cleanable_ratio=float(value("min.cleanable.dirty.ratio")),
            min_compaction_lag_ms=int(value("min.compaction.lag.ms")),
            max_compaction_lag_ms=int(value("max.compaction.lag.ms")),
            delete_retention_ms=int(value("delete.retention.ms")),
        )

    def _save(self, changed: str) -> None:
        stored = {
            t.name: {"topic_id": str(t.topic_id), "partitions": len(t.partitions), "configs": t.configs}
            for t in self.topics.values()
        }
        _replace(self.log_dir / TOPICS_FILE, json.dumps(stored, indent=1, sort_keys=True))
        for listener in self.listeners:
            listener(changed)

    # -- topic operations (validation is the caller's) -----------------------

    def create(self, name: str, partitions: int, configs: dict[str, str], topic_id: uuid.UUID | None = None) -> Topic:
        """Record a topic: its partitions are ``pending`` (their files made by their first appends), so this writes
        ``kcli-topics.json`` and nothing else; a directory left under one of their names is retired first."""
        if name in self.topics:  # the caller checks; never reuse (and clear) a live topic's directories
            raise ValueError(f"Topic '{name}' already exists.")
        self._retire(self._leftovers(name, 0))
        return self._record(name, partitions, configs, topic_id)

    def _record(self, name: str, partitions: int, configs: dict[str, str], topic_id: uuid.UUID | None = None) -> Topic:
        topic = Topic(name, topic_id or uuid.uuid4(), dict(configs))
        config = self.log_config(topic.configs)
        topic.partitions = [Partition.pending(self._dir(name, i), name, i, config) for i in range(partitions)]
        self.topics[name] = topic
        try:
            self._save(name)
        except BaseException:
            del self.topics[name]
            raise
        return topic

    def add_partitions(self, name: str, total: int) -> None:
        self._retire(self._leftovers(name, len(self.topics[name].partitions)))
        self._add_pending(name, total)

    def _add_pending(self, name: str, total: int) -> None:
        topic = self.topics[name]
        config = self.log_config(topic.configs)
        before = len(topic.partitions)
        topic.partitions += [Partition.pending(self._dir(name, i), name, i, config) for i in range(before, total)]
        try:
            self._save(name)
        except BaseException:
            del topic.partitions[before:]
            raise

    async def create_async(self, name: str, partitions: int, configs: dict[str, str]) -> Topic:
        """``create``, with the leftover directories (rare) looked for and retired on a worker thread: the answer
        waits only for ``kcli-topics.json``, whatever the number of partitions."""
        if name in self.topics:
            raise ValueError(f"Topic '{name}' already exists.")
        await self._off_loop(self._retire_leftovers, name, 0)
        if name in self.topics:  # created meanwhile (callers hold ``creation``, so only by a bug)
            raise ValueError(f"Topic '{name}' already exists.")
        topic = self._record(name, partitions, configs)
        self._prepare_in_background(topic.partitions)
        return topic

    async def add_partitions_async(self, name: str, total: int) -> bool:
        """``add_partitions`` as ``create_async`` does it; False (nothing added) if the topic was deleted or grew meanwhile."""
        topic = self.topics[name]
        before = len(topic.partitions)
        await self._off_loop(self._retire_leftovers, name, before)
        if self.topics.get(name) is not topic or len(topic.partitions) != before:
            return False
        self._add_pending(name, total)
        self._prepare_in_background(topic.partitions[before:])
        return True

    def prepare_pending(self) -> None:
        """After ``open``: make the directories of partitions recorded but never made (a kill -9 came before the
        worker thread made them), as after CreateTopics, so their first appends find them made."""
        pending = [p for _, _, p in self._partitions() if not p.has_directory]
        if pending:
            self._prepare_in_background(pending)

    def _prepare_in_background(self, partitions: list[Partition]) -> None:
        """Make the new partitions' directories and empty files on a worker thread, after the answer, so that their
        first appends find them made (Partition.prepare: a first append or a deletion meanwhile is safe)."""
        job = asyncio.get_running_loop().run_in_executor(None, _prepare_all, partitions)
        self.preparing.add(job)
        job.add_done_callback(self.preparing.discard)

    def _leftovers(self, name: str, start: int) -> list[Path]:
        """Directories named as partitions ``start`` on of topic ``name`` (which no topic lists): left by a stop
        during a deletion, or by an older kcli's unfinished creation. Never reused: the partition would read them."""
        prefix = name + "-"
        found = []
        with os.scandir(self.log_dir) as entries:
            for entry in entries:
                number = entry.name[len(prefix):]
                if (entry.name.startswith(prefix) and number.isascii() and number.isdigit() and int(number) >= start
                        and entry.is_dir()):
                    found.append(Path(entry.path))
        return found

    def _retire_leftovers(self, name: str, start: int) -> None:
        self._retire(self._leftovers(name, start))

    def _retire(self, directories: list[Path]) -> None:
        """Rename the (closed) partition directories for deletion and remove them, here and now."""
        remove_retired(self._rename_for_deletion(directories))

    def _rename_for_deletion(self, directories: list[Path]) -> list[Path]:
        """Rename each (closed) partition directory ``<topic>-<partition>.<unique id>-delete``, as Kafka's
        LogManager.asyncDelete does, and make the renames durable; the new paths, for ``remove_retired``. The name
        is free for a new partition at once; a stop before the removal leaves them to ``open``, which removes
        every ``-delete`` directory."""
        renamed = []
        for directory in directories:
            target = directory.with_name(_delete_dir_name(directory.name))
            try:
                os.replace(directory, target)
            except FileNotFoundError:
                continue
            except OSError as exc:  # the topic is out of the catalog already: removed under its own name
                log.warning("Cannot rename %s for deletion (%s); deleting it under its own name", directory, exc.strerror or exc)
                target = directory
            renamed.append(target)
        if renamed:
            fsync_directory(self.log_dir)
        return renamed

    async def _off_loop(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    def partition_count(self) -> int:
        return sum(len(t.partitions) for t in self.topics.values())

    def set_configs(self, name: str, configs: dict[str, str]) -> None:
        topic = self.topics[name]
        topic.configs = dict(configs)
        config = self.log_config(topic.configs)
        for partition in topic.partitions:
            partition.config = config
        self._save(name)

    def delete(self, name: str) -> None:
        """Delete a topic here and now: ``forget`` it, then retire and remove its directories."""
        self._retire(self.forget(name))

    async def delete_async(self, name: str) -> None:
        """``delete`` with the directories renamed on a worker thread (the event loop serves meanwhile) and removed
        there after the answer (``removing``); a stop before that leaves ``-delete`` directories to the next ``open``."""
        directories = self.forget(name)
        if not directories:
            return
        renamed = await self._off_loop(self._rename_for_deletion, directories)
        if renamed:
            removal = asyncio.get_running_loop().run_in_executor(None, remove_retired, renamed)
            self.removing.add(removal)
            removal.add_done_callback(self.removing.discard)

    def forget(self, name: str) -> list[Path]:
        """Take a topic out of the catalog and ``kcli-topics.json`` and close its files (no partition is prepared
        after that); the directories its partitions made, for ``_retire``."""
        topic = self.topics.pop(name)
        try:
            self._save(name)
        except BaseException:
            self.topics[name] = topic
            raise
        for partition in topic.partitions:
            partition.close(snapshot=False)
        try:  # as Kafka after a deletion: no stale offsets for a topic created again under the same name
            self.checkpoint_recovery_points()
            self.checkpoint_log_start_offsets()
            checkpoints.CleanerCheckpoints(self.log_dir).remove_topic(name)
        except OSError as exc:
            log.warning("Cannot update the checkpoint files of %s after deleting %s: %s", self.log_dir, name, exc.strerror or exc)
        return [p.directory for p in topic.partitions if p.has_directory]

    def partition(self, name: str, index: int) -> Partition | None:
        topic = self.topics.get(name)
        if topic is None or not 0 <= index < len(topic.partitions):
            return None
        return topic.partitions[index]

    def close(self) -> None:
        """Fsync and close every partition; mark a clean shutdown only if every log is whole and fsynced."""
        clean = True
        for topic in self.topics.values():
            for partition in topic.partitions:
                try:
                    partition.flush()
                except OSError:
                    pass  # the partition went offline and said why
                clean = clean and partition.offline is None
                partition.close()
        try:
            self.checkpoint_recovery_points()
            self.checkpoint_log_start_offsets()
        except OSError as exc:
            log.warning("Cannot write the checkpoint files of %s: %s", self.log_dir, exc.strerror or exc)
            clean = False
        if not clean:
            log.warning("Not marking a clean shutdown of %s: a write or fsync failed, so the logs are recovered at the next start", self.log_dir)
            return
        try:
            (self.log_dir / CLEAN_SHUTDOWN).write_bytes(b"")
        except OSError as exc:
            log.warning("Cannot mark a clean shutdown of %s (%s): the logs are recovered at the next start", self.log_dir, exc.strerror or exc)


def _valid_configs(topic: str, configs: dict[str, str]) -> dict[str, str]:
    """A stored topic's overrides without the ones Kafka would refuse (stored before kcli checked them):
    the topic falls back to the broker's value rather than, say, a segment size past 2 GiB."""
    valid = {}
    for name, value in configs.items():
        problem = topic_config.validate(name, value)
        if problem:
            log.warning("Topic %s: ignoring its config %s=%s (%s); the broker's value applies", topic, name, value, problem)
        else:
            valid[name] = value
    return valid


def _delete_dir_name(directory_name: str) -> str:
    """``<topic>-<partition>.<unique id>-delete``, the topic cut short to keep the name within 255 characters (Kafka's
    LocalLog.logDeleteDirName)."""
    topic, _, partition = directory_name.rpartition("-")
    suffix = f"-{partition}.{uuid.uuid4().hex}{DELETE_DIR_SUFFIX}"
    return topic[: MAX_FILE_NAME - len(suffix)] + suffix


def _prepare_all(partitions: list[Partition]) -> None:
    for partition in partitions:
        try:
            partition.prepare()
        except OSError as exc:  # each one left is made by its first append (or that append fails and says why)
            log.warning("Cannot make the directory of %s-%d ahead of its first append: %s",
                        partition.topic, partition.index, exc.strerror or exc)
            return


def remove_retired(directories: list[Path]) -> None:
    """Remove directories renamed for deletion (their files were closed before the rename); runs on any thread."""
    for directory in directories:
        try:
            shutil.rmtree(directory)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("Cannot delete %s: %s", directory, exc.strerror or exc)


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_directory(path.parent)  # the new name too: the record of a topic is what CreateTopics' answer promises


def _cluster_id() -> str:
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
