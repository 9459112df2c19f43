#!/usr/bin/env bash
# End-to-end ANN comparison in one run: AgentMem's HNSW (`agentmem bench ann`, Release) against
# hnswlib twice, on the same files, same M/efConstruction, single thread, sweeping ef: native (Debian's
# libhnswlib-dev headers compiled here by hnswlib_native.cpp with -O3 -march=native) and Debian's
# python3-hnswlib (built for baseline x86-64).
#   bench/Ann/run.sh                 # siftsmall + 200K x 384 synthetic (efConstruction 100 there)
#   SYN_N=50000 bench/Ann/run.sh     # smaller synthetic set
# Environment: SYN_N, SYN_EFC, SYN_EF, WORK (folder for generated data and JSON; default a temp dir).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
HERE=bench/Ann
SIFT=../shared/ann/siftsmall
SYN_N=${SYN_N:-200000}
SYN_EFC=${SYN_EFC:-100}
SYN_EF=${SYN_EF:-10,16,32,64,128,256}
PY=/usr/bin/python3

if ! $PY -c "import hnswlib, numpy" 2>/dev/null || [ ! -f /usr/include/hnswlib/hnswalg.h ] || ! command -v g++ >/dev/null; then
  echo "installing python3-hnswlib, python3-numpy, libhnswlib-dev and g++ (Debian packages)" >&2
  apt-get update -qq && apt-get install -y -qq python3-hnswlib python3-numpy libhnswlib-dev g++ >&2
fi

WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "work folder: $WORK" >&2
dotnet build src/Cli -c Release -v q -nologo >&2
CLI=(dotnet src/Cli/bin/Release/net10.0/AgentMem.Cli.dll bench ann)
# Native runs right after ours on each set, so the two compared most closely see the same machine load.
NATIVE="$WORK/hnswlib_native"
g++ -O3 -march=native -std=c++17 -w -o "$NATIVE" $HERE/hnswlib_native.cpp -lpthread

echo "== siftsmall" >&2
"${CLI[@]}" --base $SIFT/siftsmall_base.fvecs --query $SIFT/siftsmall_query.fvecs --gt $SIFT/siftsmall_groundtruth.ivecs \
  --index hnsw --M 16 --efc 200 --ef 16,32,64,128 --metric l2 --json "$WORK/sift_ours.json" >&2
"$NATIVE" --base $SIFT/siftsmall_base.fvecs --query $SIFT/siftsmall_query.fvecs --gt $SIFT/siftsmall_groundtruth.ivecs \
  --M 16 --efc 200 --ef 16,32,64,128 --metric l2 --json "$WORK/sift_native.json"
$PY $HERE/hnswlib_ref.py run --base $SIFT/siftsmall_base.fvecs --query $SIFT/siftsmall_query.fvecs --gt $SIFT/siftsmall_groundtruth.ivecs \
  --M 16 --efc 200 --ef 16,32,64,128 --metric l2 --json "$WORK/sift_ref.json"

echo "== synthetic ${SYN_N} x 384 (generating)" >&2
mkdir -p "$WORK/synth"
start=$(date +%s)
$PY $HERE/hnswlib_ref.py gen --out "$WORK/synth" --n "$SYN_N"
echo "generated in $(( $(date +%s) - start )) s" >&2
"${CLI[@]}" --base "$WORK/synth/base.fvecs" --query "$WORK/synth/query.fvecs" --gt "$WORK/synth/groundtruth.ivecs" \
  --index hnsw --M 16 --efc "$SYN_EFC" --ef "$SYN_EF" --metric ip --json "$WORK/synth_ours.json" >&2
"$NATIVE" --base "$WORK/synth/base.fvecs" --query "$WORK/synth/query.fvecs" --gt "$WORK/synth/groundtruth.ivecs" \
  --M 16 --efc "$SYN_EFC" --ef "$SYN_EF" --metric ip --json "$WORK/synth_native.json"
$PY $HERE/hnswlib_ref.py run --base "$WORK/synth/base.fvecs" --query "$WORK/synth/query.fvecs" --gt "$WORK/synth/groundtruth.ivecs" \
  --M 16 --efc "$SYN_EFC" --ef "$SYN_EF" --metric ip --json "$WORK/synth_ref.json"
rm -rf "$WORK/synth"

$PY $HERE/hnswlib_ref.py compare --ours "$WORK/sift_ours.json" --ref "$WORK/sift_ref.json" --native "$WORK/sift_native.json" --title "siftsmall (SIFT10K, L2)"
$PY $HERE/hnswlib_ref.py compare --ours "$WORK/synth_ours.json" --ref "$WORK/synth_ref.json" --native "$WORK/synth_native.json" --title "synthetic clustered (1000 clusters, unit norm, IP)"
