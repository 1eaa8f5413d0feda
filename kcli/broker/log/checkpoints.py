"""OffsetCheckpointFile: the log directory's per-partition offsets, in Kafka's checkpoint files.

Three files in ``log.dirs`` share one format (Kafka's ``OffsetCheckpointFile``)::

    0                       version (only 0 exists)
    2                       number of entries
    coffee 0 1204           topic, partition, offset: one line each, separated by whitespace
    coffee 1 977

* ``recovery-point-offset-checkpoint``: each partition's recovery point, the offset
  below which its log was fsynced. After an unclean stop, only the segments from
  the one holding it on are recovered (Kafka's LogLoader). Written every
  ``log.flush.offset.checkpoint.interval.ms`` and at shutdown.
* ``log-start-offset-checkpoint``: the log start offset of each partition where it
  lies past the first segment's base offset (DeleteRecords moved it inside a
  segment); the others start at their first segment. Written every
  ``log.flush.start.offset.checkpoint.interval.ms``, at shutdown and (kcli, so an
  acknowledged DeleteRecords survives a ``kill -9``) before DeleteRecords answers.
* ``cleaner-offset-checkpoint``: how far the log cleaner has compacted each
  compacted partition (its first dirty offset), kept by the cleaner through
  ``CleanerCheckpoints``.

A file is replaced whole: written to ``<name>.tmp``, fsynced and closed (Windows
cannot rename an open file), renamed over the old one, then the directory
fsynced (POSIX), as Kafka's ``CheckpointFile.write`` and
``Utils.atomicMoveWithFallback`` do. Lines end with ``\\n`` on every platform;
Kafka reads either ending. A file that is missing or empty holds no entries; one
that fails to parse raises ``CheckpointError`` with Kafka's message, and the
caller falls back as Kafka does (recovery points to 0, log starts to the first
segment).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Mapping

RECOVERY_POINT = "recovery-point-offset-checkpoint"
LOG_START_OFFSET = "log-start-offset-checkpoint"
CLEANER_OFFSET = "cleaner-offset-checkpoint"
VERSION = 0

TopicPartition = tuple[str, int]

_WHITESPACE = re.compile(r"\s+")


class CheckpointError(Exception):
    """A checkpoint file that cannot be parsed (Kafka's IOException from CheckpointReadBuffer)."""


class OffsetCheckpointFile:
    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[TopicPartition, int]:
        """The entries; {} when the file is missing or empty. Raises CheckpointError on a malformed file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        lines = text.splitlines()
        if not lines:
            return {}
        version = self._int(lines[0])
        if version != VERSION:
            raise CheckpointError(
                f"Unrecognised version:{version}, expected version: {VERSION} in checkpoint file at: {self.path}"
            )
        if len(lines) < 2:
            return {}
        expected = self._int(lines[1])
        entries: dict[TopicPartition, int] = {}
        for line in lines[2:]:
            parts = _WHITESPACE.split(line)
            if len(parts) != 3:
                raise self._malformed(line)
            try:
                entries[(parts[0], int(parts[1]))] = int(parts[2])
            except ValueError:
                raise self._malformed(line) from None
        found = len(lines) - 2
        if found != expected:
            raise CheckpointError(f"Expected [{expected}] entries in checkpoint file [{self.path}], but found only [{found}]")
        return entries

    def write(self, entries: Mapping[TopicPartition, int]) -> None:
        """Replace the file with ``entries`` (sorted, so the file is stable); raises OSError if the disk refuses."""
        lines = [str(VERSION), str(len(entries))]
        lines += [f"{topic} {partition} {offset}" for (topic, partition), offset in sorted(entries.items())]
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_directory(self.path.parent)

    def _int(self, line: str) -> int:
        try:
            return int(line.strip())
        except ValueError:
            raise self._malformed(line) from None

    def _malformed(self, line: str) -> CheckpointError:
        return CheckpointError(f"Malformed line in checkpoint file [{self.path}]: {line}")


class CleanerCheckpoints:
    """The log cleaner's ``cleaner-offset-checkpoint`` of one log directory: read, update, forget.

    ``update`` and ``remove`` rewrite the whole file, as Kafka's
    ``LogCleanerManager.updateCheckpoints`` does; a file that cannot be parsed
    reads as empty (every compacted log is then cleaned from its start).
    """

    def __init__(self, log_dir: Path):
        self.file = OffsetCheckpointFile(log_dir / CLEANER_OFFSET)

    def read(self) -> dict[TopicPartition, int]:
        try:
            return self.file.read()
        except CheckpointError:
            return {}

    def replace(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Write exactly ``offsets`` (the cleaner's whole view: what it cleaned, without partitions gone)."""
        self.file.write(offsets)

    def update(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Set the first dirty offset of each partition in ``offsets``."""
        entries = self.read()
        entries.update(offsets)
        self.file.write(entries)

    def remove(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget partitions (their topic was deleted, or is no longer compacted)."""
        entries = self.read()
        gone = [tp for tp in partitions if tp in entries]
        if gone:
            for tp in gone:
                del entries[tp]
            self.file.write(entries)

    def remove_topic(self, topic: str) -> None:
        self.remove([tp for tp in self.read() if tp[0] == topic])


def _fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; Windows cannot open a directory)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
