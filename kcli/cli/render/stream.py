"""What ``kcli stream`` prints: the bindings table and the messages to stdout, status and errors to stderr."""

from __future__ import annotations

from kcli.cli.render.output import err, fail, out, warn

__all__ = ["binding_table", "fail", "live_status", "sent", "started", "stopped", "warn"]

_COLUMNS = ("FUNCTION", "BINDING", "BINDER", "DESTINATION", "GROUP / QUEUE", "DLQ", "PARTITIONS", "CONTENT-TYPE")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    return ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]


def binding_table(rows) -> None:
    """One line per binding, in Kafka's tools' plain column style."""
    cells: list[tuple[str, ...]] = [(r.function, r.binding, r.binder, r.destination, r.group or "-", r.dlq or "-", r.partitions or "-", r.content_type)
             for r in rows]
    for line in _table(_COLUMNS, cells):
        out(line)


def started(resolution) -> None:
    names = ", ".join(f"{b.name} → {b.destination} ({b.binder.name})" for b in resolution.bindings)
    err(f"kcli stream: started {len(resolution.bindings)} binding(s): {names}")


def _status_rows(runner) -> list[tuple[str, ...]]:
    return [(s.binding, s.binder, s.destination, str(s.received), str(s.sent), str(s.failed), str(s.dead_lettered))
            for s in runner.status]


_STATUS = ("BINDING", "BINDER", "DESTINATION", "IN", "OUT", "FAILED", "DEAD-LETTERED")


def live_status(runner) -> None:
    """A table of each binding's counts, redrawn twice a second until the runner is asked to stop."""
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

    def table() -> Table:
        t = Table(*_STATUS, title="kcli stream (Ctrl+C to stop)")
        for row in _status_rows(runner):
            t.add_row(*row)
        return t

    with Live(table(), console=Console(), refresh_per_second=2, transient=False) as live:
        while not runner.wait(0.5):
            live.update(table())
        live.update(table())


def stopped(runner) -> None:
    for line in _table(_STATUS, _status_rows(runner)):
        err(line)
    err("kcli stream: stopped")


def sent(where: str) -> None:
    err(f"Sent 1 message to {where}")
