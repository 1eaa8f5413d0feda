"""meta.properties: which cluster and node a log directory belongs to, and kafka-storage's format/info over it.

File ``<dir>/meta.properties`` (Java properties, as Kafka's ``kafka-storage
format`` writes it in KRaft mode)::

    #
    #<date>
    node.id=1
    directory.id=<22-character base64url UUID>
    version=1
    cluster.id=<22-character base64url UUID>

The directories are ``log.dirs`` (or ``log.dir``) and ``metadata.log.dir``,
each once. kcli's broker stores its data in the first of ``log.dirs``; a
directory never formatted is formatted on first start (kcli keeps the classic
quickstart's "just start it"), but in KRaft mode (no ``zookeeper.connect``)
every formatted directory must agree before the logs open, as Kafka's
``MetaPropertiesEnsemble.verify`` requires: one cluster id
(``Invalid cluster.id in: …``) and the configured node id (``Stored node id …
doesn't match previous node id …``). ZooKeeper mode checks the cluster id
against ZooKeeper's instead (Catalog).

Cluster and directory ids are Kafka's ``Uuid``: 16 random bytes printed as
URL-safe base64 without padding, never starting with ``-``.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kcli.config.properties import parse_properties

META_PROPERTIES = "meta.properties"
METADATA_VERSION = "3.9-IV0"  # the metadata.version kafka-storage 3.9 formats with


class StorageError(Exception):
    """A refusal, worded as Kafka's StorageTool or MetaPropertiesEnsemble words it."""


def random_uuid() -> str:
    """Kafka's Uuid.randomUuid().toString()."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def check_uuid(text: str) -> None:
    """Kafka's Uuid.fromString, with its messages."""
    if len(text) > 24:
        raise ValueError(f"Input string with prefix `{text[:24]}` is too long to be decoded as a base64 UUID")
    bad = next((c for c in text if not (c.isascii() and (c.isalnum() or c in "-_="))), None)
    if bad is not None:
        raise ValueError(f"Illegal base64 character {ord(bad):x}")
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None
    if len(decoded) != 16:
        raise ValueError(f"Input string `{text}` decoded as {len(decoded)} bytes, which is not equal to the expected "
                         "16 bytes of a base64-encoded UUID")


def directories(props: dict[str, str], default: Path) -> list[Path]:
    """``log.dirs`` (else ``log.dir``, else kcli's default) and ``metadata.log.dir``, each once, in that order."""
    listed = props.get("log.dirs") or props.get("log.dir") or ""
    dirs = [Path(d.strip()).expanduser() for d in listed.split(",") if d.strip()] or [default]
    metadata = props.get("metadata.log.dir", "").strip()
    if metadata and Path(metadata).expanduser() not in dirs:
        dirs.append(Path(metadata).expanduser())
    return dirs


def metadata_directory(props: dict[str, str], default: Path) -> Path:
    metadata = props.get("metadata.log.dir", "").strip()
    return Path(metadata).expanduser() if metadata else directories(props, default)[0]


