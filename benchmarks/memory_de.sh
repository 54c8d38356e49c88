#!/usr/bin/env bash
# Memory of `flashmm de` on a large simulated data set (issue 4).
#
# Usage: benchmarks/memory_de.sh [FLASHMM_BINARY] [WORKDIR]
#   FLASHMM_BINARY  default: build/flashmm (relative to the repository root)
#   WORKDIR         default: a new directory under ${TMPDIR:-/tmp}
# Environment:
#   CELLS, GENES, SAMPLES, CLUSTERS, TREATMENTS, DE_GENES, SEED   simulation (defaults below)
#   CHUNK_CELLS   --chunk-cells of de (default 20000, de's own default)
#   THREADS       --threads of simulate and de (default 0: all cores)
#   KEEP=1        keep WORKDIR's data (sim.h5ad, de/) instead of deleting it at the end
#
# Steps: (1) simulate, timed; (2) de under /usr/bin/time -v (peak RSS, wall time);
# (3) size of the sparse matrix from the h5ad's own datasets (h5ls/h5dump, Debian hdf5-tools):
#       nnz x (index bytes + value bytes) + (cells + 1) x indptr bytes
# and prints a summary. Exit status: 0 if the peak RSS of de is under LIMIT = 2 GB
# (2,000,000,000 bytes) plus one chunk as de holds it in memory (CellChunk: int64 indptr,
# int32 indices, double values, i.e. chunk_cells x mean nnz per cell x 12 bytes +
# (chunk_cells + 1) x 8 bytes); 1 if it is not; 2 on a usage or tool error; the exit
# status of simulate/de if either fails.
set -euo pipefail

die() { echo "memory_de.sh: error: $*" >&2; exit 2; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

BIN=${1:-$REPO_ROOT/build/flashmm}
WORKDIR=${2:-}
CELLS=${CELLS:-1000000}
GENES=${GENES:-2000}
SAMPLES=${SAMPLES:-25}
CLUSTERS=${CLUSTERS:-10}
TREATMENTS=${TREATMENTS:-2}
DE_GENES=${DE_GENES:-10}
SEED=${SEED:-1}
CHUNK_CELLS=${CHUNK_CELLS:-20000}
THREADS=${THREADS:-0}
KEEP=${KEEP:-0}
BASE_LIMIT_BYTES=2000000000

[[ -x "$BIN" ]] || die "flashmm binary '$BIN' not found or not executable (pass it as the first argument)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian: apt-get install time)"
command -v h5ls >/dev/null || die "h5ls missing (Debian: apt-get install hdf5-tools)"
command -v h5dump >/dev/null || die "h5dump missing (Debian: apt-get install hdf5-tools)"

CREATED_WORKDIR=0
if [[ -z "$WORKDIR" ]]; then
  WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/flashmm_memory_de.XXXXXX")
  CREATED_WORKDIR=1
else
  mkdir -p "$WORKDIR" || die "cannot create WORKDIR '$WORKDIR'"
fi
WORKDIR=$(cd "$WORKDIR" && pwd)
SIM="$WORKDIR/sim.h5ad"
DEOUT="$WORKDIR/de"
TIMELOG="$WORKDIR/de_time.txt"
DELOG="$WORKDIR/de_stderr.txt"

cleanup() {
  local rc=$?
  if [[ "$KEEP" == 1 ]]; then
    echo "KEEP=1: data kept in $WORKDIR" >&2
  else
    rm -f "$SIM" "$WORKDIR/sim.truth.tsv" "$TIMELOG" "$DELOG" "$WORKDIR/sim_stderr.txt"
    rm -rf "$DEOUT"
    if [[ "$CREATED_WORKDIR" == 1 ]]; then rmdir "$WORKDIR" 2>/dev/null || true; fi
  fi
  exit "$rc"
}
trap cleanup EXIT

# Free space: the h5ad is about nnz x 8 bytes (float32 + int32), nnz ~ 10% of cells x genes.
need_mb=$(( CELLS * GENES / 10 * 8 / 1000000 + 100 ))
avail_mb=$(df -Pm "$WORKDIR" | awk 'NR == 2 { print $4 }')
(( avail_mb > need_mb )) || die "only ${avail_mb} MB free in $WORKDIR, about ${need_mb} MB needed"

echo "== flashmm de memory benchmark"
echo "binary:  $BIN"
echo "workdir: $WORKDIR"
echo

# ---- (1) simulate ------------------------------------------------------------------------
SIM_CMD=("$BIN" simulate --genes "$GENES" --cells "$CELLS" --samples "$SAMPLES"
         --clusters "$CLUSTERS" --treatments "$TREATMENTS" --de-genes "$DE_GENES"
         --seed "$SEED" --threads "$THREADS" --out "$SIM")
echo "\$ ${SIM_CMD[*]}"
t0=$(date +%s.%N)
rc=0
"${SIM_CMD[@]}" 2> >(tee "$WORKDIR/sim_stderr.txt" >&2) || rc=$?
if (( rc != 0 )); then
  echo "memory_de.sh: simulate failed (exit $rc)" >&2
  exit "$rc"
fi
t1=$(date +%s.%N)
SIM_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "simulate wall time: ${SIM_WALL} s"
echo

# ---- (3, first half) size of the sparse matrix, from the file itself ----------------------
# Bytes of one element of /X/<name>, from its HDF5 datatype (e.g. H5T_IEEE_F32LE, H5T_STD_I64LE).
elem_bytes() {
  local t
  t=$(h5dump -H -d "/X/$1" "$SIM" | awk '/DATATYPE/ { print $2; exit }')
  case "$t" in
    *8LE|*8BE) echo 1 ;;
    *16LE|*16BE) echo 2 ;;
    *32LE|*32BE) echo 4 ;;
    *64LE|*64BE) echo 8 ;;
    *) die "unexpected datatype '$t' of /X/$1 in $SIM" ;;
  esac
}
# First dimension of /X/<name> ("/X/data  Dataset {200000000/Inf}").
dim0() {
  h5ls "$SIM/X/$1" | sed -n 's/.*Dataset {\([0-9]*\).*/\1/p'
}
NNZ=$(dim0 data)
NNZ_IDX=$(dim0 indices)
INDPTR_LEN=$(dim0 indptr)
[[ -n "$NNZ" && -n "$NNZ_IDX" && -n "$INDPTR_LEN" ]] || die "cannot read /X/{data,indices,indptr} of $SIM (not CSR?)"
[[ "$NNZ" == "$NNZ_IDX" ]] || die "/X/data has $NNZ entries but /X/indices $NNZ_IDX"
[[ "$INDPTR_LEN" == $(( CELLS + 1 )) ]] || die "/X/indptr has $INDPTR_LEN entries, expected cells + 1 = $(( CELLS + 1 )) (CSR cells x genes)"
VAL_B=$(elem_bytes data)
IDX_B=$(elem_bytes indices)
PTR_B=$(elem_bytes indptr)
SPARSE_BYTES=$(( NNZ * (IDX_B + VAL_B) + INDPTR_LEN * PTR_B ))
# One chunk as de holds it (CellChunk: int32 indices, double values, int64 indptr).
CHUNK_BYTES=$(( (NNZ * CHUNK_CELLS + CELLS - 1) / CELLS * (4 + 8) + (CHUNK_CELLS + 1) * 8 ))
LIMIT_BYTES=$(( BASE_LIMIT_BYTES + CHUNK_BYTES ))

