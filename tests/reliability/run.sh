#!/usr/bin/env bash
# One reliability scenario on the loopback topology (topology.sh), bounded in time, reconciled at the end:
#   bash tests/reliability/run.sh SCENARIO [--players N] [--seconds S] [--replicas R]
# SCENARIO: soak | redis-failover | redis-gone | origin-hang | origin-down | rolling-restart | abort-storm
# Prints the players' summary, the usage export's total for the tenant, each replica's RSS samples,
# and one markdown row for tests/reliability/README.md; exits non-zero when a check fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenario=${1:?soak|redis-failover|redis-gone|origin-hang|origin-down|rolling-restart|abort-storm}
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

ramp=5 abort=0 probe=0
case $scenario in
  soak | rolling-restart) ;;
  abort-storm) abort=0.5 ;;
  # Arrivals go on through the fault: sessions opened while no master holds their slot are refused (and retried).
  redis-failover | redis-gone) ramp=$((seconds / 2)) ;;
  # Session URLs asked for throughout, 5 a second: the gateway must keep answering them while the origin is away.
  origin-hang | origin-down) probe=5 ;;
  *) echo "unknown scenario $scenario"; exit 2 ;;
esac

# The test command has built everything already.
[ -n "${KVSGW_RELIABILITY_NO_BUILD:-}" ] || (cd "$repo" && dotnet build -c Release -v q -nologo >/dev/null)
dir=$(mktemp -d)
# What a run measured stays in KVSGW_RELIABILITY_OUT (default: a folder under /tmp) for a closer look.
out=${KVSGW_RELIABILITY_OUT:-/tmp/kvsgw-reliability-$scenario}
mkdir -p "$out"
finish() {
  # Whatever failed before, everything started is stopped (errexit is off here: a missing file must not stop the cleanup).
  set +e
  for f in players.json rss sockets; do [ -f "$dir/$f" ] && cp "$dir/$f" "$out/"; done
  for r in "$dir"/gateway-*; do [ -f "$r/start.log" ] && cp "$r/start.log" "$out/$(basename "$r").log"; done
  bash "$here/topology.sh" stop "$dir" >/dev/null 2>&1
  rm -rf "$dir"
}
trap finish EXIT
bash "$here/topology.sh" start "$dir" "$replicas" 4 >/dev/null
. "$dir/env"
sleep 5 # every stream has live fragments
origin_port=$(cat "$dir/origin.port")

# Each replica's RSS every 5 s, in MB.
(while true; do
  for r in $(seq 1 "$replicas"); do
    pid=$(cat "$dir/gateway-$r/pid")
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || true)
    # Nothing while a replica restarts (between its exit and its successor).
    [ -n "$rss" ] && echo "$(date +%s) $r $rss"
  done
  sleep 5
done) > "$dir/rss" &
sampler=$!

# The replicas' sockets: "LABEL toward-origin close-wait descriptors", summed over the replicas.
sockets() {
  local origin=0 closewait=0 fds=0 pid
  for r in $(seq 1 "$replicas"); do
    pid=$(cat "$dir/gateway-$r/pid")
    origin=$((origin + $(ss -tnpH state established "( dport = :$origin_port )" | grep -c "pid=$pid," || true)))
    closewait=$((closewait + $(ss -tnpH state close-wait | grep -c "pid=$pid," || true)))
    fds=$((fds + $(ls "/proc/$pid/fd" | wc -l)))
  done
  echo "$1 $origin $closewait $fds" >> "$dir/sockets"
}

started=$(date -u +%Y-%m-%dT%H:00:00Z)
# Fault instants are taken as Unix times to the nanosecond and placed on the players' own clock
# (seconds from their "from") at the end: whole seconds from this shell's start were up to two
# seconds off it (truncation and the players' start-up), enough to put a stall at the fault's first
# moment outside its window.
now() { date +%s.%N; }
dotnet "$repo/tests/reliability/KvsGateway.Players/bin/Release/net10.0/KvsGateway.Players.dll" --gateway "$LB" --key-id "$KEY_ID" --secret "$SECRET" \
  --streams "$STREAMS" --players "$players" --seconds "$seconds" --ramp-up "$ramp" --abort-share "$abort" --session-probe-rate "$probe" > "$dir/players.json" &
