#!/usr/bin/env bash
# SPANN benchmark in one run: AgentMem's SpannIndex (`agentmem bench ann --index spann`, Release) against
# FAISS IVF-Flat (Debian python3-faiss) and hnswlib (python3-hnswlib) on the same generated
# 1M x 384 set with overlapping clusters; recall@10, p50/p95 single-thread latency, resident memory,
# build time. Steps whose output already exists in WORK are skipped, so an interrupted run resumes (AgentMem's search
# step: when ours.json, which the build step writes, has no "results" yet).
#   bench/Spann/run.sh                       # 1,000,000 x 384 (about 1.5 GB of data under WORK)
#   N=100000 CLUSTERS=1000 bench/Spann/run.sh # quick iteration
# Environment: N, CLUSTERS, WORK (default /tmp/spann-bench), HEAD_FRACTION, PROBES, EPS, CODE_BYTES, RERANK,
# REFINE, BALANCE, POSTING_CAP, RNG_FACTOR, CLOSURE_EPS (ours), NPROBE (FAISS), EF, HNSW_EFC (hnswlib).
# Ours runs at the settings of the published run (bench/Spann/README.md), not at SpannOptions' defaults, which
# `bench ann` uses for every flag not given.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
HERE=bench/Spann
PY=/usr/bin/python3
N=${N:-1000000}
CLUSTERS=${CLUSTERS:-10000}
WORK=${WORK:-/tmp/spann-bench}
HEAD_FRACTION=${HEAD_FRACTION:-0.002}
PROBES=${PROBES:-64,128,256,384,512}
EPS=${EPS:-10}
CODE_BYTES=${CODE_BYTES:-32}
RERANK=${RERANK:-150}
REFINE=${REFINE:-2}
BALANCE=${BALANCE:-0.5}
POSTING_CAP=${POSTING_CAP:-1024}
RNG_FACTOR=${RNG_FACTOR:-4}
CLOSURE_EPS=${CLOSURE_EPS:-1}
NPROBE=${NPROBE:-4,16,64,128,256}
EF=${EF:-32,64,128,256,512}
HNSW_EFC=${HNSW_EFC:-100}

if ! $PY -c "import faiss, hnswlib, numpy" 2>/dev/null; then
  echo "installing python3-faiss, python3-hnswlib and python3-numpy (Debian packages)" >&2
  apt-get update -qq && apt-get install -y -qq python3-faiss python3-hnswlib python3-numpy >&2
fi

mkdir -p "$WORK"
echo "work folder: $WORK" >&2
if [ ! -f "$WORK/groundtruth.ivecs" ]; then
  echo "== generating $N x 384, $CLUSTERS clusters" >&2
  $PY $HERE/spann_ref.py gen --out "$WORK" --n "$N" --clusters "$CLUSTERS"
fi

dotnet build src/Cli -c Release -v q -nologo >&2
CLI=(dotnet src/Cli/bin/Release/net10.0/AgentMem.Cli.dll bench ann --index spann --base "$WORK/base.fvecs" --query "$WORK/query.fvecs" --gt "$WORK/groundtruth.ivecs" --metric l2 --spann-dir "$WORK/spann" --head-fraction "$HEAD_FRACTION" --probes "$PROBES" --eps "$EPS" --code-bytes "$CODE_BYTES" --rerank "$RERANK" --refine "$REFINE" --balance "$BALANCE" --posting-cap "$POSTING_CAP" --rng-factor "$RNG_FACTOR" --closure-eps "$CLOSURE_EPS" --json "$WORK/ours.json")
# The build writes ours.json with its figures and the search adds "results" to it, so each step has its own test: a run
# cut off during the search resumes with the search (it used to skip it, and compare failed on the missing results).
if [ ! -f "$WORK/ours.json" ]; then
  echo "== AgentMem SPANN build" >&2
  "${CLI[@]}" --spann-mode build >&2
fi
if ! $PY -c 'import json, sys; sys.exit("results" not in json.load(open(sys.argv[1])))' "$WORK/ours.json"; then
  # A second process opens the index and searches: its RSS baseline holds no base vectors.
  echo "== AgentMem SPANN search (page cache dropped first when permitted)" >&2
  "${CLI[@]}" --spann-mode search --drop-caches >&2
fi

if [ ! -f "$WORK/faiss.json" ]; then
  echo "== FAISS IVF-Flat" >&2
  $PY $HERE/spann_ref.py faiss --base "$WORK/base.fvecs" --query "$WORK/query.fvecs" --gt "$WORK/groundtruth.ivecs" --nprobe "$NPROBE" --json "$WORK/faiss.json"
fi

if [ ! -f "$WORK/hnswlib.json" ]; then
  echo "== hnswlib M=16 efConstruction=$HNSW_EFC (2 build threads)" >&2
  $PY $HERE/spann_ref.py hnswlib --base "$WORK/base.fvecs" --query "$WORK/query.fvecs" --gt "$WORK/groundtruth.ivecs" --efc "$HNSW_EFC" --ef "$EF" --json "$WORK/hnswlib.json"
fi

$PY $HERE/spann_ref.py compare "$WORK/ours.json" "$WORK/faiss.json" "$WORK/hnswlib.json"
