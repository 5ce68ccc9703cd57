#!/usr/bin/env bash
# The Orleans floor: what this machine's silo takes when its grains do nothing. It applies bare-grains.patch to a
# throw-away worktree of HEAD (each case's events go to a grain that only answers, a bare customer grain is activated
# once per story, no relay, feed, figures or snapshots), builds it and runs the steady scenario against it, with the
# same generator, batches and ceiling as a plain run. Detection fails there by design (no alerts): read the ratio.
#
#   load-tests/floor/run.sh                          # steady, max rate, 60 s, bare case and customer per story
#   TOH_FLOOR_CUSTOMERS=0 load-tests/floor/run.sh    # bare cases only
#   load-tests/floor/run.sh --seconds 30             # further options go to the load generator
#
# Reports go to load-tests/reports/floor/. See docs/performance.md, "The floor under the silo".
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
cleanup() {
  git -C "$repo" worktree remove --force "$work/floor" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add --detach -q "$work/floor" HEAD
git -C "$work/floor" apply "$repo/load-tests/floor/bare-grains.patch"
dotnet build "$work/floor/TopOfHeart.sln" -c Release -nologo -v quiet
mkdir -p "$repo/load-tests/reports/floor"
cd "$work/floor"
touch "$work/started"
status=0
dotnet run --project load-tests -c Release --no-build -- \
  --scenario steady --rate max --seconds 60 --no-live --reports "$repo/load-tests/reports/floor" "$@" || status=$?
# Mark this run's reports as the floor's, not the product's (only those it wrote: a run that stopped before its report
# leaves an earlier one as it was).
find "$repo/load-tests/reports/floor" -maxdepth 1 -name '*steady*.md' -newer "$work/started" | while read -r report; do
  sed -i "1a\\
\\
> **Floor experiment** (\\\`load-tests/floor/bare-grains.patch\\\`, TOH_FLOOR_CUSTOMERS=${TOH_FLOOR_CUSTOMERS:-1}): bare grains that only answer, not the product; detection fails by design." "$report"
done
echo "floor run finished (exit $status: detection is expected to fail, the grains raise no alerts)"
grep -h 'ingest ÷ ceiling, 60 s' "$repo/load-tests/reports/floor/latest-steady.md" || true
