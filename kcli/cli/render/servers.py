"""The broker's and the ZooKeeper server's consoles (stderr): banner, started line, warnings, log records."""

from __future__ import annotations


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _log_to_console() -> None:
    """The server's log records on the console, one per line."""
    import logging

    from rich.logging import RichHandler

    import rich.table  # noqa: F401  RichHandler imports it at its first record, which fails once file descriptors run out

    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=_console(), show_path=False, markup=False)])


def config_warnings(unknown_keys) -> None:
    if unknown_keys:
        _console().print(f"[yellow]WARN[/] These configs were supplied but are not used by kcli: {', '.join(unknown_keys)}")


def broker_started(started) -> None:
    from kcli import __version__

    _log_to_console()
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — Kafka-compatible broker")
    for listener in started.listeners or (f"PLAINTEXT://{started.host}:{started.port}",):
        console.print(f"  listener        {listener}")
    console.print(f"  data directory  {started.log_dir}{_default_dir_note(started)}")
    if started.zookeeper:
        console.print(f"  zookeeper       {started.zookeeper} (registered as /brokers/ids/{started.node_id})")
    if started.recovered:
        console.print("  recovery        the last shutdown was not clean: logs were checked and torn tails cut; "
                      f"{started.recovered_segments} segments past their recovery point reread "
                      f"({started.recovered_bytes / (1 << 20):.1f} MiB)")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][KafkaServer id={started.node_id}] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def _default_dir_note(started) -> str:
    """Which mode's default directory this is: the standalone and ZooKeeper-mode tutorials each have their own."""
    from kcli.broker.config import default_log_dir

    mode = "ZooKeeper mode" if started.zookeeper else "standalone mode"
    return f" ({mode}'s default; log.dirs sets another)" if started.log_dir == default_log_dir(bool(started.zookeeper)) else ""


def broker_stopped() -> None:
    _console().print("[KafkaServer] shut down completed")


def zookeeper_started(started) -> None:
    from kcli import __version__

    _log_to_console()
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — ZooKeeper-compatible server (standalone)")
    console.print(f"  client port     {started.host}:{started.port}")
    console.print(f"  data directory  {started.data_dir}")
    console.print(f"  tickTime        {started.tick_time} ms")
    console.print(f"  4lw commands    {', '.join(started.four_letter_words)}")
    if started.recovered_txns or started.sessions:
        console.print(f"  recovery        {started.recovered_txns} transactions replayed, {started.sessions} sessions restored, zxid 0x{started.zxid:x}")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][ZooKeeperServer] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def zookeeper_stopped() -> None:
    _console().print("ZooKeeper server shut down")
