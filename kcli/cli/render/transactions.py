"""kafka-transactions' output."""

from __future__ import annotations

from kcli.cli.render.output import out


def transactions_table(table, output: str = "table") -> None:
    """kafka-transactions' prettyPrintTable: every cell padded to its column's width and followed by a tab; or JSON rows."""
    if output == "json":
        import json

        out(json.dumps([dict(zip(table.headers, row)) for row in table.rows], indent=2))
        return
    widths = [max([len(h)] + [len(row[i]) for row in table.rows]) for i, h in enumerate(table.headers)]
    for row in [table.headers, *table.rows]:
        out("".join(cell.ljust(width) + "\t" for cell, width in zip(row, widths)))
