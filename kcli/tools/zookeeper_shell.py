"""zkCli's commands (ZooKeeper 3.8's ``zkCli.sh`` / Kafka's ``zookeeper-shell``) run over kazoo.

A command line becomes a ``ZkCommand`` (``parse``), a ``ZkShell`` runs it against a live session and
returns what zkCli would print as data (``Created``, ``Children``, ``Tree``, ``Data``, ``StatOnly``,
``Acls``, ``Synced``, ``Done``); failures are ``ZkCliError`` carrying zkCli's wording and exit code.
Watches set with ``-w`` and the session's state changes reach ``on_event`` as ``ZkEvent``s named as
the Java client names them (``SyncConnected``, ``NodeDataChanged``, ...); ``zookeeper_watches`` keeps
the watches across a reconnect, as the Java client does and kazoo does not.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Callable

from kcli.tools.errors import ToolError
from kcli.tools.zookeeper_watches import ShellWatches, ZkEvent

# name -> (usage, boolean flags, flags taking a value); the usage lines are zkCli's.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "addauth": ("addauth scheme auth", "", ""),
    "create": ("create [-s] [-e] path [data] [acl]", "sec", "t"),  # -c and -t: refused with a reason
    "delete": ("delete [-v version] path", "", "v"),
    "deleteall": ("deleteall path [-b batch size]", "", "b"),
    "get": ("get [-s] [-w] path", "sw", ""),
    "getAcl": ("getAcl [-s] path", "s", ""),
    "help": ("help", "", ""),
    "ls": ("ls [-s] [-w] [-R] path", "swR", ""),
    "quit": ("quit", "", ""),
    "set": ("set [-s] [-v version] path data", "s", "v"),
    "setAcl": ("setAcl [-s] [-v version] [-R] path acl", "sR", "v"),
    "stat": ("stat [-w] path", "w", ""),
    "sync": ("sync path", "", ""),
}
_MIN_ARGS = {"addauth": 2, "set": 2, "setAcl": 2, "help": 0, "quit": 0}  # others need a path
_TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')  # zkCli's quoting: "a b" and 'a b' are one argument
_PERMS = "cdrwa"  # ZooDefs.Perms CREATE, DELETE, READ, WRITE, ADMIN, as zkCli spells them
_PERM_BITS = {"c": 4, "d": 8, "r": 1, "w": 2, "a": 16}
_DELETE_BATCH = 1000  # deleteall's default -b


class ZkCliError(ToolError):
    """What zkCli prints on stderr when a command fails; ``notes`` come first, ``exit_code`` as zkCli's.

    ``partial`` is what zkCli had already printed when the failure came (``ls -R`` streams its paths).
    """

    def __init__(self, message: str, exit_code: int = 1, notes: tuple[str, ...] = (), usage: bool = False, partial=None):
        super().__init__(message)
        self.exit_code = exit_code
        self.notes = notes
        self.usage = usage
        self.partial = partial


@dataclass(frozen=True)
class ZkCommand:
    name: str
    args: tuple[str, ...]
    flags: frozenset[str] = frozenset()
    values: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.args[0] if self.args else "/"


@dataclass(frozen=True)
class Created:
    path: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Children:
    names: list[str]
    stat: object = None


@dataclass(frozen=True)
class Tree:
    paths: list[str]


@dataclass(frozen=True)
class Data:
    data: bytes | None
    stat: object = None


@dataclass(frozen=True)
class StatOnly:
    stat: object


@dataclass(frozen=True)
class Acls:
    acls: list
    stat: object = None


@dataclass(frozen=True)
class Synced:
    path: str


@dataclass(frozen=True)
class Done:
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Help:
    usages: list[str]


@dataclass(frozen=True)
class Quit:
    pass


def tokenize(line: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(line)]


def parse(tokens: list[str]) -> ZkCommand:
    """A command and its arguments, as zkCli reads them; a wrong one raises ``ZkCliError``."""
    name, rest = tokens[0], list(tokens[1:])
    if name not in COMMANDS:
        raise ZkCliError(f"Command not found: Command not found {name}", exit_code=127, usage=True)  # zkCli says it twice
    usage, booleans, valued = COMMANDS[name]
    flags, values, args = set(), {}, []
    options_end = False
    while rest:  # options anywhere, "--" ends them, "-" is an argument: zkCli's commons-cli parsing
        token = rest.pop(0)
        if token == "--" and not options_end:
            options_end = True
        elif token.startswith("-") and len(token) > 1 and not options_end:
            for i, letter in enumerate(token[1:]):
                if letter in valued:
                    value = token[i + 2:] or (rest.pop(0) if rest else None)
                    if value is None:
                        raise ZkCliError(f"Missing argument for option: {letter}")
                    values[letter] = value
                    break
                if letter not in booleans:
                    raise ZkCliError(f"Unrecognized option: {token}")
                flags.add(letter)
        else:
            args.append(token)
    if len(args) < _MIN_ARGS.get(name, 1):
        raise ZkCliError(usage)
    return ZkCommand(name, tuple(args), frozenset(flags), values)


def validate_path(path: str, sequential: bool = False) -> None:
    """ZooKeeper's client-side path rules (``PathUtils.validatePath``), with its messages."""
    if not path:
        raise ZkCliError("Path length must be > 0")
    if not path.startswith("/"):
        raise ZkCliError("Path must start with / character")
    if sequential:
        path += "1"  # a sequential node's name may end in "/": the server appends the counter
    if len(path) == 1:
        return
    if path.endswith("/"):
        raise ZkCliError("Path must not end with / character")
    reason = None
    for i in range(1, len(path)):
        c, last = path[i], path[i - 1]
        ends = i + 1 == len(path) or path[i + 1] == "/"
        if c == "\0":
            reason = f"null character not allowed @{i}"
        elif c == "/" and last == "/":
            reason = f"empty node name specified @{i}"
        elif c == "." and last == "/" and ends or c == "." and last == "." and path[i - 2] == "/" and ends:
            reason = f"relative paths not allowed @{i}"
        elif "\x00" < c <= "\x1f" or "\x7f" <= c <= "\x9f" or "\ud800" <= c <= "\uf8ff" or "\ufff0" <= c <= "\uffff":
            reason = f"invalid character @{i}"
        if reason:
            raise ZkCliError(f'Invalid path string "{path}" caused by {reason}')


