"""What a partition directory's temporary files mean when it opens (Kafka's LogLoader, its first three passes).

The cleaner (cleaner.py) replaces segments in three renames, so that a crash
at any point leaves a directory this module can finish or undo:

1. it writes the cleaned segment as ``<base>.log.cleaned`` (and
   ``<base>.index.cleaned``) and fsyncs it;
2. it renames those to ``.swap`` and fsyncs the directory: from here on the
   cleaned segment is the truth;
3. it renames the old segments' files to ``.deleted`` and removes them, then
   renames the ``.swap`` files to their final names.

On open, as Kafka's LogLoader does: ``.deleted`` files are removed; every
``.cleaned`` file is removed (an unfinished cleaning: the old segments are
all still there), and so is every ``.swap`` file whose base offset is at or
past the lowest ``.cleaned`` one (Kafka ties them to an unfinished segment
split); each remaining ``<base>.log.swap`` covers the offsets from its base
to its next offset, so the files of any other segment whose base offset lies
in that range are removed (they were compacted into it); then every ``.swap``
file is renamed to its final name. The segment then opens like any other,
its index checked and rebuilt if needed (LogSegment).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kcli.protocol.kafka import record_batch

CLEANED_SUFFIX = ".cleaned"
SWAP_SUFFIX = ".swap"
DELETED_SUFFIX = ".deleted"

log = logging.getLogger("kcli.broker.log")


def offset_from_file(path: Path) -> int | None:
    """The base offset a segment file's name starts with (Kafka's LogFileUtils.offsetFromFile), or None."""
    prefix = path.name.split(".", 1)[0]
    return int(prefix) if prefix.isdigit() else None


def complete_interrupted_swaps(directory: Path) -> bool:
    """Apply the rules above to ``directory``; whether anything was changed."""
    swaps: list[Path] = []
    cleaned: list[Path] = []
    changed = False
    for path in directory.iterdir():
        if not path.is_file():
            continue
        if path.name.endswith(DELETED_SUFFIX):
            log.debug("Deleting stray temporary file %s", path)
            path.unlink(missing_ok=True)
            changed = True
        elif path.name.endswith(CLEANED_SUFFIX) and offset_from_file(path) is not None:
            cleaned.append(path)
        elif path.name.endswith(SWAP_SUFFIX) and offset_from_file(path) is not None:
            swaps.append(path)
    min_cleaned = min((_base(p) for p in cleaned), default=None)
    valid = []
    for path in swaps:
        if min_cleaned is not None and _base(path) >= min_cleaned:
            log.info("Deleting invalid swap file %s minCleanedFileOffset: %d", path, min_cleaned)
            path.unlink(missing_ok=True)
        else:
            valid.append(path)
    for path in cleaned:
        log.info("Deleting stray .cleaned file %s", path)
        path.unlink(missing_ok=True)
    changed = changed or bool(swaps) or bool(cleaned)
    if not valid:
        return changed

    low, high = None, None
    for path in valid:
        if path.name.endswith(".log" + SWAP_SUFFIX):
            base = _base(path)
            log.info("Found log file %s from interrupted swap operation, which is recoverable from %s files by renaming.",
                     path, SWAP_SUFFIX)
            low = base if low is None else min(low, base)
            end = next_offset(path, base)
            high = end if high is None else max(high, end)
    if low is not None and high is not None:
        for path in directory.iterdir():
            offset = offset_from_file(path)
            if path.is_file() and not path.name.endswith(SWAP_SUFFIX) and offset is not None and low <= offset < high:
                log.info("Deleting segment files %s that is compacted but has not been deleted yet.", path.name)
                path.unlink()
    for path in valid:
        target = path.with_name(path.name[: -len(SWAP_SUFFIX)])
        log.info("Recovering file %s by renaming from %s files.", path.name, SWAP_SUFFIX)
        os.replace(path, target)
    fsync_directory(directory)
    return True


def _base(path: Path) -> int:
    offset = offset_from_file(path)
    assert offset is not None  # only files named after an offset are collected
    return offset


def next_offset(path: Path, base_offset: int) -> int:
    """The offset after the last whole batch of the segment file at ``path`` (``base_offset`` if it has none)."""
    end = base_offset
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        position = 0
        while position + record_batch.HEADER_BYTES <= size:
            f.seek(position)
            header = record_batch.unpack_header(f.read(record_batch.HEADER_BYTES))
            if header is None or position + header.size > size:
                break
            end = header.next_offset
            position += header.size
    return end


def fsync_directory(path: Path) -> None:
    """Make renames in ``path`` durable (POSIX; Windows cannot open a directory)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