load=$!
fault="" fault_from=0 fault_to=0
# A Redis fault's window: from the fault until every slot has a master again.
redis_from=0 redis_to=0
case $scenario in
  redis-failover)
    sleep $((seconds / 3))
    redis_from=$(now)
    killed=$(bash "$here/redis-cluster.sh" kill-master "$dir/redis")
    # Promoted: slot 0 has a master other than the killed one and the cluster says ok.
    alive=$(grep -vx "$killed" "$dir/redis/ports" | head -1)
    for _ in $(seq 1 300); do
      info=$(redis-cli -p "$alive" cluster info 2>/dev/null | tr -d '\r')
      owner=$(redis-cli -p "$alive" cluster nodes 2>/dev/null | tr -d '\r' | awk '$3 ~ /master/ && $3 !~ /fail/ && $9 ~ /^0-/ {split($2,a,"[:@]"); print a[2]}')
      [ -n "$owner" ] && [ "$owner" != "$killed" ] && echo "$info" | grep -q '^cluster_state:ok' && break
      sleep 0.1
    done
    redis_to=$(now)
    fault="master 127.0.0.1:$killed SIGKILLed at {redis_from} s; its replica promoted by {redis_to} s" ;;
  redis-gone)
    sleep $((seconds / 4))
    redis_from=$(now)
    bash "$here/redis-cluster.sh" stop "$dir/redis"
    sleep 30
    bash "$here/redis-cluster.sh" restart "$dir/redis"
    redis_to=$(now)
    fault="every Redis node stopped at {redis_from} s for 30 s, restarted from append-only files" ;;
  origin-hang | origin-down)
    sleep $((seconds / 3))
    sockets before
    fault_from=$(now)
    if [ "$scenario" = origin-hang ]; then
      bash "$here/topology.sh" origin "$dir" hang; sleep 20; bash "$here/topology.sh" origin "$dir" resume
      fault="emulator SIGSTOPped at {fault_from} s for 20 s (activity timeout 5 s)"
    else
      bash "$here/topology.sh" origin "$dir" down; sleep 20; bash "$here/topology.sh" origin "$dir" up
      fault="origin unreachable from {fault_from} s for 20 s (connections reset, new ones refused)"
    fi
    fault_to=$(now) ;;
  rolling-restart)
    sleep $((seconds / 4))
    drains=""
    for r in $(seq 1 "$replicas"); do
      drains+="$(bash "$here/topology.sh" restart-replica "$dir" "$r") s, "
      sleep 10
    done
    fault="each replica SIGTERMed in turn from $((seconds / 4)) s, started again once drained (drains: ${drains%, })" ;;
esac
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
# Billed per API, to place a difference.
curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$management/admin/usage?format=json&granularity=hour&from=$started" \
  | python3 -c 'import json,sys,collections; c=collections.Counter(); [c.update({r["api"]: r["bytes"]}) for r in json.load(sys.stdin) if r["tenant"]=="rel"]; print("billed per API:", dict(c))' || true
if [ "$fault_to" != 0 ]; then
  sockets after
  # Players gone, every connection toward the origin is idle and closes within the pool's 20 s idle
  # timeout: one still open after that is held by something (a request that never ended).
  for _ in $(seq 1 40); do
    sockets idle
    [ "$(tail -n 1 "$dir/sockets" | cut -d' ' -f2)" -eq 0 ] && break
    sleep 1
  done
fi

# Leases on cached fragments still held with every player gone: what a hung-up viewer never gave back.
leases=0
for r in $(seq 1 "$replicas"); do
  leases=$((leases + $(curl -sf "http://127.0.0.1:$(cat "$dir/gateway-$r/management")/metrics" \
    | awk '/^kvsgw_fragment_cache_(in_use|detached_bytes)[{ ]/ {s += $NF} END {print int(s)}')))
done

python3 - "$scenario" "$dir/players.json" "$billed" "$dir/rss" "$fault" "$players" "$seconds" "$dir/sockets" "$leases" "$fault_from" "$fault_to" "$redis_from" "$redis_to" <<'PY'
import json, os, sys
from datetime import datetime
scenario, players_file, billed, rss_file, fault, n, s, sockets_file, leases, fault_from, fault_to, redis_from, redis_to = sys.argv[1:14]
billed, leases = int(billed), int(leases)
p = json.load(open(players_file))
# Fault instants (Unix times) on the players' clock: seconds from their start, as their stalls, errors and probes are.
origin = datetime.fromisoformat(p["from"]).timestamp()
fault_from, fault_to, redis_from, redis_to = (round(float(t) - origin, 1) if float(t) else 0 for t in (fault_from, fault_to, redis_from, redis_to))
fault = fault.format(fault_from=fault_from, redis_from=redis_from, redis_to=redis_to)
print(json.dumps({k: v for k, v in p.items() if k not in ("probeLatencies", "events")}))
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
sockets = {}
if os.path.exists(sockets_file):
    for line in open(sockets_file):
        label, origin, closewait, fds = line.split()
        sockets[label] = (int(origin), int(closewait), int(fds))
