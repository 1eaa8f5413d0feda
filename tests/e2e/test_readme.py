"""The README, run top to bottom as a new user types it: every shell block of every section, in order.

Each ``kcli`` line runs as a ``kcli`` process; where the README (or Kafka, for its tools) says what a
step prints, the output is checked against what the earlier steps did (the records typed at each
producer, the offsets a group committed). The rewrite rules, kept few so that a README change that
breaks a step fails here:

1. Opening blocks: ``python3 -m venv .venv`` and ``.venv/bin/pip install …`` set up the environment
   this test already runs in, so pip is not run; ``.venv/bin/kcli quickstart`` runs as ``kcli
   quickstart`` from this environment, its stand-in. ``.venv/bin/python -m pytest -q`` is the suite
   this test belongs to: not run.
2. A fresh machine: ``HOME`` is a temporary directory (``XDG_*`` unset), so kcli's default data
   directories land in it; every command runs in an empty temporary working directory.
3. Ports: ``server-start`` gets ``--override listeners=PLAINTEXT://127.0.0.1:0`` (in place of a
   listeners override it has); the README's ``localhost:PORT`` — the port its listeners named, 9092
   by default — then means the address that broker printed, and ``$KCLI_BOOTSTRAP_SERVER`` (the
   README's default for ``--bootstrap-server``) is the broker standing in for ``localhost:9092``. A
   broker config with ``zookeeper.connect`` gets the address of the ZooKeeper the README started on
   that port. ``zookeeper-start config/zookeeper.properties`` finds a copy of kcli's shipped file with
   ``clientPort=0`` in the working directory.
4. Servers (``server-start``, ``zookeeper-start``) run in the background until their ``started``
   line. One broker and one ZooKeeper at a time, as a user with one terminal for each: a running one
   is stopped with Ctrl+C (SIGINT) before the next starts, and every server is stopped so at the end;
   each must exit 0.
5. ``console-producer`` is fed the lines its block shows after the prompt — the prompt kcli prints
   for its flags, checked — or its ``<`` file.
6. ``console-consumer`` gets ``--max-messages N`` (the records the earlier steps leave it to print)
   and ``--timeout-ms 30000``: it ends once its records are in, where a user presses Ctrl+C, and a
   slow group join on a busy machine is no failure.
7. The WordCount consumer reads what Kafka Streams' demo writes: the test writes two such records
   first (``SETUP``), as that demo would.
8. Not run: sections whose own tests run them against what they need (``NOT_RUN`` says which):
   Security and Transactions (tests/e2e/test_tls.py, test_sasl.py, test_transactions_cli.py), Pub-sub
   with binders (a RabbitMQ node: tests/stream/test_example_e2e.py and test_cli.py run that example and
   its ``bindings`` table), and Benchmarks (minutes of load; tests/test_bench_smoke.py runs the
   scripts). A redirection into another shell's variable (zsh's ``${fpath[1]}``, PowerShell's
   ``$PROFILE``) checks the output only.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kcli.cli.interactive import producer_prompt
from kcli.config import shipped, tutorial_path
from kcli.tools.console_producer import LineReader
from tests.processes import KcliProcess, kcli

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_RUN = {
    "Benchmarks": "minutes of load on a shared machine; tests/test_bench_smoke.py runs the scripts",
    "Pub-sub with binders": "needs a RabbitMQ node; tests/stream/ runs this example end to end against one",
    "Transactions": "the command's forms on a live transaction; tests/e2e/test_transactions_cli.py runs each against one",
    "Security: TLS, SASL and ACLs": "fixed listener ports and certificates; tests/e2e/test_tls.py and test_sasl.py run these settings",
}
SETUP = {  # topic → records (key, value) an application writes before the README reads them
    "streams-wordcount-output": ("org.apache.kafka.common.serialization.LongSerializer", (("all", "1"), ("streams", "2"))),
}
CONSUMER_TIMEOUT_MS = "30000"
DATA_DIR = re.compile(r"data directory\s+(\S+)")


@dataclass
class Step:
    section: str
    line: str
    typed: list[str] = field(default_factory=list)  # lines shown after a console-producer's prompt


def steps(text: str) -> list[Step]:
    """The README's fenced blocks, line by line, with the section each is in."""
    found: list[Step] = []
    section, inside = "", False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.strip():
            if found and " console-producer " in f" {found[-1].line} " and not line.startswith(("kcli ", ".venv")):
                found[-1].typed.append(line)
            else:
                found.append(Step(section, line))
        elif not inside and line.startswith("#"):
            section = line.lstrip("#").strip()
    return found


