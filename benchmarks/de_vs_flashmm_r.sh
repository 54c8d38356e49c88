#!/bin/bash
# flashmm de end to end against FLASHMM in R on the same simulated tuberculosis-like data
# (issue 13): 2,000 genes x 50,000 cells, 259 samples (nested in 2 treatments), 29 cell types,
# fixed effects ~ 0 + log(libsize) + cls + cls:trt (p = 59), random ~ 0 + sam (q = 259); then
# the fitting stage alone for one component and for two (sam + 8 sequencing batches crossed
# with the samples, q = 259 + 8) on the same data.
#
#   benchmarks/de_vs_flashmm_r.sh BUILD_DIR WORK_DIR R_LIBRARY
#
# BUILD_DIR holds flashmm and bench_fit_stats; R_LIBRARY a library with FLASHMM installed
# (R CMD INSTALL -l R_LIBRARY FLASHMM-source). R runs with OpenBLAS on one thread, its fastest
# setup on this machine (issue 13). Prints /usr/bin/time's figures for every run and the largest
# difference between R's and flashmm's coefficients. RUN_R=0 leaves R out (its results from an
# earlier run in WORK_DIR are still compared). RUNS=N repeats each flashmm de run N times (the
# machine is shared: the spread shows its noise); R_THREADS="1 2" runs R once per OpenBLAS thread
# count given (default 1).
set -euo pipefail
build=$1
work=$2
rlib=$3
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/flashmm
mkdir -p "$work"
sim="--genes 2000 --cells 50000 --samples 259 --clusters 29 --treatments 2 --de-genes 20 --seed 1"
[ -f "$work/sim.h5ad" ] || "$bin" simulate $sim --out "$work/sim.h5ad" --quiet
[ -d "$work/sim10x" ] || "$bin" simulate $sim --out "$work/sim10x" --quiet
# The 10x directory's metadata with a batch column: 8 batches, drawn per cell (awk's srand(1)).
[ -f "$work/meta_batch.csv" ] ||
  awk -F, 'BEGIN { OFS = ","; srand(1) } NR == 1 { print $0, "batch"; next } { print $0, "\"b" int(rand() * 8) + 1 "\"" }' \
    "$work/sim10x/metadata.csv" > "$work/meta_batch.csv"

fixed='~ 0 + log(libsize) + cls + cls:trt'
# The CSV's cluster ids are numbers: --categorical cls makes them a factor, as R's factor() does
# (in the .h5ad they are stored categorical).
timed() {  # name, command...: the command under /usr/bin/time, its figures on one line
  local name=$1
  shift
  /usr/bin/time -f "$name: wall %e s, user %U s, system %S s, CPU %P, max RSS %M kB" "$@"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
uptime
for run in $(seq "${RUNS:-1}"); do
  for threads in 1 2; do
    timed "flashmm de h5ad, $threads thread(s)" "$bin" de "$work/sim.h5ad" --fixed "$fixed" --random '~ 0 + sam' \
      --device cpu --threads "$threads" --out "$work/de_h5ad_$threads" --force --quiet
  done
  timed "flashmm de 10x mtx.gz, 2 threads" "$bin" de "$work/sim10x" --metadata "$work/sim10x/metadata.csv" --categorical cls --fixed "$fixed" \
    --random '~ 0 + sam' --device cpu --threads 2 --out "$work/de_10x" --force --quiet
done
uptime
if [ "${RUN_R:-1}" != 0 ]; then
  for rt in ${R_THREADS:-1}; do
    OPENBLAS_NUM_THREADS=$rt R_LIBS="$rlib" timed "FLASHMM in R (OpenBLAS, $rt thread(s))" \
      Rscript "$here/flashmm_r/de_flashmm.R" "$work/sim10x" "$work/r_sam"
    uptime
  done
fi

# The same coefficients: R's against flashmm's (by gene and column name).
/usr/bin/python3 - "$work/r_sam_coef.csv" "$work/de_h5ad_2/coef.tsv" <<'EOF'
import csv, sys
r = list(csv.reader(open(sys.argv[1])))
f = list(csv.reader(open(sys.argv[2]), delimiter="\t"))
rc = {row[0]: dict(zip(r[0][1:], map(float, row[1:]))) for row in r[1:]}
worst = 0.0
for row in f[1:]:
    for name, v in zip(f[0][1:], row[1:]):
        ref = rc[row[0]][name]
        scale = max(abs(x) for x in rc[row[0]].values())
        worst = max(worst, abs(float(v) - ref) / scale)
print(f"largest difference of flashmm's coefficients from R's (relative to each gene's largest): {worst:.2e}")
EOF

# The fitting stage alone, one and two components, on the same data.
"$bin" sumstats "$work/sim10x" --metadata "$work/meta_batch.csv" --categorical cls --fixed "$fixed" --random '~ 0 + sam' \
  --threads 2 --out "$work/stats_sam.h5" --force --quiet
"$bin" sumstats "$work/sim10x" --metadata "$work/meta_batch.csv" --categorical cls --fixed "$fixed" --random '~ 0 + sam' --random '~ 0 + batch' \
  --threads 2 --out "$work/stats_sam_batch.h5" --force --quiet
"$build/bench_fit_stats" --benchmark_counters_tabular=true "$work/stats_sam.h5" "$work/stats_sam_batch.h5"
timed "flashmm de h5ad, sam + batch, 2 threads" "$bin" de "$work/sim.h5ad" --metadata "$work/meta_batch.csv" --categorical cls \
  --fixed "$fixed" --random '~ 0 + sam' --random '~ 0 + batch' --device cpu --threads 2 --out "$work/de_batch" --force --quiet
uptime
