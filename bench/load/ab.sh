#!/usr/bin/env bash
# Same-moment A/B of the forwarding path: this working tree's gateway against another revision's, both
# loaded at once by bench/load/run.sh ("ab" target), so both see the same seconds of a machine whose
# speed drifts between runs. Prints requests per second and CPU time per request of each, and ratios.
#   bash bench/load/ab.sh <git revision> [--sizes "100k 1m"] [--reps N] [--seconds S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: bash bench/load/ab.sh <git revision> [run.sh options]"; exit 2; }
rev=$(git -C "$repo" rev-parse --verify "$1^{commit}")
shift
tree=$(mktemp -d /tmp/kvsgw-ab-XXXXXX)
trap 'git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git -C "$repo" worktree add --detach --force "$tree" "$rev" >/dev/null
echo "building the baseline ($rev, Release)…"
dotnet build "$tree/src/KvsGateway/KvsGateway.csproj" -c Release -v q -nologo >/dev/null
KVSGW_BENCH_BASELINE="$tree/src/KvsGateway/bin/Release/net10.0/KvsGateway.dll" KVSGW_BENCH_FRAGMENTS_ONLY=1 \
  bash "$here/run.sh" --targets ab --print "$@"
