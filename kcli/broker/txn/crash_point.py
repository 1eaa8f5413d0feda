"""Crash points: the broker kills itself at a named point of writing a transaction, for recovery tests.

``KCLI_CRASH_POINT`` (read once, when the broker imports this module) names
the point, as ``POINT`` or ``POINT:TRANSACTIONAL_ID`` (only that transaction's
writes reach it); unset or empty, ``reach`` does nothing. The points, in the
order EndTxn writes them (service.py):

- ``txn-after-prepare``: the PrepareCommit/PrepareAbort record is in
  ``__transaction_state``, no marker is written yet;
- ``txn-between-markers``: the marker of the transaction's first partition is
  written, the others are not.

Reaching the named point sends SIGKILL to the broker's own process, so
nothing after it runs (no flush, no snapshot, no clean close) — a ``kill -9``
at exactly that point. Windows has no SIGKILL: ``os._exit`` ends the process
as abruptly there.
"""

from __future__ import annotations

import os
import signal

POINTS = frozenset({"txn-after-prepare", "txn-between-markers"})
ARMED = os.environ.get("KCLI_CRASH_POINT") or None


def reach(point: str, transactional_id: str) -> None:
    """Kill this process now when ``point`` (one of POINTS) of ``transactional_id``'s writes is the armed one."""
    assert point in POINTS, point
    if ARMED is None or ARMED not in (point, f"{point}:{transactional_id}"):
        return
    sigkill = getattr(signal, "SIGKILL", None)
    if sigkill is None:
        os._exit(137)
    os.kill(os.getpid(), sigkill)