def options(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]


def option(args: list[str], name: str) -> str | None:
    given = options(args, name)
    return given[-1] if given else None


def properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


@dataclass
class Server:
    process: KcliProcess
    readme_port: int
    log_dir: Path | None

    def interrupt(self) -> None:
        """Ctrl+C in its terminal: a clean stop, exit 0."""
        if self.process.proc.poll() is None:
            self.process.proc.send_signal(signal.SIGINT)
        assert self.process.wait() == 0, self.process.output


class Session:
    def __init__(self, tmp: Path):
        self.home, self.work = tmp / "home", tmp / "work"
        self.home.mkdir()
        self.work.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "KCLI_BOOTSTRAP_SERVER"}
        self.env["HOME"] = str(self.home)
        self.vars: dict[str, str] = {}
        self.running: dict[str, Server] = {}  # "broker" / "zookeeper" → the one running
        self.records: dict[tuple[Path, str], list[tuple[str | None, str]]] = {}  # (data dir, topic) → (key, value)
        self.committed: dict[tuple[Path, str, str], int] = {}  # (data dir, group, topic) → offset

    # -- addresses ---------------------------------------------------------------------------------
    def server_on(self, readme_port: int) -> Server:
        for server in self.running.values():
            if server.readme_port == readme_port:
                return server
        raise AssertionError(f"the README uses localhost:{readme_port}, but no server it started listens there")

    def localize(self, token: str) -> str:
        return re.sub(r"localhost:(\d+)", lambda m: self.server_on(int(m.group(1))).process.connect, token)

    def broker_at(self, args: list[str]) -> Server:
        given = option(args, "--bootstrap-server")
        if given is None:
            return self.server_on(9092)
        return next(s for s in self.running.values() if s.process.connect == given)

    def run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        if any(s.readme_port == 9092 for s in self.running.values()):
            self.env["KCLI_BOOTSTRAP_SERVER"] = self.server_on(9092).process.connect
        done = kcli(*args, cwd=self.work, env=self.env, **kw)
        assert done.returncode == 0, f"kcli {shlex.join(args)} exited {done.returncode}:\n{done.stderr}"
        return done

    # -- one README line -----------------------------------------------------------------------------
    def step(self, step: Step) -> None:
        line = step.line
        if "&&" in line:  # the opening blocks (rule 1)
            for part in (p.strip() for p in line.split("&&")):
                if part.startswith(".venv/bin/kcli "):
                    self.command(shlex.split(part)[1:], step)
                else:
                    assert part.startswith(("python3 -m venv ", ".venv/bin/pip install ", ".venv/bin/python -m pytest")), part
            return
        tokens = shlex.split(line, comments=True)
        substituted = re.fullmatch(r"(?:(\w+)=)?\$\((.*)\)", tokens[-1])
        if substituted and (tokens[0] == "eval" or len(tokens) == 1):  # NAME="$(kcli …)" or eval "$(kcli …)"
            name, inner = substituted.groups()
            printed = self.command(shlex.split(inner)[1:], step).stdout
            if name:
                self.vars[name] = printed.strip()
            elif shutil.which("bash"):
                evaluated = subprocess.run(["bash", "-c", printed], capture_output=True, text=True, env=self.env)
                assert evaluated.returncode == 0, evaluated.stderr
            return
        assert tokens[0] == "kcli", f"the test does not know how to run {line!r}"
        self.command([self.expand(t) for t in tokens[1:]], step)

    def expand(self, token: str) -> str:
        if token.startswith("~/"):
            token = str(self.home / token[2:])
        return re.sub(r"\$(\w+)", lambda m: self.vars.get(m.group(1), m.group(0)), token)

    def command(self, args: list[str], step: Step) -> subprocess.CompletedProcess:
        """``kcli ARGS`` with its redirections; checks what the step prints."""
        stdin = stdout = None
        for op in ("<", ">>", ">"):
            if op in args:
                at = args.index(op)
                target, args = args[at + 1], args[:at] + args[at + 2:]
                if op == "<":
                    stdin = (self.work / target).read_text()
                else:
                    stdout = target
        name = args[0]
        if name in ("server-start", "zookeeper-start") and "--print-config" not in args:
            self.start_server(args)
            return subprocess.CompletedProcess(args, 0, "", "")
        args = [self.localize(a) for a in args]
        if name == "console-producer":
            done = self.produce(args, step, stdin)
        elif name == "console-consumer":
            done = self.consume(args, stdout)
        else:
            done = self.run(args, input=stdin)
            self.check(args, done)
        if stdout and "$" not in stdout:  # rule 8: another shell's variable is not ours to write
            target = self.work / stdout
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a" if ">>" in step.line else "w") as f:
                f.write(done.stdout)
        return done

    # -- servers -------------------------------------------------------------------------------------
    def start_server(self, args: list[str]) -> None:
        kind = "broker" if args[0] == "server-start" else "zookeeper"
        given = next((a for a in args[1:] if not a.startswith("-") and "=" not in a), None)
        config = properties(self.config_path(given).read_text() if given else shipped("kraft/server.properties"))
        if kind == "broker":
            listener = config.get("listeners", "PLAINTEXT://localhost:9092")
            kept: list[str] = []
            for arg in args:  # the README's listeners override gives way to port 0 (rule 3)
                if kept[-1:] == ["--override"] and arg.startswith("listeners="):
                    kept.pop()
                    listener = arg.split("=", 1)[1]
                else:
                    kept.append(arg)
            readme_port = int(listener.rsplit(":", 1)[1])
            args = kept + ["--override", "listeners=PLAINTEXT://127.0.0.1:0"]
            if "zookeeper.connect" in config:
                zk_port = int(config["zookeeper.connect"].split(",")[0].rsplit(":", 1)[1])
                args += ["--override", f"zookeeper.connect={self.server_on(zk_port).process.connect}"]
        else:
            readme_port = int(config.get("clientPort", "2181"))
            if given and not (self.work / given).exists():
                (self.work / given).parent.mkdir(parents=True, exist_ok=True)
                (self.work / given).write_text(shipped(given.split("/", 1)[1]).replace(f"clientPort={readme_port}", "clientPort=0"))
        if kind in self.running:
            self.running.pop(kind).interrupt()
        process = KcliProcess(*args, cwd=self.work, env=self.env)
        server = Server(process, readme_port, None)
        self.running[kind] = server
        assert process.connect, process.output
        data_dir = DATA_DIR.search(process.output)
        server.log_dir = Path(data_dir.group(1)) if data_dir else None
        if kind == "broker":  # README: "It prints its version, listener, data directory and start-up time, then a `started` line"
            assert re.search(r"kcli \S+ .*\n\s+listener .*\n\s+data directory .*\n(.*\n)*\s+ready in .*\n.*started on", process.output), process.output

    def config_path(self, given: str) -> Path:
        local = self.work / given
        if local.exists():
            return local
        path, _ = tutorial_path(Path(given))
        assert path is not None and Path(path).is_file(), f"no {given} here and kcli ships none"
        return Path(path)

    def stop_all(self) -> None:
        """Ctrl+C to each server still running, the broker before its ZooKeeper; none is left behind."""
        failures = []
        for kind in ("broker", "zookeeper"):
            if kind in self.running:
                try:
                    self.running.pop(kind).interrupt()
                except AssertionError as exc:
                    failures.append(f"{kind}: {exc}")
        assert not failures, "\n".join(failures)

    # -- producers and consumers ---------------------------------------------------------------------
    def produce(self, args: list[str], step: Step, stdin: str | None) -> subprocess.CompletedProcess:
        topic = option(args, "--topic")
        log = self.records.setdefault((self.broker_at(args).log_dir, topic), [])
        if option(args, "--format") == "json":
            assert stdin is not None, "console-producer --format json reads a file here"
            done = self.run(args, input=stdin)
            log += [(r["key"], r["value"]) for r in map(json.loads, stdin.splitlines())]
            return done
        reader = LineReader.from_properties(dict(p.split("=", 1) for p in options(args, "--property")))
        prompt = producer_prompt(reader)
        assert step.typed, f"{step.line!r}: the README shows nothing typed at the prompt"
        typed = []
        for shown in step.typed:
            assert shown.startswith(prompt), f"the README shows {shown!r}; kcli's prompt for these flags is {prompt!r}"
            typed.append(shown[len(prompt):])
        done = self.run(args, input="".join(f"{line}\n" for line in typed))
        for line in typed:
            key, _, value = line.partition(reader.key_separator) if reader.parse_key else (None, "", line)
            log.append((key, value))
        return done

    def consume(self, args: list[str], stdout: str | None) -> subprocess.CompletedProcess:
        topic, group = option(args, "--topic"), option(args, "--group")
        broker = self.broker_at(args)
        if (broker.log_dir, topic) not in self.records and topic in SETUP:  # rule 7
            serializer, records = SETUP[topic]
            self.run(["console-producer", "--topic", topic, "--bootstrap-server", broker.process.connect, "--property", "parse.key=true",
                      "--property", f"value.serializer={serializer}"], input="".join(f"{k}\t{v}\n" for k, v in records))
            self.records[(broker.log_dir, topic)] = list(records)
        log = self.records.get((broker.log_dir, topic), [])
        start = self.committed.get((broker.log_dir, group, topic)) if group else None
        if start is None:
            assert "--from-beginning" in args, "a consumer at the end of the log prints nothing a user would wait for"
            start = 0
        expected = log[start:]
        assert expected, f"console-consumer --topic {topic} would wait for records the README never wrote"
        args = [a for i, a in enumerate(args) if a != "--timeout-ms" and args[i - 1:i] != ["--timeout-ms"]]
        done = self.run(args + ["--max-messages", str(len(expected)), "--timeout-ms", CONSUMER_TIMEOUT_MS])  # rule 6
        assert f"Processed a total of {len(expected)} messages" in done.stderr, done.stderr
        if "json" in options(args, "--formatter"):
            assert [(r["key"], r["value"]) for r in map(json.loads, done.stdout.splitlines())] == expected
        else:
            props = dict(p.split("=", 1) for p in options(args, "--property"))
            separator = props.get("key.separator", "\t")
            shown = [f"{'null' if k is None else k}{separator}{v}" if props.get("print.key") == "true" else v for k, v in expected]
            assert done.stdout.splitlines() == shown
        if group:
            self.committed[(broker.log_dir, group, topic)] = len(log)
        return done

    # -- what the other tools print --------------------------------------------------------------------
    def check(self, args: list[str], done: subprocess.CompletedProcess) -> None:
        name, out = args[0], done.stdout
        if name == "quickstart":
            assert "This is my third event" in out
        elif name == "topics" and "--create" in args:
            assert out == f"Created topic {option(args, '--topic')}.\n"
        elif name == "storage" and args[1] == "random-uuid":
            assert re.fullmatch(r"[A-Za-z0-9_-]{22}\n", out), out
        elif name == "storage" and args[1] == "format":
            assert "Formatting" in out, out
        elif name == "consumer-groups":
            self.check_group(args, out)
        elif name == "configs":
            assert out.startswith("Completed updating"), out
        elif name == "get-offsets" and option(args, "--time") == "earliest":  # README: prints topic:partition:offset
            assert out == f"{option(args, '--topic')}:0:0\n"
        elif name == "log-dirs":
            broker = self.broker_at(args)
            described = json.loads(out.splitlines()[-1])["brokers"][0]["logDirs"][0]
            assert described["logDir"] == str(broker.log_dir)
            assert [p["partition"] for p in described["partitions"]] == [f"{option(args, '--topic-list')}-0"]
        elif name == "dump-log":
            path = Path(option(args, "--files"))
            topic = path.parent.name.rsplit("-", 1)[0]
            payloads = [line.split(" payload: ", 1)[1] for line in out.splitlines() if " payload: " in line]
            assert payloads == [v for _, v in self.records[(path.parents[1], topic)]]
        elif name == "zookeeper-shell" and args[2:] == ["ls", "/brokers/ids"]:  # README: prints [0] while it runs
            assert out == "[0]\n"
        elif "--show-completion" in args:
            assert out.strip(), f"kcli {shlex.join(args)} printed nothing"

    def check_group(self, args: list[str], out: str) -> None:
        group, broker = option(args, "--group"), self.broker_at(args)
        rows = [line.split() for line in out.splitlines() if line.split()[:1] == [group]]
        if "--describe" in args:
            for row in rows:  # GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …
                end = len(self.records[(broker.log_dir, row[1])])
                assert row[3:6] == [str(self.committed[(broker.log_dir, group, row[1])]), str(end),
                                    str(end - self.committed[(broker.log_dir, group, row[1])])], out
            assert rows, out
        elif "--reset-offsets" in args and "--to-earliest" in args and "--execute" in args:
            assert [row[1:] for row in rows] == [[option(args, "--topic"), "0", "0"]], out
            self.committed[(broker.log_dir, group, option(args, "--topic"))] = 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the README's shell lines and paths (~/.local/share) are Linux's")
def test_the_readme_top_to_bottom(tmp_path):
    session = Session(tmp_path)
    ran = []
    try:
        for step in steps(README.read_text(encoding="utf-8")):
            if step.section in NOT_RUN:
                continue
            try:
                session.step(step)
            except Exception as exc:
                raise AssertionError(f"README, {step.section!r}: {step.line}\n{exc}") from exc
            ran.append(step.line)
    finally:
        session.stop_all()
    assert len(ran) > 30  # every section's blocks, not a README the parser stopped reading
