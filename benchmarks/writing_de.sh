#!/usr/bin/env bash
# Time of each stage of `flashmm de` (reading, fitting, writing) on the tuberculosis-like
# simulation of issue 13 (2,000 genes x 50,000 cells, 259 samples, 29 cell types, one random
# component), CPU, 2 threads, RUNS runs (default 3) per binary, binaries interleaved; prints the
# stage lines, /usr/bin/time's figures and the size of the results.
#
#   benchmarks/writing_de.sh WORKDIR BINARY [BINARY ...]
#
# The data are simulated once into WORKDIR with the first binary.
set -euo pipefail
work=$1
shift
runs=${RUNS:-3}
mkdir -p "$work"
data="$work/tb.h5ad"
if [ ! -f "$data" ]; then
  "$1" simulate --genes 2000 --cells 50000 --samples 259 --clusters 29 --treatments 2 --de-genes 20 --seed 1 \
    --quiet --out "$data"
fi
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  for bin in "$@"; do
    out="$work/out"
    rm -rf "$out"
    echo "== $bin, run $run"
    /usr/bin/time -f "time: wall %e s, user %U s, sys %S s, max RSS %M kB" \
      "$bin" de "$data" --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' \
      --device cpu --threads 2 --out "$out" 2>&1 | grep -v "using the CPU"
    du -b "$out"/* | awk '{s += $1} END {print "results: " s " bytes"}'
  done
done
