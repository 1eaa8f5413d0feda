"""A small filesystem that can really fill up: a tmpfs mounted for one test (root on Linux, as CI runs)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(directory: Path, size: str = "16m"):
    """Mount a tmpfs of ``size`` on ``directory`` (created) for the block; skips the test, with the reason, where it cannot."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mounts a tmpfs: Linux only")
    if os.geteuid() != 0:
        pytest.skip(f"mounting a {size} tmpfs needs root (CI runs as root)")
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield directory
    finally:
        if subprocess.run(["umount", str(directory)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(directory)], check=True)  # files a failed test left open: detach it


def free_bytes(directory: Path) -> int:
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


def fill(path: Path, leave: int = 0) -> None:
    """Write ``path`` so that about ``leave`` bytes stay free on its filesystem (tmpfs counts whole pages)."""
    size = max(free_bytes(path.parent) - leave, 0)
    with open(path, "wb") as f:
        f.write(b"\0" * size)
