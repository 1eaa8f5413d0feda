"""bench/run.py runs end to end on a tiny load and writes every figure; speed is not asserted here."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def _figure_keys() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return [f.key for f in module.FIGURES]


def test_quick_run_writes_every_figure(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--messages", "20000", "--out", str(out)],
        capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in results["figures"]}
    assert list(figures) == _figure_keys()
    for key, figure in figures.items():
        assert isinstance(figure["kcli"], (int, float)), key
        assert figure["met"] in (True, False, None), key
        assert (figure["met"] is None) == (figure["target"] is None), key
    assert results["messages"] == 20000
    assert "ready after launch" in done.stdout


def test_startup_bench_prints_every_row_side_by_side():
    """bench/startup.py, one round: the four commands, their ratios to python -c pass, the broker's ready figure."""
    done = subprocess.run([sys.executable, str(RUN.parent / "startup.py"), "--runs", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line[:24].strip(): line[24:].split() for line in done.stdout.splitlines()[2:6]}
    assert list(rows) == ["python -c pass", "kcli --help", "completion (one Tab)", "kcli topics --list"]
    assert all(len(cells) == 3 and all(float(c) > 0 for c in cells) for cells in rows.values()), done.stdout
    assert "target: kcli --help within 6x of python -c pass" in done.stdout
    assert "its banner said 'ready in" in done.stdout
