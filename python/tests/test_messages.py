"""Warnings and notes of the library become Python warnings and log records; progress reaches a
callable; Ctrl-C stops a long fit."""

import logging
import os
import signal
import threading
import time
import warnings

import pytest

import flashmm
from conftest import MAIN


def test_non_converged_genes_warn(s1_adata):
    with pytest.warns(flashmm.FlashmmWarning, match="converge"):
        result = flashmm.de(s1_adata, **dict(MAIN, max_iter=1), progress=False)
    assert not result.genes["converged"].all()


def test_dropped_cells_warn(s1_adata):
    adata = s1_adata.copy()
    adata.obs["age"] = adata.obs["age"].astype(float)
    adata.obs.iloc[:10, adata.obs.columns.get_loc("age")] = float("nan")
    with pytest.warns(flashmm.FlashmmWarning) as record:
        result = flashmm.de(adata, fixed="~ log(libsize) + age + cls", random="~ 0 + sam", progress=False)
    assert result.n == 3990
    assert any("10" in str(w.message) for w in record)


def test_notes_go_to_the_log_and_nothing_is_printed(s1_adata, caplog, capfd):
    with caplog.at_level(logging.INFO, logger="flashmm"), warnings.catch_warnings():
        warnings.simplefilter("error")
        flashmm.de(s1_adata, **MAIN, device="auto")
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # stderr is not a terminal here: no live line
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("fitting: ") for m in messages)
    if not any("GPU" in m or "CPU" in m for m in messages):
        pytest.fail(f"no note on the device used: {messages}")


def test_progress_callable(s1_adata):
    calls = []
    flashmm.de(s1_adata, **MAIN, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert ("reading", 4000, 4000) in calls
    assert ("fitting", 60, 60) in calls


def test_an_error_in_the_progress_callable_stops_the_call(s1_adata):
    def stop(stage, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flashmm.de(s1_adata, **MAIN, progress=stop)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
def test_ctrl_c_interrupts_a_long_fit():
    adata = flashmm.simulate(genes=3000, cells=10000, samples=20, clusters=4, de_genes=0, seed=3, progress=False)
    seen, sent = [], []

    def progress(stage, done, total):
        seen.append((stage, done, total))
        if stage == "fitting" and not sent:  # Ctrl-C 0.2 s into the fit of the genes
            sent.append(time.monotonic())
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()

    with pytest.raises(KeyboardInterrupt):
        flashmm.de(adata, fixed="~ 0 + log(libsize) + cls + cls:trt", random=["~ 0 + sam", "~ 0 + cls:sam"],
                   threads=2, progress=progress)
    stopped = time.monotonic() - sent[0]
    fitting = [d for stage, d, total in seen if stage == "fitting"]
    assert max(fitting) < 3000  # stopped while genes were still being fitted
    assert stopped < 0.2 + 1.5, stopped


def test_ctrl_c_still_raises_after_writing_results(tmp_path, data_dir):
    """Writing the program's files must leave Python's Ctrl-C handling as it was."""
    import subprocess
    import sys

    code = ("import os, signal, time, flashmm\n"
            "r = flashmm.de(os.path.join(os.environ['DATA'], 's1.h5ad'), '~ 0 + log(libsize) + cls', '~ 0 + sam', "
            "progress=False)\n"
            "r.to_dir(os.environ['OUT'])\n"
            "flashmm.sumstats(r'%s', '~ 0 + log(libsize) + cls', '~ 0 + sam', out=os.environ['OUT'] + '/s.h5', "
            "progress=False)\n"
            "try:\n"
            "    os.kill(os.getpid(), signal.SIGINT); time.sleep(2)\n"
            "except KeyboardInterrupt:\n"
            "    print('KeyboardInterrupt')\n" % (data_dir / "s1.h5ad"))
    env = dict(os.environ, DATA=str(data_dir), OUT=str(tmp_path / "out"))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "KeyboardInterrupt", (r.returncode, r.stderr)
