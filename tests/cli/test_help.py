"""Help pages at 80 columns, Kafka's script names as aliases, and what --help and a Tab import."""

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest
import typer.main

from kcli.cli.app import app
from kcli.cli.commands import KAFKA_NAMES
from tests.processes import kcli

COMMANDS = sorted(typer.main.get_command(app).commands)


@functools.cache  # a help page is the same every time: the alias test compares with the pages the 80-column test read
def _help(*args, columns=80):
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("LINES", None)
    return kcli(*args, "--help", env=env)


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=lambda c: " ".join(c) or "kcli")
def test_help_reads_cleanly_at_80_columns(command):
    result = _help(*command)
    text = result.stdout
    assert result.returncode == 0 and text.startswith("Usage: kcli")
    assert "<bool>" not in text and not re.search(r"<[a-z\[\]]+>", text), text  # no type labels: flags take no value
    assert "…" not in text and "..." not in text.replace("[ARGS]...", ""), text  # nothing cut short
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert not re.search(r"[a-z]-\n", text), text  # no word broken at a hyphen (kafka-\ntopics, --show-\ncompletion)


def test_kcli_alone_prints_its_usage_on_stderr_and_exits_1():
    result = kcli()
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("Usage: kcli [OPTIONS] COMMAND [ARGS]...") and "(see 'kcli --help')" not in result.stderr


def test_consumer_groups_states_are_the_value_of_state_not_a_positional():
    text = _help("consumer-groups").stdout
    assert "[STATE]" not in text and text.splitlines()[0] == "Usage: kcli consumer-groups [OPTIONS]"
    assert "--list --state Stable,Empty" in " ".join(text.split())


@pytest.mark.parametrize("command,error", [
    ("topics", "Command must include exactly one action: --list, --describe, --create, --alter or --delete"),
    ("consumer-groups", "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"),
])
def test_no_action_prints_kafkas_one_line_error_first_then_the_usage(command, error):
    result = kcli(command)
    lines = result.stderr.splitlines()
    assert (result.returncode, lines[0], lines[1]) == (1, error, f"Usage: kcli {command} [OPTIONS]")
    assert result.stdout == ""


def test_kafka_script_names_are_hidden_aliases():
    main_help = _help().stdout
    for kafka_name, name in KAFKA_NAMES.items():
        if kafka_name != name:
            assert kafka_name not in main_help.split("Commands:")[1].replace(f"({kafka_name})", "")
        expected = _help(name).stdout
        for alias in (kafka_name, f"{kafka_name}.sh"):
            result = _help(alias)
            assert result.returncode == 0, (alias, result.stderr)
            assert result.stdout == expected.replace(f"kcli {name} ", f"kcli {alias} ", 1), alias


