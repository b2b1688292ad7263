#!/usr/bin/env bash
# One reliability scenario on the loopback topology (topology.sh), bounded in time, reconciled at the end:
#   bash tests/reliability/run.sh SCENARIO [--players N] [--seconds S] [--replicas R]
# SCENARIO: soak | redis-failover | redis-gone | abort-storm
# Prints the players' summary, the usage export's total for the tenant, each replica's RSS samples,
# and one markdown row for tests/reliability/README.md; exits non-zero when a check fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenario=${1:?soak|redis-failover|abort-storm}
shift
players=50 seconds=60 replicas=2
while [ $# -gt 0 ]; do
  case $1 in
    --players) players=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done

(cd "$repo" && dotnet build -c Release -v q -nologo >/dev/null)
dir=$(mktemp -d)
# What a run measured stays in KVSGW_RELIABILITY_OUT (default: a folder under /tmp) for a closer look.
out=${KVSGW_RELIABILITY_OUT:-/tmp/kvsgw-reliability-$scenario}
mkdir -p "$out"
trap 'cp "$dir/players.json" "$dir/rss" "$out/" 2>/dev/null; for r in "$dir"/gateway-*; do cp "$r/out.log" "$out/$(basename "$r").log" 2>/dev/null; done; bash "$here/topology.sh" stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
bash "$here/topology.sh" start "$dir" "$replicas" 4 >/dev/null
. "$dir/env"
sleep 5 # every stream has live fragments

# Each replica's RSS every 5 s, in MB.
(while true; do
  for r in $(seq 1 "$replicas"); do
    pid=$(cat "$dir/gateway-$r/pid")
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)
    echo "$(date +%s) $r $rss"
  done
  sleep 5
done) > "$dir/rss" &
sampler=$!

ramp=5 abort=0
case $scenario in
  soak) ;;
  abort-storm) abort=0.5 ;;
  # Arrivals go on through the failover: sessions opened while no master holds their slot are refused (and retried).
  redis-failover) ramp=$((seconds / 2)) ;;
  # Redis entirely gone for 30 s: players already playing go on, new ones are refused until it is back.
  redis-gone) ramp=$((seconds / 2)) ;;
  *) echo "unknown scenario $scenario"; exit 2 ;;
esac

started=$(date -u +%Y-%m-%dT%H:00:00Z)
dotnet "$repo/tests/reliability/KvsGateway.Players/bin/Release/net10.0/KvsGateway.Players.dll" --gateway "$LB" --key-id "$KEY_ID" --secret "$SECRET" \
  --streams "$STREAMS" --players "$players" --seconds "$seconds" --ramp-up "$ramp" --abort-share "$abort" > "$dir/players.json" &
load=$!
fault=""
if [ "$scenario" = redis-failover ]; then
  sleep $((seconds / 3))
  killed=$(bash "$here/redis-cluster.sh" kill-master "$dir/redis")
  fault="killed master 127.0.0.1:$killed at $((seconds / 3)) s"
elif [ "$scenario" = redis-gone ]; then
  sleep $((seconds / 4))
  bash "$here/redis-cluster.sh" stop "$dir/redis"
  sleep 30
  bash "$here/redis-cluster.sh" restart "$dir/redis"
  fault="every Redis node stopped at $((seconds / 4)) s for 30 s"
fi
wait "$load"
kill "$sampler" 2>/dev/null || true

# Metering reaches Redis a few seconds after the last response (after an outage, when its journal
# is replayed): wait until the export holds what the players received, or two minutes.
management=$(cat "$dir/gateway-1/management")
received=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$dir/players.json")
billed=0
for _ in $(seq 1 60); do
  billed=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$management/admin/usage?format=json&granularity=hour&from=$started" \
    | python3 -c 'import json,sys; print(sum(r["bytes"] for r in json.load(sys.stdin) if r["tenant"]=="rel"))' || echo 0)
  [ "$billed" -ge "$received" ] && break
  sleep 2
done

python3 - "$scenario" "$dir/players.json" "$billed" "$dir/rss" "$replicas" "$fault" "$players" "$seconds" <<'PY'
import json, sys
scenario, players_file, billed, rss_file, replicas, fault, n, s = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
p = json.load(open(players_file))
print(json.dumps(p))
samples = {}
for line in open(rss_file):
    t, r, mb = line.split()
    samples.setdefault(r, []).append((int(t), int(mb)))
rss = []
for r, points in sorted(samples.items()):
    # The slope of the second half of the run: past warm-up (heaps, caches and pools filling).
    warm = [q for q in points if q[0] >= (points[0][0] + points[-1][0]) / 2] or points
    n_ = len(warm)
    mt = sum(q[0] for q in warm) / n_; mm = sum(q[1] for q in warm) / n_
    var = sum((q[0] - mt) ** 2 for q in warm)
    slope = (sum((q[0] - mt) * (q[1] - mm) for q in warm) / var * 60) if var else 0.0
    rss.append(f"r{r}: {points[0][1]}→{points[-1][1]} MB ({slope:+.1f} MB/min over the second half)")
received = p["bytes"]
errors_5xx = sum(v for k, v in p["statuses"].items() if int(k) >= 500)
checks = [("no response ≥ 500", errors_5xx == 0)]
if scenario == "abort-storm":
    low, high = received + p["abortedBytes"], received + p["abortedLength"]
    checks.append((f"billed within [{low}, {high}] (whole responses + what hung-up players read .. + their declared lengths)", low <= billed <= high))
else:
    checks.append(("billed == received", billed == received))
    checks.append(("no stalls", p["stalls"] == 0))
for name, ok in checks:
    print(("PASS " if ok else "FAIL ") + name)
statuses = ", ".join(f"{k}: {v}" for k, v in p["statuses"].items())
print(f"| {scenario}{' (' + fault + ')' if fault else ''} | {p['players']} | {p['seconds']} s | {p['requests']} | {statuses} | {p['stalls']} | {billed} / {received}{' + ' + str(p['abortedBytes']) + ' read of ' + str(p['abortedLength']) + ' hung up' if scenario == 'abort-storm' else ''} | {'; '.join(rss)} | p50 {p['fragmentP50Ms']} / p99 {p['fragmentP99Ms']} ms | `bash tests/reliability/run.sh {scenario} --players {n} --seconds {s}` |")
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
