#!/usr/bin/env bash
# Run HERE (the development machine, which has the .NET SDK), from the repository root. Prepares .gpu/ for a device machine that
# has no .NET and no network: the harness published framework-dependent (.gpu/bench) and the .NET runtime it needs packed from
# the local SDK install (.gpu/dotnet-runtime.tar.xz: the dotnet host, host/fxr and shared/Microsoft.NETCore.App/<version>).
# .gpu/ is git-ignored (via the repository's info/exclude) and travels to the device machine as a carried path.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"

rm -rf .gpu/bench
dotnet publish bench/ModelHost -c Release -o .gpu/bench --self-contained false -p:UseAppHost=false >/dev/null
echo "published bench/ModelHost to .gpu/bench"

# stories260K (1 MB) for the exactness check the device run starts with; ../shared does not travel to the device machine.
mkdir -p .gpu/stories
cp ../shared/models/stories260K/stories260K.bin ../shared/models/stories260K/tok512.bin ../shared/models/stories260K/stories260K.expected_t0_n200.txt .gpu/stories/
echo "copied stories260K into .gpu/stories"

root=$(dirname "$(readlink -f "$(command -v dotnet)")")
# The runtime version the published harness asks for (runtimeconfig.json), e.g. 10.0.0, rolls forward to the newest installed patch.
wanted=$(sed -n 's/.*"version": *"\([0-9.]*\)".*/\1/p' .gpu/bench/AgentMem.ModelHost.Bench.runtimeconfig.json | head -1)
major_minor=${wanted%.*}
version=$(ls "$root/shared/Microsoft.NETCore.App" | grep "^${major_minor}\." | sort -V | tail -1)
[ -n "$version" ] || { echo "no Microsoft.NETCore.App $major_minor.* under $root/shared" >&2; exit 1; }
fx="$root/shared/Microsoft.NETCore.App/$version"
tarball=.gpu/dotnet-runtime.tar.xz
if [ -f "$tarball" ] && [ "$tarball" -nt "$fx" ] && [ "$(cat .gpu/dotnet-runtime.version 2>/dev/null)" = "$version" ]; then
  echo "runtime $version already packed in $tarball"
else
  echo "packing .NET runtime $version from $root (xz, about a minute)"
  tar -C "$root" -cf - dotnet host/fxr "shared/Microsoft.NETCore.App/$version" | xz -T0 -6 > "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  echo "$version" > .gpu/dotnet-runtime.version
fi

du -sh .gpu/bench "$tarball"
echo "total: $(du -sh .gpu | cut -f1) in .gpu (a device run carries at most 64 MiB)"
total=$(du -sm .gpu | cut -f1)
if [ "$total" -ge 56 ]; then
  echo "warning: .gpu is ${total} MiB, too close to the 64 MiB a device run may carry" >&2
  exit 1
fi
