#!/usr/bin/env bash
# sumstats on wide data: 20,000 genes x 40,000 cells with about 2,000 stored entries a cell and
# q = 1,000 samples, the shape where the chunk buffers (cells x entries), the exact sums
# ((p + q + 2) x genes x 4 limbs: 650 MB) and the compression of stats.h5 weigh most. Binaries
# interleaved, REPEAT runs each (default 2); /usr/bin/time's wall, CPU and max RSS; the arrays of
# the stats files compared with h5py at the end (the same values expected).
#
#   benchmarks/sumstats_wide.sh WORKDIR BINARY [BINARY ...]
set -euo pipefail
work=$1
shift
repeat=${REPEAT:-2}
threads=${THREADS:-2}
mkdir -p "$work"
data="$work/wide.h5ad"
[ -f "$data" ] || "$1" simulate --genes 20000 --cells 40000 --samples 1000 --clusters 5 --treatments 2 --de-genes 10 \
  --seed 2 --out "$data" --quiet
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 -c "import h5py, sys; d = h5py.File(sys.argv[1], 'r')['X/data']; print(f'{sys.argv[1]}: {d.shape[0]:,} entries, {d.dtype}, chunks {d.chunks}, {d.compression}')" "$data"
files=()
for run in $(seq "$repeat"); do
  i=0
  for bin in "$@"; do
    out="$work/stats_$i.h5"
    /usr/bin/time -f "$bin, run $run: wall %e s, user %U s, sys %S s, max RSS %M kB" "$bin" sumstats "$data" \
      --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --threads "$threads" --force --quiet -o "$out" 2>&1 | tail -1
    [ "$run" = 1 ] && files+=("$out")
    i=$((i + 1))
  done
done
ls -l "${files[@]}"
/usr/bin/python3 - "${files[@]}" <<'PY'
import h5py, numpy as np, sys
ref = h5py.File(sys.argv[1], "r")
names = []
ref.visit(lambda n: names.append(n) if isinstance(ref[n], h5py.Dataset) else None)
for other in sys.argv[2:]:
    f = h5py.File(other, "r")
    bad = [n for n in names if not np.array_equal(ref[n][...], f[n][...])]
    print(f"{other}: {len(names)} datasets, differing from {sys.argv[1]}: {bad or 'none'}")
PY
