"""ZooKeeperConfig: a ``zookeeper.properties`` / ``zoo.cfg`` file, with ZooKeeper's defaults.

Kafka's shipped file sets only dataDir, clientPort, maxClientCnxns and
admin.enableServer; everything else takes ZooKeeper's default: tickTime 3000,
session timeouts 2x..20x tickTime, ``4lw.commands.whitelist`` = ``srvr``.
With no ``clientPortAddress`` kcli listens on 127.0.0.1 (ZooKeeper: every
interface), since nothing authenticates its clients. Unknown keys are reported once and otherwise ignored; cluster keys
(``server.N``, ``initLimit``, …) are accepted, since kcli runs standalone as
ZooKeeper does when there are no ``server.N`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from kcli.config import shipped
from kcli.config.properties import parse_properties

KNOWN_KEYS = frozenset({
    "dataDir", "dataLogDir", "clientPort", "clientPortAddress", "tickTime", "minSessionTimeout", "maxSessionTimeout",
    "maxClientCnxns", "4lw.commands.whitelist", "snapCount", "autopurge.snapRetainCount", "autopurge.purgeInterval",
    "DigestAuthenticationProvider.superDigest", "initLimit", "syncLimit", "admin.enableServer", "admin.serverPort",
    "admin.serverAddress", "admin.commandURL", "preAllocSize", "forceSync", "standaloneEnabled", "reconfigEnabled",
    "localSessionsEnabled", "localSessionsUpgradingEnabled", "globalOutstandingLimit", "secureClientPort",
    "clientPortListenBacklog", "jute.maxbuffer", "metricsProvider.className", "audit.enable", "readonlymode.enabled",
    "skipACL", "serverCnxnFactory", "quorumListenOnAllIPs", "electionAlg", "peerType", "znode.container.checkIntervalMs",
})
LOOPBACK = "127.0.0.1"  # no clientPortAddress: this machine only, as kcli's broker listens on localhost (ZooKeeper itself: every interface)
ALL_WORDS = ("ruok", "stat", "srvr", "mntr", "conf", "cons", "envi", "dump", "wchs", "wchc", "wchp", "dirs", "isro",
             "gtmk", "stmk", "crst", "srst", "hash")


class ConfigError(Exception):
    """A config problem, worded as one line that names the problem and the fix."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("kcli", appauthor=False)) / "zookeeper"


@dataclass(frozen=True)
class ZooKeeperConfig:
    props: dict[str, str]
    data_dir: Path
    client_port: int
    client_port_address: str
    tick_time: int
    min_session_timeout: int
    max_session_timeout: int
    max_client_cnxns: int
    four_letter_words: frozenset
    snap_count: int
    snap_retain_count: int
    super_digest: str | None
    container_check_ms: int
    unknown_keys: tuple[str, ...] = field(default=())

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "ZooKeeperConfig":
        tick = _int(props, "tickTime", 3000, 1)
        min_to = _int(props, "minSessionTimeout", -1, -1)
        max_to = _int(props, "maxSessionTimeout", -1, -1)
        min_to = tick * 2 if min_to == -1 else min_to
        max_to = tick * 20 if max_to == -1 else max_to
        if min_to > max_to:
            raise ConfigError(f"minSessionTimeout {min_to} must not be larger than maxSessionTimeout {max_to}")
        port = _int(props, "clientPort", 2181, 0)
        if port > 65535:
            raise ConfigError(f"Invalid clientPort {port}: use a number from 0 to 65535")
        data_dir = props.get("dataDir")
        return cls(
            props=dict(props),
            data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(),
            client_port=port,
            client_port_address=props.get("clientPortAddress", "").strip() or LOOPBACK,
            tick_time=tick,
            min_session_timeout=min_to,
            max_session_timeout=max_to,
            max_client_cnxns=_int(props, "maxClientCnxns", 60, 0),
            four_letter_words=_whitelist(props.get("4lw.commands.whitelist")),
            snap_count=_int(props, "snapCount", 100000, 2),
            snap_retain_count=_int(props, "autopurge.snapRetainCount", 3, 3),
            super_digest=props.get("DigestAuthenticationProvider.superDigest") or None,
            container_check_ms=_int(props, "znode.container.checkIntervalMs", 60000, 1),
            unknown_keys=tuple(sorted(k for k in props if k not in KNOWN_KEYS and not k.startswith(("server.", "group.", "weight.")))),
        )

    @classmethod
    def load(cls, path: Path | None, overrides: dict[str, str] | None = None) -> "ZooKeeperConfig":
        """``path``'s settings; with no file, those of kcli's shipped zookeeper.properties."""
        props: dict[str, str] = {}
        if path is None:
            props = parse_properties(shipped("zookeeper.properties"))
        else:
            try:
                props = parse_properties(Path(path).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigError(f"Cannot read config file {path}: {exc.strerror}") from None
        props.update(overrides or {})
        return cls.from_properties(props)


def _whitelist(value: str | None) -> frozenset:
    """FourLetterCommands: a comma list or ``*``; ``srvr`` is always on (zkServer.sh depends on it)."""
    if value is None or not value.strip():
        return frozenset({"srvr"})
    words = {w.strip() for w in value.split(",") if w.strip()}
    if "*" in words:
        return frozenset(ALL_WORDS)
    return frozenset(words & set(ALL_WORDS)) | {"srvr"}


def _int(props: dict[str, str], key: str, default: int, minimum: int) -> int:
    raw = props.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"Invalid value {raw} for {key}: Not a number; fix it in zookeeper.properties") from None
    if value < minimum:
        raise ConfigError(f"Invalid value {value} for {key}: must be at least {minimum}")
    return value
