"""CPU per index entry on the append path: an offset index entry and a time index entry, as a batch that
crosses ``index.interval.bytes`` adds them, on one or more kcli checkouts.

    python bench/index_append.py [--entries N] CHECKOUT [CHECKOUT ...]

Each CHECKOUT is a directory holding a ``kcli`` package; each is timed in a subprocess of its own (process
CPU time around N pairs of ``OffsetIndex.append`` and ``TimeIndex.maybe_append`` on files in a temporary
directory). A produce spread over 1,000 partitions adds one such pair for most of its batches.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

_TIMED = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from kcli.broker.log.index import OffsetIndex
from kcli.broker.log.time_index import TimeIndex
n = int(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    offsets, times = OffsetIndex(Path(tmp) / "0.index", 0), TimeIndex(Path(tmp) / "0.timeindex", 0)
    offsets.reset()
    times.reset()
    began = time.process_time()
    for i in range(1, n + 1):
        offsets.append(i, i * 4096)
        times.maybe_append(1_700_000_000_000 + i, i)
    print((time.process_time() - began) / n * 1e6)
    offsets.close()
    getattr(times, "close", lambda: None)()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--entries", type=int, default=30_000)
    args = parser.parse_args()
    for checkout in args.checkouts:
        out = subprocess.run([sys.executable, "-c", _TIMED, str(checkout.resolve()), str(args.entries)],
                             capture_output=True, text=True, check=True).stdout
        print(f"{str(checkout):<40}{float(out):8.1f} µs CPU per offset + time index entry")


if __name__ == "__main__":
    main()