def read(directory: Path) -> dict[str, str] | None:
    try:
        return parse_properties((directory / META_PROPERTIES).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def verify(dirs: list[Path], node_id: int) -> None:
    """Every formatted directory names the same cluster and this node (MetaPropertiesEnsemble.verify)."""
    expected = None
    for directory in dirs:
        meta = read(directory)
        if meta is None:
            continue
        path = directory / META_PROPERTIES
        cluster_id = meta.get("cluster.id", "").strip()
        if expected is None:
            expected = cluster_id
        elif cluster_id != expected:
            raise StorageError(f"Invalid cluster.id in: {path}. Expected {expected}, but read {cluster_id}")
        stored = meta.get("node.id", meta.get("broker.id", "")).strip()
        if stored and stored.lstrip("-").isdigit() and int(stored) != node_id:
            raise StorageError(
                f"Stored node id {stored} doesn't match previous node id {node_id} in {path}. If you moved your data, "
                "make sure your configured node id matches. If you intend to create a new node, you should remove all "
                "data in your data directories."
            )


@dataclass(frozen=True)
class FormatPlan:
    props: dict[str, str]
    cluster_id: str
    standalone: bool = False
    no_initial_controllers: bool = False
    ignore_formatted: bool = False
    release_version: str = METADATA_VERSION


@dataclass
class FormatResult:
    lines: list[str] = field(default_factory=list)  # what kafka-storage format prints, in order


def format_storage(plan: FormatPlan, default_dir: Path, now: float | None = None) -> FormatResult:
    """kafka-storage format: write meta.properties into every unformatted directory; StorageError as Kafka refuses."""
    props = plan.props
    roles = [r.strip() for r in props.get("process.roles", "").split(",") if r.strip()]
    if not roles:
        raise StorageError("The kafka configuration file appears to be for a legacy cluster. Formatting is only "
                           "supported for clusters in KRaft mode.")
    node_text = props.get("node.id", "-1").strip()
    node_id = int(node_text) if node_text.lstrip("-").isdigit() else -1
    if node_id < 0:
        raise StorageError(f"The node.id must be set to a non-negative integer. We saw {node_id}")
    try:
        check_uuid(plan.cluster_id)
    except ValueError as exc:
        raise StorageError(f"Cluster ID string {plan.cluster_id} does not appear to be a valid UUID: {exc}") from None
    voters = props.get("controller.quorum.voters", "").strip()
    if plan.standalone:
        if "controller" not in roles:
            raise StorageError("You cannot use --standalone on a broker node.")
        if voters:
            raise StorageError("You cannot specify controller.quorum.voters and format the node with --initial-controllers "
                               "or --standalone. If you want to use dynamic quorum, please remove controller.quorum.voters "
                               "and specify controller.quorum.bootstrap.servers instead.")
    elif "controller" in roles and not voters and not plan.no_initial_controllers:
        raise StorageError("Because controller.quorum.voters is not set on this controller, you must specify one of the "
                           "following: --standalone, --initial-controllers, or --no-initial-controllers.")
    dirs = sorted(directories(props, default_dir), key=str)
    verify_against = plan.cluster_id
    for directory in dirs:  # MetaPropertiesEnsemble.verify(Optional.of(clusterId), ...)
        meta = read(directory)
        if meta is not None and meta.get("cluster.id", "").strip() != verify_against:
            raise StorageError(f"Invalid cluster.id in: {directory / META_PROPERTIES}. Expected {verify_against}, "
                               f"but read {meta.get('cluster.id', '').strip()}")
    verify(dirs, node_id)
    formatted = [d for d in dirs if read(d) is not None]
    if formatted and not plan.ignore_formatted:
        raise StorageError(f"Log directory {formatted[0]} is already formatted. Use --ignore-formatted to ignore this "
                           "directory and format the others.")
    empty = [d for d in dirs if d not in formatted]
    result = FormatResult()
    if not empty:
        result.lines.append("All of the log directories are already formatted.")
        return result
    metadata_dir = metadata_directory(props, default_dir)
    for directory in empty:
        if directory != metadata_dir:
            kind = "data directory"
        elif plan.standalone:
            kind = "dynamic metadata voter directory"
        else:
            kind = "metadata directory"
        result.lines.append(f"Formatting {kind} {directory} with metadata.version {plan.release_version}.")
        directory.mkdir(parents=True, exist_ok=True)
        _write(directory, node_id, plan.cluster_id, now)
    return result


def _write(directory: Path, node_id: int, cluster_id: str, now: float | None) -> None:
    stamp = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(now))  # java.util.Date.toString, in UTC
    text = f"#\n#{stamp}\nnode.id={node_id}\ndirectory.id={random_uuid()}\nversion=1\ncluster.id={cluster_id}\n"
    temporary = directory / (META_PROPERTIES + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, directory / META_PROPERTIES)


@dataclass
class StorageInfo:
    found: list[str] = field(default_factory=list)
    metadata: dict[str, str] | None = None
    problems: list[str] = field(default_factory=list)


def info(props: dict[str, str], default_dir: Path) -> StorageInfo:
    """kafka-storage info: the directories, the first one's meta.properties, and what disagrees."""
    kraft = bool(props.get("process.roles", "").strip())
    out = StorageInfo()
    for directory in sorted(directories(props, default_dir), key=str):
        if not directory.is_dir():
            out.problems.append(f"{directory} {'is not a directory' if directory.exists() else 'does not exist'}")
            continue
        out.found.append(str(directory))
        meta = read(directory)
        if meta is None:
            out.problems.append(f"{directory} is not formatted.")
        elif out.metadata is None:
            out.metadata = meta
        elif out.metadata.get("cluster.id") != meta.get("cluster.id"):
            out.problems.append("Mismatched cluster IDs between storage directories.")
        elif out.metadata.get("node.id") != meta.get("node.id"):
            out.problems.append("Mismatched node IDs between storage directories.")
    if out.metadata is not None:
        version = out.metadata.get("version", "").strip()
        if kraft and version == "0":
            out.problems.append("The kafka configuration file appears to be for a cluster in KRaft mode, but the "
                                "directories are formatted for legacy mode.")
        elif not kraft and version == "1":
            out.problems.append("The kafka configuration file appears to be for a legacy cluster, but the directories "
                                "are formatted for a cluster in KRaft mode.")
    return out
