"""Small applications for the binder tests, written to a file and loaded as ``kcli stream run`` loads them."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from kcli.stream.application import load
from kcli.stream.runner import StreamRunner


def write_app(directory: Path, code: str) -> Path:
    path = directory / f"app_{uuid.uuid4().hex[:8]}.py"
    path.write_text(code)
    return path


def start(directory: Path, code: str, props: dict[str, str]):
    """A running StreamRunner for ``code`` and ``props``, and the loaded module (to read what its functions saw)."""
    path = write_app(directory, code)
    runner = StreamRunner(load(str(path), None, props), poll_timeout_s=0.1)
    runner.start()
    return runner, sys.modules[path.stem]
