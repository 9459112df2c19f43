#!/usr/bin/env bash
# Builds bench/openai-clients/Program.cs in a temporary project with the hand-written clients taken from git next to the
# current OpenAICompatibleClients, and runs it in Release. The old clients were deleted in 707f3c8 ("One OpenAI-compatible
# client stack"), so the default rev is the commit before it; any rev that still has the five files below works.
#   bench/openai-clients/compare.sh [requests per round (500)] [rounds (5)] [git rev with the old clients (707f3c8^)]
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
rev=${3:-707f3c8^}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old"
for f in src/Agents/Clients/OpenAICompatibleChatClient.cs src/Agents/Clients/OpenAIChatWire.cs src/Agents/Clients/StreamedToolCalls.cs \
         src/Retrieval/Embeddings/Http/OpenAICompatibleEmbeddingGenerator.cs src/Retrieval/Embeddings/Http/OpenAICompatibleEmbeddingOptions.cs; do
  git -C "$repo" show "$rev:$f" > "$work/old/$(basename "$f")"
done
cp "$repo/bench/openai-clients/Program.cs" "$work/"
cat > "$work/Compare.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/Retrieval/Retrieval.csproj" />
    <ProjectReference Include="$repo/tests/TestSupport/TestSupport.csproj" />
  </ItemGroup>
</Project>
XML
dotnet run -c Release --project "$work/Compare.csproj" -- "${1:-500}" "${2:-5}"
