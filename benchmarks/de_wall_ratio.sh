#!/usr/bin/env bash
# Wall time against CPU time / threads of `flashmm de` (issue 13: at most 1.2), for two binaries
# run in turn N times on the same data (ratios side by side: the host is shared and noisy).
# Prints one line per run, "LABEL wall user sys" in seconds, then per label the mean wall, the
# mean CPU and the median of wall / (CPU / 2).
#
#   benchmarks/de_wall_ratio.sh DATA BASE_BINARY NEW_BINARY [N]
set -euo pipefail
data=$1
base=$2
new=$3
n=${4:-10}
out=$(mktemp -d "${TMPDIR:-/tmp}/de_wall_ratio.XXXXXX")
trap 'rm -rf "$out"' EXIT
lines=$(
  for _ in $(seq "$n"); do
    for label in BASE NEW; do
      bin=$base
      [ "$label" = NEW ] && bin=$new
      rm -rf "$out/res"
      /usr/bin/time -f "$label %e %U %S" "$bin" de "$data" --fixed '~ 0 + log(libsize) + cls + cls:trt' \
        --random '~ 0 + sam' --device cpu --threads 2 --out "$out/res" --quiet 2>&1 | tail -1
    done
  done
)
echo "$lines"
echo "$lines" | /usr/bin/python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
for label in ("BASE", "NEW"):
    r = [(float(w), float(u) + float(s)) for l, w, u, s in rows if l == label]
    ratio = [w / (c / 2) for w, c in r]
    print(f"{label}: mean wall {statistics.mean(w for w, _ in r):.3f} s, mean CPU {statistics.mean(c for _, c in r):.3f} s, "
          f"wall/(CPU/2) median {statistics.median(ratio):.3f} (min {min(ratio):.3f}, max {max(ratio):.3f})")
'