def parse_acl(text: str) -> tuple[list, tuple[str, ...]]:
    """``scheme:id:perm[,...]`` into kazoo ACLs, and the complaints zkCli prints while skipping bad entries."""
    from kazoo.security import ACL, Id

    acls, notes = [], []
    for entry in text.split(","):
        first, last = entry.find(":"), entry.rfind(":")
        if first == -1 or first == last:
            notes.append(f"{entry} does not have the form scheme:id:perm")
            continue
        perms = 0
        for letter in entry[last + 1:]:
            if letter in _PERM_BITS:
                perms |= _PERM_BITS[letter]
            else:
                notes.append(f"Unknown perm type: {letter}")
        acls.append(ACL(perms, Id(entry[:first], entry[first + 1:last])))
    return acls, tuple(notes)


def perm_string(perms: int) -> str:
    return "".join(letter for letter in _PERMS if perms & _PERM_BITS[letter])


def keeper_message(exc: Exception, path: str) -> str:
    """zkCli's sentence for a failed request on ``path`` (its ``CliWrapperException`` wording)."""
    from kazoo import exceptions as e

    known = {
        e.NoNodeError: "Node does not exist: ", e.NoChildrenForEphemeralsError: "Ephemerals cannot have children: ",
        e.NodeExistsError: "Node already exists: ", e.NotEmptyError: "Node not empty: ",
        e.NotReadOnlyCallError: "Not a read-only call: ", e.InvalidACLError: "Acl is not valid : ",
        e.NoAuthError: "Insufficient permission : ", e.BadArgumentsError: "Arguments are not valid : ",
        e.BadVersionError: "version No is not valid : ",
    }
    for cls, text in known.items():
        if isinstance(exc, cls):
            return text + path
    names = {-4: "ConnectionLoss", -6: "Unimplemented", -7: "OperationTimeout", -112: "Session expired", -115: "AuthFailed"}
    code = getattr(exc, "code", -4)  # kazoo's own connection errors are a lost connection to zkCli
    return f"KeeperErrorCode = {names.get(code, type(exc).__name__)} for {path}"


