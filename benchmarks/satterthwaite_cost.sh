#!/bin/bash
# The cost of Satterthwaite df next to the fit (issue 16), before and after a change, side by
# side in one run: two builds of bench_fit (benchmarks/bench_fit.cpp, the same source in both)
# run in turns, ROUNDS times each, on the atlas-shaped data (11,596 genes, q = 259, and q = 259 + 8
# for two components; p = 59), one thread: the fit with residual df (/1/0) and with Satterthwaite
# df for every coefficient (/1/1), and satterthwaite_df alone on a finished fit.
#
#   benchmarks/satterthwaite_cost.sh AFTER_BENCH_FIT BEFORE_BENCH_FIT [ROUNDS]
#
# The machine is shared: the load average is printed before every run, and the figures to
# compare are those of the same round.
set -euo pipefail
after=$1
before=$2
rounds=${3:-2}
filter='BM_(FitOneComponent|FitTwoComponents)/1/|BM_Satterthwaite(OneComponent|TwoComponents)/'
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for ((r = 1; r <= rounds; ++r)); do
  for build in before after; do
    bin=$before
    [ "$build" = after ] && bin=$after
    echo "=== round $r, $build: $bin"
    uptime
    "$bin" --benchmark_filter="$filter" --benchmark_counters_tabular=true 2>&1
  done
done
uptime
