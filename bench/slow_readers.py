"""Slow readers: the broker's resident memory while consumers fetch big and read slowly, this tree against a baseline.

    python bench/slow_readers.py [--baseline REV] [--readers 10] [--fetch-mib 50] [--seconds 30] [--tls]

Issue 13's target: ten consumers fetching 50 MiB at a time (``fetch.max.bytes`` and
``max.partition.fetch.bytes`` 50 MiB) and reading about 1 MiB/s each keep the broker under 150 MiB of RSS.
One broker of this tree and one of ``--baseline`` (default main's f414170, its ``kcli/`` extracted with
``git archive``) run at the same time (port 0, temporary data directories); each gets a one-partition topic
of ``--fetch-mib`` + 10 MiB of 1,000-byte records (~1 MiB batches), then two phases, the brokers' readers
running at the same time:

- ``1 MiB/s``: ``--readers`` raw-socket connections each send a Fetch (v12 at most, max_wait 0, both max
  bytes ``--fetch-mib``) from offset 0, read its response at 1 MiB/s (64 KiB, then a sleep), and ask again
  when it has all come, for ``--seconds``;
- ``0.25 MiB/s, reconnecting``: the same at a quarter of the rate, each reader giving up on a response after
  10 s and reconnecting, as a client whose request times out does (the broker may still hold what it had not
  sent).

A sampler reads each broker's RSS (psutil) every 0.2 s: the peak of each phase is printed, and the RSS once
the readers are gone. With ``--tls`` the listeners are SSL (a self-signed certificate made with
``openssl``), so the broker must copy the records through user space instead of using sendfile.
The machine may be shared: both brokers run at once so a busy moment falls on both.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from kafka.protocol.metadata.api_versions import ApiVersionsRequest
from kafka.protocol.producer.produce import ProduceRequest, ProduceResponse
from kafka.record.default_records import DefaultRecordBatchBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import baseline_source  # noqa: E402,F401 - also segment_size.py's
from wire import Connection  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STARTED = re.compile(r"started on (\S+):(\d+)")
TOPIC = "slow"
MIB = 1 << 20
CHUNK = 64 * 1024


class Broker:
    """``python -m kcli server-start`` of the ``kcli/`` under ``pythonpath`` on port 0, with ``overrides``."""

    def __init__(self, log_dir: Path, pythonpath: Path, overrides: dict[str, str]):
        log_dir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "kcli", "server-start", "--override", f"log.dirs={log_dir}"]
        for key, value in {"listeners": "PLAINTEXT://127.0.0.1:0", **overrides}.items():
            args += ["--override", f"{key}={value}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, cwd=log_dir, env={**os.environ, "PYTHONPATH": str(pythonpath)})
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            match = STARTED.search(line)
            if match:
                self.address = (match.group(1), int(match.group(2)))
                break
        else:
            raise SystemExit(f"the broker of {pythonpath} exited with {self.proc.wait()} before its 'started' line")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.ps = psutil.Process(self.proc.pid)

    @property
    def bootstrap(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def rss_mib(self) -> float:
        return self.ps.memory_info().rss / MIB

    def cpu_seconds(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _TlsConnection(Connection):
    """bench/wire.py's connection over TLS (the certificate is not checked: a bench's own, self-signed)."""

    def __init__(self, bootstrap: str):
        host, _, port = bootstrap.rpartition(":")
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.sock = context.wrap_socket(socket.create_connection((host, int(port)), timeout=60), server_hostname=host)
        self._buffer = bytearray(1 << 16)
        versions = self.call(ApiVersionsRequest(version=0))
        self.max_versions = {v.api_key: v.max_version for v in versions.api_keys}


def connect(bootstrap: str, tls: bool) -> Connection:
    return _TlsConnection(bootstrap) if tls else Connection(bootstrap)


def _batch_of_now(value: bytes, records: int) -> bytes:
    """A v2 batch stamped now (retention would delete a log stamped long ago while the readers read it)."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 30)
    now = int(time.time() * 1000)
    for i in range(records):
        builder.append(i, timestamp=now, key=None, value=value, headers=[])
    return bytes(builder.build())