received = p["bytes"]
errors_5xx = sum(v for k, v in p["statuses"].items() if int(k) >= 500)
checks = []
if scenario == "abort-storm":
    checks.append(("no response ≥ 500", errors_5xx == 0))
    low, high = received + p["abortedBytes"], received + p["abortedLength"]
    checks.append((f"billed within [{low}, {high}] (whole responses + what hung-up players read .. + their declared lengths)", low <= billed <= high))
    checks.append((f"no cached fragment still leased once players stopped (in use + detached bytes: {leases})", leases == 0))
elif scenario in ("origin-hang", "origin-down"):
    # What the origin's absence may cost: errors, each a KVS error, each within the activity timeout
    # (5 s) and a second's slack; stalls only while it is away (and one fragment duration after).
    checks.append((f"every error a KVS error ({p['nonKvsErrors']} were not)", p["nonKvsErrors"] == 0))
    checks.append((f"every error within 6 s (slowest {p['slowestErrorMs']} ms)", p["slowestErrorMs"] <= 6000))
    late = [t for t in p["stallSeconds"] if not (fault_from <= t <= fault_to + 10)]
    checks.append((f"stalls only during the fault, {fault_from}–{round(fault_to + 10, 1)} s ({len(late)} outside it)", not late))
    during = sorted(ms for at, ms in p["probeLatencies"] if fault_from <= at <= fault_to)
    p99 = during[min(len(during) - 1, int(0.99 * len(during)))] if during else float("inf")
    checks.append((f"session URLs answered within 100 ms p99 while the origin was away (p99 {p99} ms over {len(during)} probes)", p99 <= 100))
    checks.append((f"billed == received, error bodies included ({billed} / {received})", billed == received))
    before, after = sockets["before"], sockets["after"]
    checks.append((f"no socket left half-closed (CLOSE_WAIT after: {after[1]})", after[1] == 0))
    idle = sockets["idle"]
    checks.append((f"every socket toward the origin closed once idle ({before[0]} open before the fault, {after[0]} at the end, {idle[0]} after the idle timeout)", idle[0] == 0))
elif scenario in ("redis-failover", "redis-gone"):
    # Playing sessions play on. A session new at the fault (issued from 5 s before it: not yet seen
    # by every replica, or its record not yet on a replica of Redis when the fault struck) may be
    # refused with a KVS error while no master holds its slot, and a little after (10 s: the Redis
    # client learning the new masters); its player may stall then. Nothing else.
    def explained(e):
        new = e["At"] - e["SessionAge"] >= redis_from - 5
        during = redis_from <= e["At"] <= redis_to + 10
        kvs = e["What"] == "stall" or e["What"].endswith(("503 ServiceUnavailableException", "403 NotAuthorizedException"))
        return new and during and kvs
    events = p.get("events", [])
    unexplained = [e for e in events if not explained(e)]
    refused_5xx = sum(1 for e in events if e["What"].endswith("503 ServiceUnavailableException"))
    checks.append((f"errors and stalls only for sessions new at the fault, during it ({redis_from}–{round(redis_to + 10, 1)} s): {len(events) - len(unexplained)} such, {len(unexplained)} otherwise {unexplained[:5]}", not unexplained))
    checks.append((f"no response ≥ 500 but those refusals ({errors_5xx} ≥ 500, {refused_5xx} of them refusals)", errors_5xx == refused_5xx))
    checks.append((f"billed == received, error bodies included ({billed} / {received})", billed == received))
else:
    checks.append(("no response ≥ 500", errors_5xx == 0))
    checks.append((f"billed == received ({billed} / {received})", billed == received))
    checks.append(("no stalls", p["stalls"] == 0))
for name, ok in checks:
    print(("PASS " if ok else "FAIL ") + name)
statuses = ", ".join(f"{k}: {v}" for k, v in p["statuses"].items())
extra = ""
if scenario == "abort-storm":
    extra = f" + {p['abortedBytes']} read of {p['abortedLength']} hung up"
if sockets:
    extra += f"; sockets toward the origin {sockets['before'][0]} before, {sockets['after'][0]} at the end, {sockets['idle'][0]} once idle; descriptors {sockets['before'][2]} → {sockets['idle'][2]}"
print(f"| {scenario}{' (' + fault + ')' if fault else ''} | {p['players']} | {p['seconds']} s | {p['requests']} | {statuses} | {p['stalls']} | {billed} / {received}{extra} | {'; '.join(rss)} | p50 {p['fragmentP50Ms']} / p99 {p['fragmentP99Ms']} ms | `bash tests/reliability/run.sh {scenario} --players {n} --seconds {s}` |")
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
