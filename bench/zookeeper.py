"""ZooKeeper ops/s through kazoo: kcli's server and Debian's real Apache ZooKeeper, side by side in one run.

    python bench/zookeeper.py              # 5,000 ops per figure, 3 trials each, medians
    python bench/zookeeper.py --ops 1000 --trials 1

Starts ``python -m kcli zookeeper-start`` and Debian's ZooKeeper (``apt-get install zookeeper``; run as
``java ... QuorumPeerMain zoo.cfg``) on free loopback ports with temporary dataDirs, both with their default
durability (fsync before each acknowledgement), then measures with one kazoo client each:
create (100-byte values, one request at a time), getData (one at a time), and both again pipelined
(``create_async``/``get_async``, 100 requests in flight). Prints ops/s per server and the ratio kcli / ZooKeeper
(``--out FILE`` also writes every trial as JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kazoo.client import KazooClient

ZK_JARS = ["/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-api.jar",
           "/usr/share/java/slf4j-nop.jar"]
VALUE = b"x" * 100
PIPELINE = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_srvr(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"srvr")
                if s.recv(100).startswith(b"Zookeeper version"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no ZooKeeper answered srvr on port {port}")


def start_kcli(work: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    props = work / "kcli.properties"
    props.write_text(f"dataDir={(work / 'kcli-data').as_posix()}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n")
    proc = subprocess.Popen([sys.executable, "-m", "kcli", "zookeeper-start", str(props)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_srvr(port)
    return proc, port


def start_apache(work: Path) -> tuple[subprocess.Popen, int]:
    java = shutil.which("java")
    if java is None or not Path("/usr/share/java/zookeeper.jar").exists():
        raise SystemExit("Debian's zookeeper package and java are needed for the reference: apt-get install zookeeper")
    port = _free_port()
    cfg = work / "zoo.cfg"
    cfg.write_text(f"dataDir={work / 'apache-data'}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n"
                   "admin.enableServer=false\n")
    classpath = ":".join(p for p in ZK_JARS if Path(p).exists())
    proc = subprocess.Popen([java, "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_srvr(port)
    return proc, port


def _version(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"srvr")
        first = s.recv(200).decode().splitlines()[0]
    return re.sub(r"^Zookeeper version: ", "", first).split(",")[0]


def measure(port: int, ops: int, trials: int) -> dict:
    client = KazooClient(f"127.0.0.1:{port}", timeout=30)
    client.start(timeout=30)
    figures: dict[str, list[float]] = {"create": [], "getData": [], "create pipelined": [], "getData pipelined": []}
    try:
        for trial in range(trials):
            root = f"/bench{trial}"
            client.create(root)
            start = time.perf_counter()
            for i in range(ops):
                client.create(f"{root}/n{i}", VALUE)
            figures["create"].append(ops / (time.perf_counter() - start))
            start = time.perf_counter()
            for i in range(ops):
                client.get(f"{root}/n{i}")
            figures["getData"].append(ops / (time.perf_counter() - start))
            start = time.perf_counter()
            _pipelined(lambda i: client.create_async(f"{root}/p{i}", VALUE), ops)
            figures["create pipelined"].append(ops / (time.perf_counter() - start))
            start = time.perf_counter()
            _pipelined(lambda i: client.get_async(f"{root}/p{i}"), ops)
            figures["getData pipelined"].append(ops / (time.perf_counter() - start))
    finally:
        client.stop()
        client.close()
    return {name: {"median": statistics.median(v), "trials": v} for name, v in figures.items()}


def _pipelined(send, ops: int) -> None:
    in_flight = []
    for i in range(ops):
        in_flight.append(send(i))
        if len(in_flight) >= PIPELINE:
            in_flight.pop(0).get(timeout=30)
    for result in in_flight:
        result.get(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures and every trial as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kcli-zk-bench-"))
    results = {}
    try:
        for name, start in (("kcli", start_kcli), ("zookeeper", start_apache)):
            proc, port = start(work)
            try:
                results[name] = {"version": _version(port), "figures": measure(port, args.ops, args.trials)}
            finally:
                proc.terminate()
                proc.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"ops/s through kazoo, {args.ops} ops x {args.trials} trials (median); "
          f"kcli {results['kcli']['version']} vs Apache ZooKeeper {results['zookeeper']['version']}")
    print(f"{'figure':<20}{'kcli':>12}{'zookeeper':>12}{'ratio':>8}")
    for figure in results["kcli"]["figures"]:
        ours = results["kcli"]["figures"][figure]["median"]
        theirs = results["zookeeper"]["figures"][figure]["median"]
        print(f"{figure:<20}{ours:>12,.0f}{theirs:>12,.0f}{ours / theirs:>8.2f}")
    if args.out is not None:
        args.out.write_text(json.dumps({"ops": args.ops, "trials": args.trials, "cpus": os.cpu_count(), **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
