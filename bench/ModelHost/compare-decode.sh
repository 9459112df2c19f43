#!/usr/bin/env bash
# CPU decode, old vs new: builds the ModelHost harness at BASE_REV (a temporary git worktree under /tmp, Release) and at the
# current working tree (Release), runs both alternately RUNS times with the same arguments, and prints the median decode tok/s
# of each for 15M f32, 15M int8 and 110M f32 (and 110M int8), with new/old.
# Both run the harness's full default mode with a short context (the old harness has no --decode-only), so the work before
# decode is the same for both. Usage: bench/ModelHost/compare-decode.sh BASE_REV [RUNS] [extra harness args...]
set -euo pipefail
base=${1:?usage: compare-decode.sh BASE_REV [RUNS] [harness args]}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
harness_args=("$@")
[ ${#harness_args[@]} -gt 0 ] || harness_args=(--110m --context 64 --decode 32)
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/compare-decode.XXXXXX)
cleanup() { git -C "$root" worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

git -C "$root" worktree add --detach "$tmp/base" "$base" >/dev/null
echo "building base $(git -C "$tmp/base" rev-parse --short HEAD) and the working tree ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo ', modified'))" >&2
dotnet build -c Release "$tmp/base/bench/ModelHost" -o "$tmp/old" >/dev/null
dotnet build -c Release "$root/bench/ModelHost" -o "$tmp/new" >/dev/null

for i in $(seq 1 "$runs"); do
  for which in old new; do
    echo "run $i $which: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    dotnet "$tmp/$which/AgentMem.ModelHost.Bench.dll" "${harness_args[@]}" > "$tmp/$which.$i.txt"
  done
done
# The raw outputs stay in /tmp/compare-decode-last/ for a look at the other columns.
rm -rf /tmp/compare-decode-last && mkdir -p /tmp/compare-decode-last && cp "$tmp"/*.txt /tmp/compare-decode-last/

# Decode table rows look like "| 15M | f32 | 60.8 MB | 290.8 | 68% |": the fourth column is tok/s.
median() { # which model weights
  for i in $(seq 1 "$runs"); do
    awk -F'|' -v m=" $2 " -v w=" $3 " '$2 == m && $3 == w { gsub(/ /, "", $5); print $5 }' "$tmp/$1.$i.txt"
  done | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
best() { for i in $(seq 1 "$runs"); do awk -F'|' -v m=" $2 " -v w=" $3 " '$2 == m && $3 == w { gsub(/ /, "", $5); print $5 }' "$tmp/$1.$i.txt"; done | sort -g | tail -1; }
all() { for i in $(seq 1 "$runs"); do awk -F'|' -v m=" $2 " -v w=" $3 " '$2 == m && $3 == w { gsub(/ /, "", $5); printf "%s ", $5 }' "$tmp/$1.$i.txt"; done; }

echo
echo "harness args: ${harness_args[*]}; $runs runs each, alternating old/new; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | weights | old $(git -C "$root" rev-parse --short "$base") median tok/s (runs) | new median tok/s (runs) | new / old (median) | best old → new | new / old (best) |"
echo "|---|---|---|---|---|---|---|"
for row in "15M f32" "15M int8 per-row" "110M f32" "110M int8 per-row"; do
  m=${row%% *}; w=${row#* }
  o=$(median old "$m" "$w"); n=$(median new "$m" "$w")
  [ "$o" = n/a ] && [ "$n" = n/a ] && continue
  ratio=$(awk -v o="$o" -v n="$n" 'BEGIN { if (o > 0 && n > 0) printf "%.2f", n / o; else print "n/a" }')
  bo=$(best old "$m" "$w"); bn=$(best new "$m" "$w")
  bratio=$(awk -v o="$bo" -v n="$bn" 'BEGIN { if (o > 0 && n > 0) printf "%.2f", n / o; else print "n/a" }')
  echo "| $m | $w | $o ($(all old "$m" "$w" | xargs)) | $n ($(all new "$m" "$w" | xargs)) | $ratio | $bo → $bn | $bratio |"
done