# ---- (2) de under /usr/bin/time -v ---------------------------------------------------------
DE_CMD=("$BIN" de "$SIM" --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam'
        --chunk-cells "$CHUNK_CELLS" --threads "$THREADS" --out "$DEOUT")
echo "\$ /usr/bin/time -v ${DE_CMD[*]}"
set +e
/usr/bin/time -v -o "$TIMELOG" "${DE_CMD[@]}" 2> >(tee "$DELOG" >&2)
DE_RC=$?
set -e
sleep 0.2  # let tee finish
if [[ ! -s "$TIMELOG" ]]; then
  echo "memory_de.sh: /usr/bin/time wrote nothing (de exit $DE_RC)" >&2
  exit $(( DE_RC != 0 ? DE_RC : 2 ))
fi
echo "--- /usr/bin/time -v"
cat "$TIMELOG"
echo "---"
RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TIMELOG")
DE_WALL=$(awk -F': ' '/Elapsed \(wall clock\) time/ { print $2 }' "$TIMELOG")
DE_USER=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$TIMELOG")
DE_SYS=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$TIMELOG")
[[ -n "$RSS_KB" ]] || die "no 'Maximum resident set size' in $TIMELOG"
RSS_BYTES=$(( RSS_KB * 1024 ))

if (( DE_RC != 0 )); then
  echo "memory_de.sh: flashmm de FAILED with exit status $DE_RC; its stderr (last 20 lines):" >&2
  tail -n 20 "$DELOG" >&2
fi

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
RATIO=$(awk -v r="$RSS_BYTES" -v s="$SPARSE_BYTES" 'BEGIN { printf "%.3f", r / s }')

echo
echo "== summary"
printf '%-36s %s\n' "cells" "$CELLS"
printf '%-36s %s\n' "genes" "$GENES"
printf '%-36s %s (%.2f%% of cells x genes)\n' "nnz" "$NNZ" "$(awk -v n="$NNZ" -v c="$CELLS" -v g="$GENES" 'BEGIN { print 100 * n / c / g }')"
printf '%-36s %s\n' "element bytes (data/indices/indptr)" "$VAL_B/$IDX_B/$PTR_B"
printf '%-36s %s MB\n' "sparse matrix size (as stored)" "$(mb "$SPARSE_BYTES")"
printf '%-36s %s MB\n' "h5ad file size" "$(mb "$(stat -c %s "$SIM")")"
printf '%-36s %s cells = %s MB (as de holds it)\n' "one chunk" "$CHUNK_CELLS" "$(mb "$CHUNK_BYTES")"
printf '%-36s %s MB\n' "peak RSS of de" "$(mb "$RSS_BYTES")"
printf '%-36s %s\n' "peak RSS / sparse size" "$RATIO"
printf '%-36s %s MB (2,000 MB + one chunk)\n' "limit" "$(mb "$LIMIT_BYTES")"
printf '%-36s %s s\n' "simulate wall time" "$SIM_WALL"
printf '%-36s %s (user %s s, sys %s s)\n' "de wall time (h:mm:ss or m:ss)" "$DE_WALL" "$DE_USER" "$DE_SYS"
printf '%-36s %s\n' "de exit status" "$DE_RC"

if (( DE_RC != 0 )); then
  echo "RESULT: FAIL (flashmm de exited with status $DE_RC)"
  exit "$DE_RC"
fi
if (( RSS_BYTES >= LIMIT_BYTES )); then
  echo "RESULT: FAIL (peak RSS $(mb "$RSS_BYTES") MB >= limit $(mb "$LIMIT_BYTES") MB)"
  exit 1
fi
echo "RESULT: PASS (peak RSS $(mb "$RSS_BYTES") MB < limit $(mb "$LIMIT_BYTES") MB)"