def fill(bootstrap: str, tls: bool, mib: int) -> None:
    """A one-partition topic holding ``mib`` MiB of 1,000-byte records, in 1 MiB batches."""
    c = connect(bootstrap, tls)
    c.create_topics({TOPIC: 1})
    batch = _batch_of_now(b"x" * 1000, records=1000)  # just under message.max.bytes
    for _ in range(-(-mib * MIB // len(batch))):
        c.sock.sendall(c.produce_frame(TOPIC, 0, batch))
        response = ProduceResponse.decode(bytes(c._read()), version=c.version(0, ProduceRequest), header=True)
        error = response.responses[0].partition_responses[0].error_code
        if error:
            raise SystemExit(f"producing to {bootstrap} failed with error code {error}")
    c.close()


def _read_paced(sock, size: int, rate: float, deadline: float, stop: threading.Event) -> bool:
    """Read and drop ``size`` bytes at ``rate`` bytes/s; False if ``deadline`` (perf_counter) or ``stop`` comes first."""
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    began, got = time.perf_counter(), 0
    while got < size:
        n = sock.recv_into(view[: min(CHUNK, size - got)])
        if not n:
            raise ConnectionError("closed by the broker")
        got += n
        ahead = got / rate - (time.perf_counter() - began)
        if ahead > 0:
            time.sleep(ahead)
        if time.perf_counter() > deadline or stop.is_set():
            return False
    return True


def reader(bootstrap: str, tls: bool, fetch_bytes: int, rate: float, give_up_s: float | None, stop: threading.Event,
           responses: list[int]) -> None:
    """Fetch from offset 0 and read each response at ``rate``, until ``stop``; reconnect when a response takes
    longer than ``give_up_s``."""
    c = connect(bootstrap, tls)
    frame = c.fetch_frame(TOPIC, 0, 0, fetch_bytes)
    try:
        while not stop.is_set():
            c.sock.sendall(frame)
            header = b""
            while len(header) < 4:
                more = c.sock.recv(4 - len(header))
                if not more:
                    raise ConnectionError("closed by the broker")
                header += more
            (size,) = struct.unpack(">i", header)
            deadline = time.perf_counter() + (give_up_s or 1e9)
            if _read_paced(c.sock, size, rate, deadline, stop):
                responses.append(size)
                continue
            c.close()  # a request timed out: drop the connection and make a new one, as a client does
            if stop.is_set():
                return
            c = connect(bootstrap, tls)
    except (ConnectionError, OSError):
        if not stop.is_set():
            raise
    finally:
        c.close()


def phase(brokers: dict[str, Broker], args, rate: float, give_up_s: float | None) -> dict[str, dict]:
    """The readers of every broker at once for ``args.seconds``: each broker's peak RSS and responses read."""
    stop = threading.Event()
    responses: dict[str, list[int]] = {side: [] for side in brokers}
    threads = [threading.Thread(target=reader, args=(b.bootstrap, args.tls, args.fetch_mib * MIB, rate, give_up_s, stop,
                                                     responses[side]), daemon=True)
               for side, b in brokers.items() for _ in range(args.readers)]
    peaks = {side: b.rss_mib() for side, b in brokers.items()}
    cpu = {side: b.cpu_seconds() for side, b in brokers.items()}
    for t in threads:
        t.start()
    ends = time.perf_counter() + args.seconds
    while time.perf_counter() < ends:
        for side, b in brokers.items():
            peaks[side] = max(peaks[side], b.rss_mib())
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=max(10.0, (give_up_s or 0) + 5))
    time.sleep(1.0)
    return {side: {"peak_rss_mib": peaks[side], "after_rss_mib": b.rss_mib(), "responses": len(responses[side]),
                   "cpu_s": b.cpu_seconds() - cpu[side]} for side, b in brokers.items()}


def _certificate(tmp: Path) -> dict[str, str]:
    """SSL listener overrides: a key store of a self-signed key and certificate made by openssl (one PEM file)."""
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    store = tmp / "keystore.pem"
    store.write_bytes(key.read_bytes() + cert.read_bytes())
    return {"listeners": "SSL://127.0.0.1:0", "ssl.keystore.type": "PEM", "ssl.keystore.location": str(store)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="f414170", help="git revision to compare with ('none': this tree only)")
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--fetch-mib", type=int, default=50)
    parser.add_argument("--rate-mib", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--tls-overrides", default="", help="key=value,... overriding the SSL listener settings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kcli-bench-slow-") as tmp_name:
        tmp = Path(tmp_name)
        sources = {"this tree": ROOT}
        if args.baseline != "none":
            sources = {"baseline": tmp / "baseline", "this tree": ROOT}
            sources["baseline"].mkdir()
            baseline_source(args.baseline, sources["baseline"])
        overrides = _certificate(tmp) if args.tls else {}
        if args.tls_overrides:
            overrides.update(dict(item.split("=", 1) for item in args.tls_overrides.split(",")))
        brokers: dict[str, Broker] = {}
        try:
            for side, source in sources.items():
                brokers[side] = Broker(tmp / f"logs-{side.replace(' ', '-')}", source, overrides)
            for b in brokers.values():
                fill(b.bootstrap, args.tls, args.fetch_mib + 10)
            time.sleep(1.0)
            results = {"filled": {side: {"after_rss_mib": b.rss_mib()} for side, b in brokers.items()}}
            rate = args.rate_mib * MIB
            results[f"{args.rate_mib:g} MiB/s"] = phase(brokers, args, rate, None)
            results[f"{args.rate_mib / 4:g} MiB/s, reconnecting after 10 s"] = phase(brokers, args, rate / 4, 10.0)
        finally:
            for b in brokers.values():
                b.stop()
    print(f"{args.readers} readers, Fetch of {args.fetch_mib} MiB, {args.seconds:g} s per phase"
          f"{' over TLS' if args.tls else ''}; broker RSS in MiB (target: peak <= 150)")
    sides = list(sources)
    print(f"{'phase':<40}" + "".join(f"{side + ' peak':>18}{side + ' after':>18}{side + ' resp':>16}" for side in sides))
    for name, figures in results.items():
        row = f"{name:<40}"
        for side in sides:
            f = figures[side]
            row += f"{f.get('peak_rss_mib', float('nan')):>18.0f}{f['after_rss_mib']:>18.0f}{f.get('responses', 0):>16}"
        print(row)


if __name__ == "__main__":
    main()
