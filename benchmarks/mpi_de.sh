#!/usr/bin/env bash
# Time and peak memory per rank of `flashmm de` across MPI ranks (issue 18).
#
# Usage: benchmarks/mpi_de.sh [FLASHMM_BINARY] [WORKDIR]
#   FLASHMM_BINARY  default: build/flashmm
#   WORKDIR         default: a new directory under ${TMPDIR:-/tmp} (removed at the end unless KEEP=1)
# Environment: CELLS (1000000), GENES (2000), SAMPLES (25), CLUSTERS (10), SEED (1),
#   RANKS ("1 2": the mpirun -n values), THREADS (--threads per rank, default 1), KEEP=1.
# Runs `flashmm simulate`, then `de` as one process and under `mpirun -n N` for each N, each
# rank under /usr/bin/time -v; prints uptime and load before each run, the wall time of each
# run and every rank's wall time and peak RSS; checks that every table equals the one-process run.
set -euo pipefail
die() { echo "mpi_de.sh: error: $*" >&2; exit 2; }
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$REPO_ROOT/build/flashmm}
WORKDIR=${2:-}
CELLS=${CELLS:-1000000}; GENES=${GENES:-2000}; SAMPLES=${SAMPLES:-25}; CLUSTERS=${CLUSTERS:-10}; SEED=${SEED:-1}
RANKS=${RANKS:-"1 2"}; THREADS=${THREADS:-1}; KEEP=${KEEP:-0}
[[ -x "$BIN" ]] || die "flashmm binary '$BIN' not found"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
command -v mpirun >/dev/null || die "mpirun missing (apt-get install openmpi-bin)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
if [[ -z "$WORKDIR" ]]; then WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/flashmm_mpi_de.XXXXXX"); fi
mkdir -p "$WORKDIR"; WORKDIR=$(cd "$WORKDIR" && pwd)
[[ "$KEEP" == 1 ]] || trap 'rm -rf "$WORKDIR"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

echo "== flashmm de across MPI ranks"
echo "binary: $BIN"; echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"; echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo || true
free -g | head -2
mpirun --version | head -1
SIM="$WORKDIR/sim.h5ad"
if [[ ! -s "$SIM" ]]; then
  echo "\$ flashmm simulate --genes $GENES --cells $CELLS --samples $SAMPLES --clusters $CLUSTERS --seed $SEED"
  "$BIN" simulate --genes "$GENES" --cells "$CELLS" --samples "$SAMPLES" --clusters "$CLUSTERS" --seed "$SEED" \
    --quiet --out "$SIM"
fi
MODEL=(--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --threads "$THREADS")

report() {  # the time files of one run
  for f in "$@"; do
    printf '  %-8s wall %8s s  peak RSS %8.1f MB\n' "$(basename "$f")" \
      "$(awk -F': ' '/Elapsed/ { print $2 }' "$f")" \
      "$(awk -F': ' '/Maximum resident/ { print $2 / 1024 }' "$f")"
  done
}

echo; echo "-- one process (no mpirun); uptime: $(uptime)"
t0=$(date +%s.%N)
/usr/bin/time -v -o "$WORKDIR/time.single" "$BIN" de "$SIM" "${MODEL[@]}" --out "$WORKDIR/single"
t1=$(date +%s.%N)
echo "run wall time: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
report "$WORKDIR/time.single"

for n in $RANKS; do
  echo; echo "-- mpirun -n $n; uptime: $(uptime)"
  rm -f "$WORKDIR"/time.rank*
  t0=$(date +%s.%N)
  mpirun --oversubscribe --bind-to none -n "$n" sh -c \
    'exec /usr/bin/time -v -o "$0/time.rank$OMPI_COMM_WORLD_RANK" "$@"' "$WORKDIR" \
    "$BIN" de "$SIM" "${MODEL[@]}" --out "$WORKDIR/n$n"
  t1=$(date +%s.%N)
  echo "run wall time: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
  report "$WORKDIR"/time.rank*
  for f in coef.tsv se.tsv t.tsv p.tsv theta.tsv se_theta.tsv dlogL.tsv genes.tsv de.tsv fit.h5; do
    cmp -s "$WORKDIR/single/$f" "$WORKDIR/n$n/$f" || die "$f of -n $n differs from the one-process run"
  done
  echo "every table and fit.h5 equal to the one-process run, byte for byte"
done
