#!/usr/bin/env bash
# Run THERE (the device machine: x86-64, NVIDIA GPU, no .NET, no network), from the repository root, with .gpu/ carried
# (made by bench/ModelHost/gpu/prepare.sh). Unpacks the runtime to /tmp/dotnet and runs the harness on the ILGPU backend for
# the 110M and 1.1B shapes (15M too), without token-by-token prefill so the whole run stays within a few minutes.
# Output goes to the terminal and, when OUT is set, to $OUT/gpu-bench.txt.
#   bash bench/ModelHost/gpu/run.sh              the benchmark
#   bash bench/ModelHost/gpu/run.sh --dry        unpack and start the harness (--help) only; no GPU needed
#   bash bench/ModelHost/gpu/run.sh -- ARGS...   the harness with ARGS instead of the default flags
set -euo pipefail
cd "$(dirname "$0")/../../.."
[ -f .gpu/dotnet-runtime.tar.xz ] && [ -f .gpu/bench/AgentMem.ModelHost.Bench.dll ] \
  || { echo "no .gpu/: run bench/ModelHost/gpu/prepare.sh on the development machine and carry .gpu" >&2; exit 1; }

dry=false
args=(--backend ilgpu --stories .gpu/stories --110m --1b --no-token-by-token --context 2048 --decode 64)
if [ "${1:-}" = --dry ]; then dry=true; shift; fi
if [ "${1:-}" = -- ]; then shift; args=("$@"); fi

if [ ! -x /tmp/dotnet/dotnet ] || [ .gpu/dotnet-runtime.tar.xz -nt /tmp/dotnet/dotnet ]; then
  rm -rf /tmp/dotnet && mkdir -p /tmp/dotnet
  tar -C /tmp/dotnet -xJf .gpu/dotnet-runtime.tar.xz
  touch /tmp/dotnet/dotnet
fi
export DOTNET_ROOT=/tmp/dotnet
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_gcServer=0

if $dry; then
  /tmp/dotnet/dotnet --list-runtimes
  /tmp/dotnet/dotnet .gpu/bench/AgentMem.ModelHost.Bench.dll --help
  exit 0
fi

log=/dev/null
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; log="$OUT/gpu-bench.txt"; fi
{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m) $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "nvidia-smi failed"
  echo "== dotnet .gpu/bench/AgentMem.ModelHost.Bench.dll ${args[*]}"
} 2>&1 | tee "$log"
set +e
/tmp/dotnet/dotnet .gpu/bench/AgentMem.ModelHost.Bench.dll "${args[@]}" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
echo "== exit $rc" | tee -a "$log"
exit "$rc"
