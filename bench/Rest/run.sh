#!/usr/bin/env bash
# Starts `agentmem serve` (Release) on a temporary SQLite database and runs batch_update.py against it.
# Usage: bench/Rest/run.sh [N]   (default 500)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Cli -c Release -nologo -v quiet
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
key="am_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
echo "bench:$(printf %s "$key" | sha256sum | cut -d' ' -f1)" > "$tmp/keys.txt"
dotnet src/Cli/bin/Release/net10.0/AgentMem.Cli.dll --db "$tmp/bench.db" serve --urls http://127.0.0.1:0 --api-key-file "$tmp/keys.txt" > "$tmp/serve.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 120); do
  url=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$tmp/serve.log" | head -1 | sed 's/Now listening on: //' || true)
  [ -n "$url" ] && curl -sf "$url/health" > /dev/null && break
  url=""
  sleep 0.5
done
[ -n "$url" ] || { cat "$tmp/serve.log"; echo "agentmem serve did not start" >&2; exit 1; }
AGENTMEM_URL="$url" AGENTMEM_KEY="$key" python3 bench/Rest/batch_update.py "${1:-500}"
