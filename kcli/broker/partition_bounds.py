"""Partition bounds: how many partitions one request may add and one broker may hold.

Each partition keeps files open for its life (segment.py): its active segment's
``.log`` twice (a reader and an appender) and, once written to, its
``.index`` and ``.timeindex``; an older segment is opened on first use and then holds its
``.log`` once (``FILES_PER_PARTITION`` counts a written partition's four). One bit-flipped CreatePartitions once asked for
6,639 partitions and used up 20,000 file descriptors. So, checked before any
file is made:

- ``kcli.max.partitions.per.request`` (default 1000): the partitions one
  CreateTopics or CreatePartitions request (or one auto-creation) may add over
  all its topics. Past it the whole request is refused with POLICY_VIOLATION,
  as Kafka's controller refuses a request that would write more than 10,000
  metadata records at once ("Unable to perform excessively large batch
  operation.").
- ``kcli.max.partitions`` (default 4000): the partitions the broker may hold;
  past it, INVALID_PARTITIONS.
- the process's open-file limit: ``FILES_PER_PARTITION`` for each new
  partition, on top of the files partitions hold now, must leave
  ``FILE_RESERVE`` for connections and everything else; past it,
  INVALID_PARTITIONS naming ``ulimit -n``. The broker first raises its soft
  limit to the hard one, as the JVM does for Kafka (-XX:+MaxFDLimit).
"""

from __future__ import annotations

import sys

from kcli.protocol.kafka.errors import ErrorCode

FILES_PER_PARTITION = 4
FILE_RESERVE = 256
_WINDOWS_OPEN_FILES = 8192  # the C runtime's limit on descriptors from open(), which Python's files use
_MACOS_OPEN_MAX = 10240  # macOS refuses a soft limit above OPEN_MAX


def files_held(partition) -> int:
    """Files a partition holds open now: its active segment's log twice (reader, appender) and its indexes once
    written to; an older segment's log once read (LogSegment.open_files)."""
    return sum(segment.open_files() for segment in partition.segments)


def open_files_limit() -> int | None:
    """The most files this process may have open (its soft RLIMIT_NOFILE); None when unlimited."""
    if sys.platform == "win32":
        return _WINDOWS_OPEN_FILES
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def raise_open_files_limit() -> None:
    """Raise the soft open-file limit to the hard one (POSIX), as the JVM does; quietly keep it if refused."""
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if sys.platform != "darwin" else min(hard, _MACOS_OPEN_MAX)
    if soft != resource.RLIM_INFINITY and (target == resource.RLIM_INFINITY or target > soft):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def request_problem(adding: int, max_per_request: int) -> tuple[ErrorCode, str] | None:
    """Why one request may not add ``adding`` partitions in all, or None."""
    if adding <= max_per_request:
        return None
    return ErrorCode.POLICY_VIOLATION, (
        f"Unable to perform excessively large batch operation. The request would add {adding} partitions; "
        f"kcli.max.partitions.per.request is {max_per_request}."
    )


def broker_problem(held: int, files: int, adding: int, max_partitions: int, limit: int | None) -> tuple[ErrorCode, str] | None:
    """Why a broker holding ``held`` partitions (with ``files`` open) may not add ``adding``, or None."""
    if held + adding > max_partitions:
        return ErrorCode.INVALID_PARTITIONS, (
            f"Adding {adding} partition(s) would bring this broker to {held + adding} partitions; "
            f"kcli.max.partitions is {max_partitions}."
        )
    needed = files + adding * FILES_PER_PARTITION + FILE_RESERVE
    if limit is not None and needed > limit:
        return ErrorCode.INVALID_PARTITIONS, (
            f"Adding {adding} partition(s) needs {adding * FILES_PER_PARTITION} more open files, but this process "
            f"may open {limit} (ulimit -n) and its partitions already hold {files}. Raise the limit or add fewer partitions."
        )
    return None
