"""zookeeper-shell's output: zkCli's, line for line."""

from __future__ import annotations

import sys

from kcli.cli.render.output import err, out

_JAVA_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_JAVA_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def java_date(ms: int, tz=None) -> str:
    """Epoch milliseconds as Java's ``Date.toString()``: ``Wed Nov 25 01:43:54 UTC 2026``, in local time."""
    from datetime import datetime

    moment = datetime.fromtimestamp(ms / 1000, tz).astimezone(tz)
    return (f"{_JAVA_DAYS[moment.weekday()]} {_JAVA_MONTHS[moment.month - 1]} {moment.day:02d} "
            f"{moment:%H:%M:%S} {moment.tzname()} {moment.year}")


def zk_stat_lines(stat, tz=None) -> list[str]:
    """A ``Stat`` as zkCli prints it; zxids and the owner in Java's unsigned hex."""
    def hex_(value: int) -> str:
        return f"0x{value & 0xFFFFFFFFFFFFFFFF:x}"

    return [
        f"cZxid = {hex_(stat.czxid)}", f"ctime = {java_date(stat.ctime, tz)}",
        f"mZxid = {hex_(stat.mzxid)}", f"mtime = {java_date(stat.mtime, tz)}",
        f"pZxid = {hex_(stat.pzxid)}", f"cversion = {stat.cversion}", f"dataVersion = {stat.version}",
        f"aclVersion = {stat.aversion}", f"ephemeralOwner = {hex_(stat.ephemeralOwner)}",
        f"dataLength = {stat.dataLength}", f"numChildren = {stat.numChildren}",
    ]


def zk_result(result) -> None:
    """What zkCli prints for a command's result: data on stdout; ``Created`` and notes on stderr, as zkCli."""
    from kcli.tools import zookeeper_shell as zk

    for note in getattr(result, "notes", ()):
        err(note)
    lines: list[str] = []
    stat = getattr(result, "stat", None)
    if isinstance(result, zk.Created):
        err(f"Created {result.path}")
    elif isinstance(result, zk.Children):
        lines.append(f"[{', '.join(result.names)}]")
    elif isinstance(result, zk.Tree):
        lines.extend(result.paths)
    elif isinstance(result, zk.Data):
        lines.append("null" if result.data is None else result.data.decode("utf-8", "replace"))
    elif isinstance(result, zk.Acls):
        for acl in result.acls:
            lines += [f"'{acl.id.scheme},'{acl.id.id}", f": {zk.perm_string(acl.perms)}"]
    elif isinstance(result, zk.Synced):
        lines.append("Sync is OK")
    elif isinstance(result, zk.Help):
        zk_usage(result.usages, stream=out)
    if stat is not None:
        lines += zk_stat_lines(stat)
    for line in lines:
        out(line)
    sys.stdout.flush()


def zk_usage(usages: list[str], stream=err) -> None:
    stream("ZooKeeper -server host:port cmd args (kcli zookeeper-shell host:port[/path] [cmd args])")
    for usage in usages:
        stream(f"\t{usage}")


def zk_error(exc) -> None:
    """A failed command: zkCli's notes and sentence on stderr, after the usage list for an unknown command."""
    from kcli.tools.zookeeper_shell import COMMANDS

    if exc.partial is not None:
        zk_result(exc.partial)
    if exc.usage:
        zk_usage([COMMANDS[name][0] for name in sorted(COMMANDS, key=str.lower)])
    for note in exc.notes:
        err(note)
    err(exc.message)


def zk_connecting(server: str) -> None:
    err(f"Connecting to {server}")


def zk_welcome() -> None:
    out("Welcome to kcli's ZooKeeper shell: 'help' lists the commands, Tab completes paths, 'quit' or Ctrl+D leaves.")


def zk_event(event, to_stderr: bool = False) -> None:
    """A watch or session event, framed as zkCli's watcher prints it."""
    write = err if to_stderr else out
    write(f"\nWATCHER::\n\nWatchedEvent state:{event.state} type:{event.type} path:{event.path or 'null'}")
    if not to_stderr:
        sys.stdout.flush()


def zk_prompt(server: str, state: str, count: int) -> str:
    return f"[zk: {server}({state}) {count}] "
