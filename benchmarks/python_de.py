#!/usr/bin/python3
"""flashmm.de on an in-memory AnnData against the program on the same data as .h5ad: time and peak memory.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_de.py --cli build/flashmm \
        --genes 2000 --cells 200000 --repeats 3 --work /tmp/flashmm_bench > benchmarks/results/python_de_DATE.md

Each run is a fresh process. The program: `flashmm de data.h5ad ... --device cpu` (wall time, and
its peak RSS from getrusage). Python: anndata.read_h5ad into memory (not timed: the user has the
AnnData already), then the peak-RSS counter is reset (/proc/self/clear_refs) and
flashmm.de(adata, ...) is timed; its peak RSS is compared with the RSS before the data were
loaded, against the size of the matrix plus one block of cells (the nonzeros of the largest block
of chunk_cells cells at 12 bytes each, as the program's reader holds them: int32 gene index and
double value).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

FIXED = "~ 0 + log(libsize) + cls + cls:trt"
RANDOM = "~ 0 + sam"


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def python_run(path, chunk_cells, threads):
    """In a fresh process: load, reset the peak, time de."""
    import anndata
    import numpy as np

    import flashmm

    before_load = status_kb("VmRSS")
    adata = anndata.read_h5ad(path)
    X = adata.X
    matrix = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    nnz_per_block = np.diff(X.indptr[::chunk_cells].tolist() + [X.indptr[-1]]).max()
    after_load = status_kb("VmRSS")
    from flashmm._data import open_data

    t0 = time.perf_counter()
    open_data(adata)  # the binding's own work before the library's: obs -> metadata, the matrix's views
    t_open = time.perf_counter() - t0  # (what it keeps resident afterwards counts in de()'s peak below)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    stages = {}

    def progress(stage, done, total):
        now = time.perf_counter()
        first, _ = stages.get(stage, (now, now))
        stages[stage] = (first, now)

    t0 = time.perf_counter()
    result = flashmm.de(adata, FIXED, RANDOM, device="cpu", threads=threads, chunk_cells=chunk_cells,
                        progress=progress)
    wall = time.perf_counter() - t0
    peak = status_kb("VmHWM")
    return {"wall_s": wall, "binding_prepare_s": t_open, "rss_before_load_kb": before_load,
            "rss_after_load_kb": after_load, "peak_kb": peak,
            "matrix_bytes": int(matrix), "block_bytes": int(nnz_per_block) * 12 + (chunk_cells + 1) * 8,
            "genes_converged": int(result.genes["converged"].sum()), "nnz": int(X.nnz), "dtype": str(X.dtype),
            "stages_s": {k: b - a for k, (a, b) in stages.items()}, "t0": t0}


def cli_run(cli, path, out, chunk_cells, threads):
    t0 = time.perf_counter()
    r = subprocess.run([cli, "de", path, "--fixed", FIXED, "--random", RANDOM, "--device", "cpu", "--threads",
                        str(threads), "--chunk-cells", str(chunk_cells), "--force", "--out", out],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "peak_kb": peak, "stderr": r.stderr.strip()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--genes", type=int, default=2000)
    ap.add_argument("--cells", type=int, default=200000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--chunk-cells", type=int, default=20000)
    ap.add_argument("--work", default="/tmp/flashmm_python_bench")
    ap.add_argument("--child", choices=["python", "cli"])
    args = ap.parse_args()
    path = os.path.join(args.work, f"sim_{args.genes}x{args.cells}.h5ad")
    if args.child == "python":
        print(json.dumps(python_run(path, args.chunk_cells, args.threads)))
        return
    if args.child == "cli":
        print(json.dumps(cli_run(args.cli, path, os.path.join(args.work, "cli_out"), args.chunk_cells, args.threads)))
        return

    os.makedirs(args.work, exist_ok=True)
    if not os.path.exists(path):
        subprocess.run([args.cli, "simulate", "--genes", str(args.genes), "--cells", str(args.cells), "--seed", "1",
                        "--quiet", "--out", path], check=True)
    runs = {"python": [], "cli": []}
    for _ in range(args.repeats):
        for kind in ("cli", "python"):  # alternating, each in a fresh process
            out = subprocess.run([sys.executable, __file__, "--child", kind] + sys.argv[1:], check=True,
                                 capture_output=True, text=True, env=os.environ).stdout
            runs[kind].append(json.loads(out.strip().splitlines()[-1]))
    py, cli = runs["python"], runs["cli"]
    t_py = statistics.median(r["wall_s"] for r in py)
    t_cli = statistics.median(r["wall_s"] for r in cli)
    r0 = py[0]
    peak = max(r["peak_kb"] for r in py) * 1024
    added_total = peak - r0["rss_before_load_kb"] * 1024
    added_call = peak - r0["rss_after_load_kb"] * 1024
    loaded = (r0["rss_after_load_kb"] - r0["rss_before_load_kb"]) * 1024
    limit = r0["matrix_bytes"] + r0["block_bytes"]
    mb = 2.0 ** 20
    print(f"# flashmm.de (in-memory AnnData) vs flashmm de (.h5ad): {args.genes} genes x {args.cells} cells\n")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  ")
    cpu = open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()
    print(f"machine: {os.uname().nodename}, {os.cpu_count()} CPUs ({cpu}), load average at start "
          f"{tuple(round(x, 1) for x in os.getloadavg())}  ")
    print(f"command: {' '.join([sys.executable] + sys.argv)}  ")
    print(f"model: --fixed '{FIXED}' --random '{RANDOM}' --device cpu --threads {args.threads} --chunk-cells "
          f"{args.chunk_cells}; X {r0['dtype']} CSR, {r0['nnz']:,} nonzeros\n")
    print("| run | program wall s | python de() wall s | python stages (reading, fitting) s | "
          "python peak RSS - RSS with the AnnData loaded MB |")
    print("|---|---|---|---|---|")
    for i, (a, b) in enumerate(zip(cli, py)):
        st = b["stages_s"]
        print(f"| {i + 1} | {a['wall_s']:.2f} | {b['wall_s']:.2f} | {st.get('reading', 0):.2f}, "
              f"{st.get('fitting', 0):.2f} | {(b['peak_kb'] - b['rss_after_load_kb']) / 1024:.0f} |")
    print(f"\nmedian wall: program {t_cli:.2f} s, python {t_py:.2f} s: python / program = {t_py / t_cli:.3f}  ")
    prep = statistics.median(r["binding_prepare_s"] for r in py)
    print(f"the binding's own work in de() (obs -> metadata, views of the matrix; timed apart): median {prep:.3f} s "
          f"= {100 * prep / t_py:.1f}% of de(), {100 * prep / t_cli:.1f}% of the program's time  ")
    print(f"matrix (data + indices + indptr) {r0['matrix_bytes'] / mb:.0f} MB, one block of cells "
          f"{r0['block_bytes'] / mb:.0f} MB, sum {limit / mb:.0f} MB  ")
    print(f"the AnnData in memory: +{loaded / mb:.0f} MB of RSS (the matrix and obs, var, names); de() adds at its "
          f"peak {added_call / mb:.0f} MB to that; process peak over the RSS before loading: {added_total / mb:.0f} MB "
          f"({'within' if added_total <= limit else 'over'} matrix + one block by {abs(added_total - limit) / mb:.0f} MB)  ")
    print(f"program peak RSS {max(a['peak_kb'] for a in cli) / 1024:.0f} MB (reading the .h5ad)  ")
    print(f"genes converged: {r0['genes_converged']} of {args.genes}\n")
    print("raw:\n\n```json\n" + json.dumps(runs, indent=1) + "\n```")


if __name__ == "__main__":
    main()
