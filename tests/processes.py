"""kcli commands as processes, for the end-to-end tests: one-shot runs and long-running servers."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

STARTED = re.compile(r"started on (\S+):(\d+)")


def kcli(*args, timeout=90, **kw) -> subprocess.CompletedProcess:
    """``python -m kcli ARGS`` to completion, text in and out."""
    return subprocess.run([sys.executable, "-m", "kcli", *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)


class KcliProcess:
    """A long-running ``kcli`` command (``server-start``, ``zookeeper-start``) whose stderr says ``started on HOST:PORT``.

    Waits for that line: ``host``, ``port`` and ``connect`` (``host:port``) are then set. If the
    process exits or stays silent for ``start_timeout_s`` instead, ``host`` stays None and
    ``lines`` holds what it printed.
    """

    def __init__(self, *args, cwd=None, start_timeout_s: float = 60, env=None):
        self.proc = subprocess.Popen([sys.executable, "-m", "kcli", *map(str, args)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
        self.lines: list[str] = []
        self.host: str | None = None
        self.port: int | None = None
        started = threading.Event()

        def read() -> None:
            for line in self.proc.stderr:
                self.lines.append(line)
                match = STARTED.search(line)
                if match and self.host is None:
                    self.host, self.port = match.group(1), int(match.group(2))
                    started.set()
            started.set()  # it exited

        self._drain = threading.Thread(target=read, daemon=True)
        self._drain.start()
        if not started.wait(start_timeout_s):
            self.proc.kill()
            self._drain.join(10)

    @property
    def connect(self) -> str | None:
        return None if self.host is None else f"{self.host}:{self.port}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait(self, timeout_s: float = 30) -> int:
        """Its exit code; one still running after ``timeout_s`` is killed (never left behind) and reported."""
        try:
            code = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            self._drain.join(10)
            raise AssertionError(f"still running {timeout_s} s after it was asked to stop; it printed:\n{self.output}") from None
        self._drain.join(10)
        return code

    def stop(self) -> int:
        """SIGTERM (TerminateProcess on Windows) unless it already exited; its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.wait()
