#!/usr/bin/env bash
# Side-by-side benchmark: the bare Blazor Server template and NasDash, both published in Release, run on this
# machine in the same run (interleaved). Prints one Markdown table of medians and ratios. Never fails on a figure.
#   bench/run.sh [--runs 3] [--starts 5] [--tabs 10,30]
# Needs the .NET SDK and Debian's chromium. Everything it builds or starts lives under a temporary directory,
# which is removed at the end; every server and the browser it starts are stopped, on failure too.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nasdash-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "building in $work" >&2
# The template is generated at run time, never committed; the hidden marker is the only change, so the browser
# can wait for the live circuit the same way on both apps.
dotnet new blazor --interactivity Server --name Template --output "$work/template" >/dev/null
cat >>"$work/template/Components/Pages/Counter.razor" <<'RAZOR'

@if (RendererInfo.IsInteractive)
{
    <span data-testid="interactive" hidden></span>
}
RAZOR
dotnet publish "$work/template/Template.csproj" -c Release -o "$work/template-publish" -nologo -v quiet >&2
dotnet publish "$repo/App/App.csproj" -c Release -o "$work/nasdash-publish" -nologo -v quiet >&2
dotnet build "$repo/bench/SideBySide/SideBySide.csproj" -c Release -o "$work/driver" -nologo -v quiet >&2

dotnet "$work/driver/NasDash.SideBySide.dll" \
  --template "$work/template-publish/Template.dll" \
  --nasdash "$work/nasdash-publish/NasDash.dll" \
  --work "$work/runs" "$@"
