"""bench/run.py runs end to end on a tiny load and writes every figure; speed is not asserted here."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def _bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_every_figure(tmp_path):
    """Both tables: the mock-cluster figures, and the request-level ones of this tree and a baseline (here HEAD,
    extracted with git archive and run as its own broker) side by side, with their ratios."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--messages", "20000", "--baseline", "HEAD", "--out", str(out)],
        capture_output=True, text=True, timeout=150,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    bench = _bench_run()
    for key_list, figure_list, with_reference in (("figures", bench.FIGURES, None), ("request_figures", bench.REQUEST_FIGURES, True)):
        figures = {f["key"]: f for f in results[key_list]}
        assert list(figures) == [f.key for f in figure_list]
        for key, figure in figures.items():
            assert isinstance(figure["kcli"], (int, float)) and figure["kcli"] >= 0, key
            assert figure["met"] in (True, False, None), key
            assert (figure["met"] is None) == (figure["target"] is None), key
            if with_reference:
                assert isinstance(figure["reference"], (int, float)) and figure["ratio"] is not None, key
    assert results["messages"] == 20000 and results["baseline"] == "HEAD"
    assert len(results["request_trials"]["this tree"]) == len(results["request_trials"]["baseline"]) == 1
    assert "ready after launch" in done.stdout
    assert "request level — this tree vs the baseline HEAD" in done.stdout
    assert "broker CPU per empty fetch" in done.stdout and "kcli producer-perf-test" in done.stdout


def test_startup_bench_prints_every_row_side_by_side():
    """bench/startup.py, one round: the four commands, their ratios to python -c pass, the broker's ready figure."""
    done = subprocess.run([sys.executable, str(RUN.parent / "startup.py"), "--runs", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line[:24].strip(): line[24:].split() for line in done.stdout.splitlines()[2:6]}
    assert list(rows) == ["python -c pass", "kcli --help", "completion (one Tab)", "kcli topics --list"]
    assert all(len(cells) == 3 and all(float(c) > 0 for c in cells) for cells in rows.values()), done.stdout
    assert "target: kcli --help within 6x of python -c pass" in done.stdout
    assert "its banner said 'ready in" in done.stdout


def test_the_perf_tools_phase_reads_the_summary_line_not_a_window():
    """A producer-perf-test run longer than 5 s prints window lines first; the phase reads the last, summary line."""
    output = ("95141 records sent, 19028.2 records/sec (1.81 MB/sec), 10.5 ms avg latency, 183.0 ms max latency.\n"
              "100000 records sent, 18258.170531 records/sec (1.74 MB/sec), 10.67 ms avg latency, 183.00 ms max latency, "
              "6 ms 50th, 37 ms 95th, 51 ms 99th, 136 ms 99.9th.\n")
    total = _bench_run().request_cost.PRODUCER_TOTAL.search(output)
    assert total.groups() == ("100000", "18258.170531", "1.74", "10.67")
