"""Tables: Kafka's fixed-width columns when stdout is piped, rich tables on a terminal, or JSON.

Layouts are ConsumerGroupCommand's (Kafka 3.x): a column is padded to at least its width and the last one not
at all, a table starts with a blank line, and a missing value prints as "-".
"""

from __future__ import annotations

import sys

from kcli.cli.render.output import out


def _is_terminal(terminal: bool | None) -> bool:
    return sys.stdout.isatty() if terminal is None else terminal


def cell(value) -> str:
    return "-" if value is None else str(value)


def columns(widths, values, last_padded: bool = False) -> str:
    """Java's ``%-Ns`` for each column but the last, which is written as is unless ``last_padded``."""
    cells = [cell(v) for v in values]
    padded = [c.ljust(w) for c, w in zip(cells[:-1], widths)]
    return " ".join(padded + [cells[-1].ljust(widths[-1]) if last_padded else cells[-1]])


_SHORTEST_ID = 12  # a text cell is not shortened below this (or its header): prefix…suffix still tells ids apart


def table(headers, rows, terminal: bool | None, fixed, console=None) -> None:
    """``rows`` as a rich table on a terminal, else through ``fixed`` (the Kafka layout, one string).

    On a terminal every header and every row is one line: text cells too long for the width are
    shortened in the middle (``console-consu…41a669d6``), numbers never; a terminal too narrow
    even for that gets Kafka's layout.
    """
    if not _is_terminal(terminal):
        sys.stdout.write(fixed)
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    cells = [[cell(v) for v in row] for row in rows]
    widths = _fitted_widths(headers, cells, console.width - 2 * (len(headers) - 1))  # two spaces between columns
    if widths is None:
        console.file.write(fixed)
        return
    ellipsis = "…" if console.encoding.lower().startswith("utf") else "~"
    grid = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for header, width in zip(headers, widths):
        grid.add_column(header, width=width, no_wrap=True, overflow="crop")
    for row in cells:
        grid.add_row(*(_shortened(text, width, ellipsis) for text, width in zip(row, widths)))
    console.print()
    console.print(grid)


def _fitted_widths(headers, cells, budget: int) -> list[int] | None:
    """Column widths that fit ``budget``: each column's longest cell, the widest text columns cut down
    first, none below its header nor ``_SHORTEST_ID``; None when even that is too wide."""
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    floors = [w if all(_numeric(row[i]) for row in cells) else max(len(h), min(w, _SHORTEST_ID))
              for i, (h, w) in enumerate(zip(headers, widths))]
    if sum(floors) > budget:
        return None
    while sum(widths) > budget:
        i = max(range(len(widths)), key=lambda k: widths[k] - floors[k])
        widths[i] -= min(sum(widths) - budget, widths[i] - floors[i], max(1, (widths[i] - floors[i]) // 2))
    return widths


def _numeric(text: str) -> bool:
    return text == "-" or text.lstrip("-").isdigit()


def _shortened(text: str, width: int, ellipsis: str) -> str:
    """``text`` in ``width`` characters: its start and its end (where ids differ), joined by an ellipsis."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + ellipsis + (text[-tail:] if tail else "")


def print_json(document) -> None:
    import json

    out(json.dumps(document, indent=2))
