#!/usr/bin/env bash
# Reading throughput of compressed and uncompressed inputs (issue 13, item 2).
#
# Usage: benchmarks/read_throughput.sh [FLASHMM_BINARY] [WORKDIR] [BASELINE_BINARY]
#   FLASHMM_BINARY   default: build/flashmm; its build directory must hold bench_read
#   WORKDIR          default: a new directory under ${TMPDIR:-/tmp}; kept (the files are reused)
#   BASELINE_BINARY  optional: another flashmm (e.g. a build of an older commit) timed the same way
# Environment: CELLS (500000), GENES (2000), THREADS (2), REPEAT (3: best of, for sumstats)
# On a machine shared with other work, wall times grow with the load; CPU times (user + sys, all
# threads) measure the work itself, so the best run is chosen by CPU time and both are shown.
#
# Steps: (1) `flashmm simulate` (our writer: gzip level 4, 65,536-entry chunks); (2) rewrites of
# X with /usr/bin/python3 + h5py (Debian python3-h5py): none (contiguous, uncompressed), gzip
# (h5py gzip 4 with automatic chunks, as anndata's write_h5ad(compression="gzip")), gzip_shuffle
# (the same with the shuffle filter); (3) bench_read: memory bandwidth, single-core inflate rate
# (libdeflate and zlib), and the reader alone (open_matrix + every chunk of 20,000 cells) on 1 and
# THREADS threads; (4) `flashmm sumstats` on every file, wall and CPU time under /usr/bin/time,
# best of REPEAT. The files stay in the page cache (the machine's RAM holds them all).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
BIN=${1:-$REPO_ROOT/build/flashmm}
WORKDIR=${2:-$(mktemp -d "${TMPDIR:-/tmp}/read_throughput.XXXXXX")}
BASE=${3:-}
CELLS=${CELLS:-500000}
GENES=${GENES:-2000}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
BIN=$(realpath "$BIN")
[ -z "$BASE" ] || BASE=$(realpath "$BASE")
BENCH=$(dirname "$BIN")/bench_read
[ -x "$BIN" ] || { echo "read_throughput.sh: no flashmm at $BIN" >&2; exit 2; }
[ -x "$BENCH" ] || { echo "read_throughput.sh: no bench_read next to $BIN" >&2; exit 2; }
mkdir -p "$WORKDIR"
cd "$WORKDIR"

echo "# read_throughput.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
echo "flashmm: $BIN ($(cd "$REPO_ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ! -f sim.h5ad ]; then
  "$BIN" simulate --genes "$GENES" --cells "$CELLS" --samples 25 --clusters 10 --treatments 2 --de-genes 10 --seed 1 \
    --out sim.h5ad --quiet
fi
for mode in none gzip gzip_shuffle; do
  [ -f "$mode.h5ad" ] && continue
  /usr/bin/python3 - sim.h5ad "$mode.h5ad" "$mode" <<'EOF'
import h5py, sys
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
with h5py.File(src, "r") as s, h5py.File(dst, "w") as d:
    for k, v in s.attrs.items(): d.attrs[k] = v
    for g in s:
        if g != "X": s.copy(g, d)
    x = d.create_group("X")
    for k, v in s["X"].attrs.items(): x.attrs[k] = v
    for name in ("data", "indices", "indptr"):
        kw = {}
        if mode != "none" and name != "indptr":
            kw = dict(compression="gzip", compression_opts=4, chunks=True, shuffle=(mode == "gzip_shuffle"))
        x.create_dataset(name, data=s["X"][name][...], **kw)
EOF
done
/usr/bin/python3 - <<'EOF'
import h5py
for f in ("sim.h5ad", "none.h5ad", "gzip.h5ad", "gzip_shuffle.h5ad"):
    with h5py.File(f, "r") as h:
        d = h["X/data"]
        print(f"{f}: nnz {d.shape[0]:,}, data {d.dtype}, chunks {d.chunks}, {d.compression or 'no compression'}"
              f"{' + shuffle' if d.shuffle else ''}")
EOF
ls -l sim.h5ad none.h5ad gzip.h5ad gzip_shuffle.h5ad
NNZ=$(/usr/bin/python3 -c 'import h5py; print(h5py.File("sim.h5ad", "r")["X/data"].shape[0])')

echo
echo "## bench_read"
FLASHMM_READ_FILES=sim.h5ad,gzip.h5ad,gzip_shuffle.h5ad,none.h5ad "$BENCH" --benchmark_counters_tabular=true \
  --benchmark_filter="BM_Memory.*|BM_Inflate/0/.*|BM_Inflate/1/.*|BM_ReadHdf5/.*|BM_ReadMatrix/.*/(1|$THREADS)/real_time"

echo
echo "## flashmm sumstats --threads $THREADS (best of $REPEAT by CPU time: user + sys)"
model=(--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --threads "$THREADS" --force --quiet)
for bin in "$BIN" $BASE; do
  for f in sim.h5ad gzip.h5ad gzip_shuffle.h5ad none.h5ad; do
    best=""
    for _ in $(seq "$REPEAT"); do
      line=$(/usr/bin/time -f "%e %U %S %M" "$bin" sumstats "$f" "${model[@]}" -o stats.h5 2>&1 >/dev/null | tail -1)
      if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN{split(a, x, " "); split(b, y, " "); exit !(x[2] + x[3] < y[2] + y[3])}'; then
        best=$line
      fi
    done
    read -r wall user sys rss <<<"$best"
    nnz_s=$(awk -v w="$wall" -v n="$NNZ" 'BEGIN{printf "%.1f", n / w / 1e6}')
    # CPU-bound on a loaded machine: nnz per CPU-second, and what THREADS cores would do if the
    # work split evenly (an upper bound on the wall rate of an unloaded machine).
    nnz_cpu=$(awk -v u="$user" -v s="$sys" -v n="$NNZ" 'BEGIN{printf "%.1f", n / (u + s) / 1e6}')
    echo "$bin $f: wall $wall s, user $user s, sys $sys s, max RSS $((rss / 1024)) MB; ${nnz_s}M nnz/s (wall), ${nnz_cpu}M nnz per CPU-second"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