def test_a_pasted_kafka_line_runs(broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    created = kcli("kafka-topics.sh", "--create", "--topic", "coffee", *bs)
    assert (created.returncode, created.stdout) == (0, "Created topic coffee.\n"), created.stderr
    listed = kcli("kafka-topics", "--list", *bs)
    assert listed.stdout.splitlines() == ["coffee"]


_HEAVY = ("kafka", "kazoo", "asyncio", "prompt_toolkit", "pydantic", "rich")
_IMPORTED = """
import os, sys
sys.argv = ["kcli", *sys.argv[1:]]
from kcli.cli.app import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(os.environ["HEAVY"].split(",")))), file=sys.stderr)
"""


@pytest.mark.parametrize("args,env", [
    (["--help"], {}),
    (["topics", "--help"], {}),
    (["console-producer", "--help"], {}),
    ([], {"_KCLI_COMPLETE": "complete_bash", "COMP_WORDS": "kcli top", "COMP_CWORD": "1"}),
    ([], {"_KCLI_COMPLETE": "complete_bash", "COMP_WORDS": "kcli topics --", "COMP_CWORD": "2"}),
    ([], {"_KCLI_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "kcli console-consumer --"}),
], ids=["help", "topics-help", "producer-help", "complete-command", "complete-option", "complete-zsh"])
def test_help_and_completion_import_no_client_server_or_prompt_library(args, env):
    """The first keystrokes stay fast: --help and a Tab import neither kafka-python, kazoo, asyncio,
    prompt-toolkit, nor pydantic (typer's value conversion) or rich."""
    result = subprocess.run([sys.executable, "-c", _IMPORTED, *args], capture_output=True, text=True,
                            env={**os.environ, **env, "HEAVY": ",".join(_HEAVY)}, timeout=60)
    assert result.stdout and result.stderr.splitlines()[-1] == "", result.stderr


def test_completion_answers_from_the_command_tree():
    def complete(words, cword):
        env = {**os.environ, "_KCLI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        return kcli(env=env).stdout.split()

    assert complete("kcli con", 1) == ["console-producer", "console-consumer", "consumer-groups", "configs", "consumer-perf-test"]
    assert complete("kcli kafka-topics --cr", 2) == ["--create"]
    assert "--topic" not in complete("kcli topics --topic x --", 4) and "--config" in complete("kcli topics --config a=1 --", 4)
    assert complete("kcli server-start ", 2) == []  # a path: bash's `complete -o default` lists files


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_completes_through_the_shipped_script():
    """bash itself: source completions/kcli.bash, press Tab (call its function), read COMPREPLY."""
    script = Path(__file__).resolve().parent.parent.parent / "completions" / "kcli.bash"
    kcli_dir = Path(sys.executable).parent
    if not (kcli_dir / "kcli").exists():
        pytest.skip("the kcli console script is not installed beside this python")
    line = ('source "$1"; COMP_WORDS=(kcli con); COMP_CWORD=1; _kcli_completion kcli; echo "${COMPREPLY[*]}"; '
            'COMP_WORDS=(kcli kafka-topics --li); COMP_CWORD=2; _kcli_completion kcli; echo "${COMPREPLY[*]}"')
    done = subprocess.run(["bash", "-c", line, "bash", str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{kcli_dir}{os.pathsep}{os.environ['PATH']}"})
    assert done.stdout.splitlines() == ["console-producer console-consumer consumer-groups configs consumer-perf-test", "--list"], done.stderr


def test_show_completion_prints_the_script_for_a_shell():
    zsh = kcli("--show-completion", "zsh")
    assert zsh.returncode == 0 and zsh.stdout.startswith("#compdef kcli\n")
    assert "complete -o default -F _kcli_completion kcli" in kcli("--show-completion", "bash").stdout
    bad = kcli("--show-completion", "tcsh")
    assert bad.returncode == 1 and "use one of bash, zsh, fish, powershell" in bad.stderr


def test_ready_in_counts_from_process_start():
    """The banner's 'ready in' includes the interpreter's start-up and imports: the clock starts with the process."""
    code = ("import time; time.sleep(0.3); from kcli.cli.launch import process_started; "
            "print(time.perf_counter() - process_started())")
    elapsed = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout)
    assert 0.3 <= elapsed < 60


def test_values_taken_as_typed_are_what_typer_would_make():
    """kcli converts plain text, whole numbers, flags and paths itself (no pydantic on the way in): same values, and
    typer's own check and wording for anything else."""
    import typer
    from typer.testing import CliRunner

    from kcli.cli.commands import KcliCommand, KcliGroup

    seen = {}
    demo = typer.Typer(cls=KcliGroup)

    @demo.command("run", cls=KcliCommand)
    def run(count: int = typer.Option(0, "--count"), ranged: int = typer.Option(1, "--ranged", min=1, max=3),
            path: Optional[Path] = typer.Option(None, "--path"), names: List[str] = typer.Option([], "--name"),
            flag: bool = typer.Option(False, "--flag")):
        seen.update(count=count, ranged=ranged, path=path, names=names, flag=flag)

    @demo.command("other", cls=KcliCommand)
    def other():
        pass

    runner = CliRunner()
    result = runner.invoke(demo, ["run", "--count", "-12", "--path", "a/b", "--name", "x", "--name", "y", "--flag", "--ranged", "2"])
    assert result.exit_code == 0, result.output
    assert seen == {"count": -12, "ranged": 2, "path": Path("a/b"), "names": ["x", "y"], "flag": True}
    bad = runner.invoke(demo, ["run", "--count", "twelve"])
    assert bad.exit_code == 2 and "Input should be a valid integer" in bad.output
    out_of_range = runner.invoke(demo, ["run", "--ranged", "7"])
    assert out_of_range.exit_code == 2 and "--ranged" in out_of_range.output
