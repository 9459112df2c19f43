#!/usr/bin/env bash
# The failure and load campaign (bench/Campaign/README.md): builds the CLI (Release) and the harness, runs the campaign
# against `agentmem serve` on loopback, prints the results table and writes it into bench/Campaign/README.md.
# Arguments pass through: --quick (about a minute), --load-seconds, --kills, --clients, --rest-cases, --file-cases, --seed, --parts.
# The disk-full part mounts a small tmpfs and so needs root; without it that part reports "not run".
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release src/Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Campaign -nologo -v quiet >/dev/null
exec dotnet bench/Campaign/bin/Release/net10.0/AgentMem.Campaign.Bench.dll \
  --cli src/Cli/bin/Release/net10.0/AgentMem.Cli.dll --readme bench/Campaign/README.md "$@"