class ZkShell:
    """One kazoo session that runs parsed zkCli commands; watch and session events go to ``on_event``."""

    def __init__(self, client, on_event: Callable[[ZkEvent], None]):
        self.client = client
        self.on_event = on_event
        self.watches = ShellWatches(client, on_event)
        self._announced = False
        self._closing = False
        self._lock = threading.Lock()
        client.add_listener(self._on_state)

    @property
    def state(self) -> str:
        """The Java client's ``States`` name, as zkCli's prompt shows it."""
        names = {"CONNECTED_RO": "CONNECTEDREADONLY", "EXPIRED_SESSION": "CLOSED"}
        return names.get(self.client.client_state, self.client.client_state)

    def run(self, command: ZkCommand):
        from kazoo.exceptions import KazooException

        handler = getattr(self, f"_{command.name}")
        try:
            return handler(command)
        except KazooException as exc:
            raise ZkCliError(keeper_message(exc, command.path)) from None

    def children(self, path: str) -> list[str]:
        """A node's children for completion; empty when it cannot be read."""
        from kazoo.exceptions import KazooException

        try:
            return sorted(self.client.get_children(path))
        except (KazooException, ValueError):
            return []

    def close(self) -> None:
        self._closing = True
        self.client.stop()
        self.client.close()

    # -- the commands ---------------------------------------------------------

    def _ls(self, c: ZkCommand):
        validate_path(c.path)
        watch = "w" in c.flags
        if "R" in c.flags:
            return Tree(self._subtree(c.path, watch))
        names, stat = self._watched("child", c.path, watch, lambda w: self.client.get_children(c.path, watch=w, include_data=True))
        return Children(sorted(names), stat if "s" in c.flags else None)

    def _get(self, c: ZkCommand):
        validate_path(c.path)
        data, stat = self._watched("data", c.path, "w" in c.flags, lambda w: self.client.get(c.path, watch=w))
        return Data(data, stat if "s" in c.flags else None)

    def _stat(self, c: ZkCommand):
        validate_path(c.path)
        stat = self._watched("exist", c.path, "w" in c.flags, lambda w: self.client.exists(c.path, watch=w))
        if stat is None:
            raise ZkCliError(f"Node does not exist: {c.path}")
        return StatOnly(stat)

    def _create(self, c: ZkCommand):
        from kazoo.exceptions import KazooException

        if "c" in c.flags or "t" in c.values:
            raise ZkCliError("create -c and -t (container and TTL nodes) are not supported by kcli's shell")
        sequential = "s" in c.flags
        validate_path(c.path, sequential)
        data = c.args[1].encode() if len(c.args) > 1 else None  # no data argument: a null, as zkCli sends
        acl, notes = (parse_acl(c.args[2]) if len(c.args) > 2 else (None, ()))
        if acl is not None and not acl:
            raise ZkCliError("Acl is not valid : null", notes=notes)  # the Java client's check has no path
        try:
            created = self.client.create(c.path, data, acl=acl, ephemeral="e" in c.flags, sequence=sequential)
        except KazooException as exc:
            raise ZkCliError(keeper_message(exc, c.path), notes=notes) from None
        return Created(created, notes)

    def _set(self, c: ZkCommand):
        validate_path(c.path)
        stat = self.client.set(c.path, c.args[1].encode(), version=self._version(c))
        return StatOnly(stat) if "s" in c.flags else Done()

    def _delete(self, c: ZkCommand):
        validate_path(c.path)
        self.client.delete(c.path, version=self._version(c))
        return Done()

    def _deleteall(self, c: ZkCommand):
        """Every node under ``path``, deepest first, in multi batches of ``-b`` deletes (zkCli's way)."""
        validate_path(c.path)
        batch = self._number(c.values.get("b", str(_DELETE_BATCH)), "b")
        if self.client.exists(c.path) is None:
            raise ZkCliError(f"Node does not exist: {c.path}")
        order = self._subtree_breadth_first(c.path)
        failed = False
        for start in range(len(order) - 1, -1, -batch):
            transaction = self.client.transaction()
            for path in reversed(order[max(0, start - batch + 1):start + 1]):
                transaction.delete(path)
            failed |= any(isinstance(result, Exception) for result in transaction.commit())
        if failed:
            raise ZkCliError("Failed to delete some node(s) in the subtree!")
        return Done()

    def _getAcl(self, c: ZkCommand):  # noqa: N802 - zkCli's command name
        validate_path(c.path)
        acls, stat = self.client.get_acls(c.path)
        return Acls(acls, stat if "s" in c.flags else None)

    def _setAcl(self, c: ZkCommand):  # noqa: N802 - zkCli's command name
        from kazoo.exceptions import KazooException

        validate_path(c.path)
        acls, notes = parse_acl(c.args[1])
        if not acls:
            raise ZkCliError("Acl is not valid : null", notes=notes)
        version = self._version(c)
        try:
            paths = self._subtree(c.path, False) if "R" in c.flags else [c.path]
        except ZkCliError as exc:
            raise ZkCliError(exc.message, notes=notes) from None  # without ls -R's partial listing
        stat = None
        for path in paths:
            try:
                stat = self.client.set_acls(path, acls, version=version)
            except KazooException as exc:
                raise ZkCliError(keeper_message(exc, path), notes=notes) from None
        return StatOnly(stat) if "s" in c.flags else Done(notes)

    def _sync(self, c: ZkCommand):
        validate_path(c.path)
        self.client.sync(c.path)
        return Synced(c.path)

    def _addauth(self, c: ZkCommand):
        self.client.add_auth(c.args[0], c.args[1])
        return Done()

    def _help(self, c: ZkCommand):
        return Help([COMMANDS[name][0] for name in sorted(COMMANDS, key=str.lower)])

    def _quit(self, c: ZkCommand):
        return Quit()

    # -- helpers --------------------------------------------------------------

    def _version(self, c: ZkCommand) -> int:
        return self._number(c.values.get("v", "-1"), "v")

    @staticmethod
    def _number(text: str, option: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise ZkCliError(f"-{option} needs a number, not: {text}") from None

    def _subtree(self, root: str, watch: bool) -> list[str]:
        """``root``, then each node's sorted children before any grandchild (zkCli's ``ls -R`` order)."""
        from kazoo.exceptions import KazooException

        if self.client.exists(root) is None:
            raise ZkCliError(f"Node does not exist: {root}")
        paths = [root]

        def visit(path: str) -> None:
            try:
                names = sorted(self._watched("child", path, watch, lambda w: self.client.get_children(path, watch=w, include_data=True))[0])
            except KazooException as exc:
                raise ZkCliError(keeper_message(exc, path), partial=Tree(paths)) from None
            children = [f"{path.rstrip('/')}/{name}" for name in names]
            paths.extend(children)
            for child in children:
                visit(child)

        visit(root)
        return paths

    def _subtree_breadth_first(self, root: str) -> list[str]:
        order, index = [root], 0
        while index < len(order):
            path = order[index]
            order.extend(f"{path.rstrip('/')}/{name}" for name in self.client.get_children(path))
            index += 1
        return order

    def _watched(self, kind: str, path: str, watch: bool, call):
        """``call(watcher)`` for a read, leaving a watch of ``kind`` on ``path`` when ``watch`` (``-w``)."""
        if not watch:
            return call(None)
        self.watches.arm(kind, path)
        try:
            result = call(self.watches.fired)
        except Exception:
            self.watches.settle(kind, path, None)
            raise
        stat = result if kind == "exist" else result[1]  # exists() gives the Stat alone
        if stat is None:  # exists() on an absent node still leaves its watch
            self.watches.settle(kind, path, -1)
        else:
            self.watches.settle(kind, path, stat.pzxid if kind == "child" else stat.mzxid)
        return result

    def _on_state(self, state: str) -> None:
        """kazoo's session states as the Java client reports them; runs on kazoo's connection thread."""
        with self._lock:
            if state == "CONNECTED":
                if self._announced:
                    self.on_event(ZkEvent("SyncConnected", "None"))
                    threading.Thread(target=self.watches.restore, name="zookeeper-shell-watches", daemon=True).start()
                self._announced = True  # the first connection is announced by connect(), in order
            elif state == "SUSPENDED":
                self.on_event(ZkEvent("Disconnected", "None"))
            elif state == "LOST" and not self._closing:
                self.watches.forget()
                self.on_event(ZkEvent("Expired", "None"))


def connect(server: str, on_event: Callable[[ZkEvent], None], path: str = "/", timeout: float = 10.0) -> ZkShell:
    """A session with ``server`` (``host:port[,host:port...][/chroot]``); ZooKeeper's 30 s session timeout.

    The connected event is sent to ``on_event`` before this returns. No server listening, or none
    answering within ``timeout`` seconds, is zkCli's ``KeeperErrorCode = ConnectionLoss for <path>``.
    """
    import logging

    from kazoo.client import KazooClient

    logger = logging.getLogger("kcli.zookeeper_shell.kazoo")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False  # kazoo's reconnect chatter would land between the shell's lines
    try:
        # zkCli pauses under a second between reconnect attempts; kazoo's default backoff grows to an hour
        reconnect = {"max_tries": -1, "delay": 0.1, "backoff": 2, "max_delay": 1.0}
        client = KazooClient(hosts=server, timeout=30.0, logger=logger, connection_retry=reconnect)
    except ValueError as exc:
        raise ZkCliError(f"Invalid ZooKeeper connect string {server!r}: {exc}") from None
    lost = ZkCliError(f"KeeperErrorCode = ConnectionLoss for {path}")
    if not _listening(client.hosts, min(timeout, 3.0)):
        raise lost  # refused at once, as zkCli fails at once, where kazoo would keep retrying
    shell = ZkShell(client, on_event)
    try:
        client.start(timeout=timeout)
    except Exception:  # kazoo's handler timeout, or a refused/unresolvable address
        client.stop()
        client.close()
        raise lost from None
    on_event(ZkEvent("SyncConnected", "None"))
    return shell


def _listening(hosts, timeout: float) -> bool:
    import socket

    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False
