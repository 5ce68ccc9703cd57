#!/usr/bin/env bash
# Top of Heart with a simulated company floor: the silo (with demo traffic) and the LiveBoard.
# Open http://127.0.0.1:5090 for the wall board; the API is on http://127.0.0.1:5080. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Building…"
dotnet build TopOfHeart.sln -c Release -nologo -v quiet

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

dotnet run --project src/Silo -c Release --no-build -- --TopOfHeart:Demo:Enabled=true "$@" &
pids+=($!)
for _ in $(seq 1 120); do
  curl -sf http://127.0.0.1:5080/health >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf http://127.0.0.1:5080/health >/dev/null || { echo "The silo did not start; see its log above." >&2; exit 1; }

dotnet run --project src/LiveBoard -c Release --no-build &
pids+=($!)
echo
echo "  Wall board:  http://127.0.0.1:5090"
echo "  API:         http://127.0.0.1:5080/api/v1/board"
echo
wait -n "${pids[@]}"
