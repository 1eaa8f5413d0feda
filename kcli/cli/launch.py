"""When this process started, on the ``time.perf_counter()`` clock: the servers' ``ready in`` counts from it.

A user times a start from the moment they press Enter, so the banner does too: the interpreter's own
start-up and kcli's imports are part of it. The operating system knows when the process began —
Linux: ``/proc/self/stat``'s start time in clock ticks since boot; Windows: ``GetProcessTimes``.
Elsewhere (and if that fails) the earliest moment kcli's code ran stands in: ``kcli/__init__``.
"""

from __future__ import annotations

import os
import sys
import time


def process_started() -> float:
    """A ``time.perf_counter()`` value for the moment this process was created."""
    elapsed = None
    try:
        if sys.platform.startswith("linux"):
            elapsed = _linux_elapsed()
        elif sys.platform == "win32":
            elapsed = _windows_elapsed()
    except (OSError, ValueError, IndexError, AttributeError):
        elapsed = None
    now = time.perf_counter()
    if elapsed is None or elapsed < 0:
        from kcli import IMPORTED

        return IMPORTED
    return now - elapsed


def _linux_elapsed() -> float:
    with open("/proc/self/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime, counting from the comm's ")"
    return time.clock_gettime(time.CLOCK_BOOTTIME) - started


def _windows_elapsed() -> float:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    creation, exit_, kernel, user, now = (wintypes.FILETIME() for _ in range(5))
    if not kernel32.GetProcessTimes(kernel32.GetCurrentProcess(), ctypes.byref(creation), ctypes.byref(exit_),
                                    ctypes.byref(kernel), ctypes.byref(user)):
        raise OSError("GetProcessTimes failed")
    kernel32.GetSystemTimeAsFileTime(ctypes.byref(now))

    def ticks(ft) -> int:  # 100 ns units
        return (ft.dwHighDateTime << 32) | ft.dwLowDateTime

    return (ticks(now) - ticks(creation)) / 1e7
