#!/usr/bin/env bash
# The loopback load benchmark the gateway is judged by (bench/README.md, "Load"):
#   a static nginx "KVS origin" (control-plane JSON, 100 KB and 1 MB fragments, a 1000-fragment MPD),
#   a tuned nginx reverse proxy, a bare YARP forwarder (bench/KvsGateway.BareForwarder) and the gateway
#   (Release, Origin:Mode=Remote, real redis-server, 64 LIVE sessions), each driven by wrk.
# Every server and redis-server run on core 1, wrk on core 0; repetitions are interleaved and each run
# waits for an idle machine first; every response must be 200 and full-length. Writes the table into
# bench/README.md between its "load:begin" and "load:end" markers and stops everything it started.
#   bash bench/load/run.sh [--reps N] [--seconds S] [--connections C] [--targets "origin nginx-proxy nginx-cache yarp gateway cached"] [--sizes "100k 1m"] [--print]
# --print writes the table to standard output instead of bench/README.md (for experiments).
# Environment variables in KVSGW_BENCH_DOTNET_ENV ("NAME=value NAME=value") are given to both .NET
# servers (for experiments with runtime settings; the table's runs use the project's own);
# KVSGW_BENCH_FORWARDER_NORMAL=1 leaves the bare forwarder under the default scheduling policy.
# KVSGW_BENCH_FRAGMENTS_ONLY=1 skips the session-URL, manifest and 500-connection runs.
# KVSGW_BENCH_GATEWAY_ARGS adds gateway arguments (e.g. "--Playback:FragmentCacheBytes 0" measures
# the forwarding path without the shared cache). The nginx origin has no KVS limits, so the gateway's
# own origin limits are lifted here.
# KVSGW_BENCH_BASELINE=<path to another build's KvsGateway.dll> starts that build as a third gateway per
# size (forwarding, like "gateway") and the "ab" target loads both forwarding gateways at once, half the
# connections each: the two builds share the same seconds of this machine, whose speed drifts by up to
# 2x between runs minutes apart. bench/load/ab.sh <git revision> builds a revision and runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reps=3
seconds=10
connections=64
readme="$repo/bench/README.md"
targets="origin nginx-proxy nginx-cache yarp gateway cached"
sizes="100k 1m"
while [ $# -gt 0 ]; do
  case $1 in
    --targets) targets=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --print) readme=-; shift ;;
    --reps) reps=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ "$(nproc)" -ge 2 ] || { echo "bench/load needs two cores (servers on one, wrk on the other)"; exit 1; }

work=$(mktemp -d /tmp/kvsgw-load-XXXXXX)
pids=()
bare_pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/origin.pid" ] && kill "$(cat "$work/origin.pid")" 2>/dev/null || true
  [ -f "$work/proxy.pid" ] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work" "${cache_dir:-}"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 did not answer"; exit 1; }

# Waits (at most 60 s) until both cores were at least 90 % idle over a second.
wait_idle() {
  for _ in $(seq 1 60); do
    read -r _ a1 b1 c1 d1 e1 f1 g1 h1 _ < /proc/stat
    sleep 1
    read -r _ a2 b2 c2 d2 e2 f2 g2 h2 _ < /proc/stat
    local total=$(( (a2+b2+c2+d2+e2+f2+g2+h2) - (a1+b1+c1+d1+e1+f1+g1+h1) ))
    local idle=$(( (d2+e2) - (d1+e1) ))
    [ "$total" -gt 0 ] && [ $(( idle * 100 / total )) -ge 90 ] && return 0
  done
  echo "warning: the machine did not go idle" >&2
}

echo "building (Release)…"
dotnet build "$repo/src/KvsGateway/KvsGateway.csproj" -c Release -v q -nologo >/dev/null
dotnet build "$repo/bench/KvsGateway.BareForwarder/KvsGateway.BareForwarder.csproj" -c Release -v q -nologo >/dev/null

declare -A size=([100k]=102400 [1m]=1048576)
declare -A origin proxy cache bare gateway management cached cached_management baseline baseline_management
for s in 100k 1m; do
  origin[$s]=$(port); proxy[$s]=$(port); cache[$s]=$(port); bare[$s]=$(port); gateway[$s]=$(port); management[$s]=$(port)
  cached[$s]=$(port); cached_management[$s]=$(port); baseline[$s]=$(port); baseline_management[$s]=$(port)
done
kinds="gateway cached"
[ -n "${KVSGW_BENCH_BASELINE:-}" ] && kinds="gateway cached baseline"
redis_port=$(port)
python3 "$here/make-origin.py" "$work/origin" "${origin[100k]}" "${origin[1m]}"
# nginx's workers run as an unprivileged user when started as root: they must be able to read the origin.
chmod 755 "$work"
chmod -R a+rX "$work/origin"

# The origin: nginx serving files with sendfile, the control-plane answers inline.
cat > "$work/origin.conf" <<EOF
worker_processes 1;
pid $work/origin.pid;
error_log $work/origin-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 60s;
  types { application/dash+xml mpd; video/mp4 mp4; }
  server {
    listen 127.0.0.1:${origin[100k]};
    root $work/origin/100k;
    location = /getDataEndpoint { default_type application/json; return 200 '{"DataEndpoint":"http://127.0.0.1:${origin[100k]}"}'; }
    location = /getDASHStreamingSessionURL { default_type application/json; return 200 '{"DASHStreamingSessionURL":"http://127.0.0.1:${origin[100k]}/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN"}'; }
  }
  server {
    listen 127.0.0.1:${origin[1m]};
    root $work/origin/1m;
    location = /getDataEndpoint { default_type application/json; return 200 '{"DataEndpoint":"http://127.0.0.1:${origin[1m]}"}'; }
    location = /getDASHStreamingSessionURL { default_type application/json; return 200 '{"DASHStreamingSessionURL":"http://127.0.0.1:${origin[1m]}/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN"}'; }
  }
}
EOF

cache_dir=$(mktemp -d /dev/shm/kvsgw-load-cache-XXXXXX)
chmod 777 "$cache_dir"

# The tuned reverse proxy the gateway is compared with: upstream keepalive, 64 KB buffers; its heap is
# not trimmed back after each 1 MB response (glibc's trim threshold raised), which nginx at 1 MB needs.
cat > "$work/proxy.conf" <<EOF
worker_processes 1;
pid $work/proxy.pid;
error_log $work/proxy-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 60s;
  upstream o100k { server 127.0.0.1:${origin[100k]}; keepalive 128; keepalive_requests 1000000; }
  upstream o1m { server 127.0.0.1:${origin[1m]}; keepalive 128; keepalive_requests 1000000; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffer_size 64k;
  proxy_buffers 16 64k;
  proxy_busy_buffers_size 128k;
  server { listen 127.0.0.1:${proxy[100k]}; location / { proxy_pass http://o100k; } }
  server { listen 127.0.0.1:${proxy[1m]}; location / { proxy_pass http://o1m; } }

  # The caching proxy a user would otherwise deploy in front of KVS: proxy_cache on tmpfs.
  proxy_cache_path $cache_dir levels=1:2 keys_zone=fragments:16m max_size=1g inactive=10m use_temp_path=off;
  proxy_cache_key \$server_port\$uri\$is_args\$args;
  proxy_cache_valid 200 10m;
  proxy_cache_lock on;
  server { listen 127.0.0.1:${cache[100k]}; location / { proxy_cache fragments; proxy_pass http://o100k; } }
  server { listen 127.0.0.1:${cache[1m]}; location / { proxy_cache fragments; proxy_pass http://o1m; } }
}
EOF
taskset -c 1 "$NGINX" -c "$work/origin.conf" -p "$work" -e "$work/origin-error.log"
GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456 taskset -c 1 "$NGINX" -c "$work/proxy.conf" -p "$work" -e "$work/proxy-error.log"

taskset -c 1 redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
pids+=($!)

forwarder="$repo/bench/KvsGateway.BareForwarder/bin/Release/net10.0/KvsGateway.BareForwarder.dll"
host="$repo/src/KvsGateway/bin/Release/net10.0/KvsGateway.dll"
token_key=$(head -c 64 /dev/urandom | base64 -w0)
for s in 100k 1m; do
  env ${KVSGW_BENCH_DOTNET_ENV:-} taskset -c 1 dotnet "$forwarder" --urls "http://127.0.0.1:${bare[$s]}" --origin "http://127.0.0.1:${origin[$s]}" ${KVSGW_BENCH_FORWARDER_ARGS:-} >/dev/null 2>&1 &
  pids+=($!)
  bare_pids+=($!)
  # Two gateways per size: "gateway" with the fragment cache off (the forwarding path, against the
  # bare forwarder and the nginx proxy) and "cached", as shipped (the shared cache on).
  for kind in $kinds; do
    build=$host
    case $kind in
      gateway) listen=${gateway[$s]}; manage=${management[$s]}; extra="--Playback:FragmentCacheBytes 0" ;;
      cached) listen=${cached[$s]}; manage=${cached_management[$s]}; extra="" ;;
      baseline) listen=${baseline[$s]}; manage=${baseline_management[$s]}; extra="--Playback:FragmentCacheBytes 0"; build=$KVSGW_BENCH_BASELINE ;;
    esac
    mkdir -p "$work/$kind-$s"
    env ${KVSGW_BENCH_DOTNET_ENV:-} taskset -c 1 dotnet "$build" --environment Production --urls "http://127.0.0.1:$listen" \
      --Gateway:ManagementUrls "http://127.0.0.1:$manage" --Redis:Configuration "127.0.0.1:$redis_port" \
      --Origin:Mode Remote --Origin:Endpoint "http://127.0.0.1:${origin[$s]}" --Origin:AccessKeyId AKIDBENCHORIGIN --Origin:SecretAccessKey bench-origin-secret \
      --Metering:Path "$work/$kind-$s/metering" --Audit:Path "$work/$kind-$s/audit.jsonl" \
      --Tokens:ActiveKeyId k1 --Tokens:Keys:k1 "$token_key" --Logging:LogLevel:Default Warning \
      --Tenants:bench:AccessKeys:0:AccessKeyId AKIDBENCHTENANT --Tenants:bench:AccessKeys:0:SecretAccessKey bench-tenant-secret \
      --Tenants:bench:Streams:0 'bench-*' --Tenants:bench:ControlPlaneRequestsPerSecond 1000000 \
      --Tenants:bench:SessionUrlsPerStreamPerSecond 1000000 --Tenants:bench:DataEndpointsPerStreamPerSecond 1000000 \
      --Tenants:bench:PlaybackRates:ManifestsPerSecond 1000000 --Tenants:bench:PlaybackRates:InitFragmentsPerSecond 1000000 --Tenants:bench:PlaybackRates:MediaFragmentsPerSecond 1000000 \
      --OriginLimits:ManifestsPerSession 1000000 --OriginLimits:InitFragmentsPerSession 1000000 --OriginLimits:MediaFragmentsPerSession 1000000 \
      --OriginLimits:MediaFragmentsPerStream 1000000 --OriginLimits:MetadataPointsPerStream 10000000 --OriginLimits:SessionUrlsPerStream 1000000 \
      $extra ${KVSGW_BENCH_GATEWAY_ARGS:-} > "$work/$kind-$s/out.log" 2>&1 &
    echo $! > "$work/$kind-$s/pid"
    pids+=($!)
  done
done
for s in 100k 1m; do
  wait_http "http://127.0.0.1:${origin[$s]}/dash/v1/getDASHManifest.mpd"
  wait_http "http://127.0.0.1:${bare[$s]}/dash/v1/getDASHManifest.mpd"
  wait_http "http://127.0.0.1:${gateway[$s]}/healthz"
  wait_http "http://127.0.0.1:${cached[$s]}/healthz"
  [ -n "${KVSGW_BENCH_BASELINE:-}" ] && wait_http "http://127.0.0.1:${baseline[$s]}/healthz"
done

# Paths: 1000 fragment requests; through the gateway spread over 64 LIVE sessions. The warm-cache
# runs (the caching nginx, the cached gateway) use the first 100 fragments, which their caches hold:
# 64 viewers of one stream fetching what another viewer already fetched.
for s in 100k 1m; do
  for n in $(seq 1 1000); do echo "/dash/v1/getMP4MediaFragment.mp4?SessionToken=ORIGIN&TrackNumber=1&SequenceNumber=$n"; done > "$work/paths-origin-$s"
  head -n 100 "$work/paths-origin-$s" > "$work/paths-origin-warm-$s"
  for kind in $kinds; do
    case $kind in gateway) base=${gateway[$s]} ;; cached) base=${cached[$s]} ;; baseline) base=${baseline[$s]} ;; esac
    python3 "$here/sigv4.py" session "http://127.0.0.1:$base" "bench-$s" 64 > "$work/sessions-$kind-$s"
    python3 - "$work/sessions-$kind-$s" 1000 > "$work/paths-$kind-$s" <<'PY'
import sys, urllib.parse
tokens = [urllib.parse.parse_qs(urllib.parse.urlsplit(u.strip()).query)["SessionToken"][0] for u in open(sys.argv[1]) if u.strip()]
fragments = int(sys.argv[2])
for n in range(1000):
    print(f"/dash/v1/getMP4MediaFragment.mp4?SessionToken={urllib.parse.quote(tokens[n % len(tokens)], safe='')}&TrackNumber=1&SequenceNumber={(n % fragments) + 1}")
PY
  done
  python3 - "$work/sessions-cached-$s" 100 > "$work/paths-cached-warm-$s" <<'PY'
import sys, urllib.parse
tokens = [urllib.parse.parse_qs(urllib.parse.urlsplit(u.strip()).query)["SessionToken"][0] for u in open(sys.argv[1]) if u.strip()]
fragments = int(sys.argv[2])
for n in range(1000):
    print(f"/dash/v1/getMP4MediaFragment.mp4?SessionToken={urllib.parse.quote(tokens[n % len(tokens)], safe='')}&TrackNumber=1&SequenceNumber={(n % fragments) + 1}")
PY
  head -n 1 "$work/sessions-cached-$s" | sed 's|^http://[^/]*||' > "$work/manifest-cached-$s"
done

# Whether a run belongs to the targets asked for (session URLs, the manifest and 500 connections are the gateway's).
wanted() {
  local group=$1
  [ "${2:-}" = - ] || [ -z "${2:-}" ] || [[ " $sizes " == *" $2 "* ]] || return 1
  case $group in
    gateway-500) [ -n "${KVSGW_BENCH_FRAGMENTS_ONLY:-}" ] && return 1; group=gateway ;;
    session-urls|manifest|cached-500) [ -n "${KVSGW_BENCH_FRAGMENTS_ONLY:-}" ] && return 1; group=cached ;;
    ab|baseline) [ -z "${KVSGW_BENCH_BASELINE:-}" ] && return 1; group=ab ;;
  esac
  [[ " $targets " == *" $group "* ]]
}

# One run: target name, size, base URL, paths file, connections, script. Appends a JSON line to results.
run() {
  local target=$1 s=$2 base=$3 paths=$4 conns=$5 script=${6:-paths.lua}
  wanted "$target" "$s" || return 0
  wait_idle
  local out
  out=$(taskset -c 0 wrk -t1 -c"$conns" -d"${seconds}s" --timeout 10s --latency -s "$here/wrk/$script" "$base" -- "$paths" | tail -n 1)
  echo "{\"target\":\"$target\",\"size\":\"$s\",\"connections\":$conns,\"result\":$out}" >> "$work/results.jsonl"
  echo "$target $s: $out"
}

# Both forwarding gateways (this build and the baseline) loaded in the same seconds, half the
# connections each; their CPU time (utime + stime, in clock ticks) is read around the run.
ab() {
  local s=$1 half=$((connections / 2))
  wanted ab "$s" || return 0
  wait_idle
  local ticks_before ticks_after a b
  ticks() { awk '{print $14 + $15}' "/proc/$(cat "$work/$1-$s/pid")/stat"; }
  ticks_before="$(ticks gateway) $(ticks baseline)"
  taskset -c 0 wrk -t1 -c"$half" -d"${seconds}s" --timeout 10s --latency -s "$here/wrk/paths.lua" "http://127.0.0.1:${gateway[$s]}" -- "$work/paths-gateway-$s" | tail -n 1 > "$work/ab-gateway" &
  a=$!
  taskset -c 0 wrk -t1 -c"$half" -d"${seconds}s" --timeout 10s --latency -s "$here/wrk/paths.lua" "http://127.0.0.1:${baseline[$s]}" -- "$work/paths-baseline-$s" | tail -n 1 > "$work/ab-baseline" &
  b=$!
  wait "$a" "$b"
  ticks_after="$(ticks gateway) $(ticks baseline)"
  echo "{\"size\":\"$s\",\"ticks_per_second\":$(getconf CLK_TCK),\"ticks_before\":[${ticks_before// /,}],\"ticks_after\":[${ticks_after// /,}],\"gateway\":$(cat "$work/ab-gateway"),\"baseline\":$(cat "$work/ab-baseline")}" >> "$work/ab.jsonl"
  echo "ab $s: this build $(cat "$work/ab-gateway")"
  echo "ab $s: baseline   $(cat "$work/ab-baseline")"
}

# Warm-up, not recorded: .NET compiles its hot paths again, optimised, after their first calls; a
# production gateway is measured warm. nginx needs none, and gets the same treatment.
# On one core the JIT's second pass over ~20,000 methods takes half a minute of load.
warm() {
  local secs=${KVSGW_BENCH_WARM_SECONDS:-30}
  # The session-URL path (SigV4, JWE, Redis client, JSON) is its own ~minute of tiering on one core.
  case $1 in nginx-proxy|nginx-cache) secs=5 ;; session-urls) secs=$((secs * 2)) ;; esac
  wanted "$1" && taskset -c 0 wrk -t1 -c"$4" -d${secs}s --timeout 10s -s "$here/wrk/${5:-paths.lua}" "$2" -- "$3" >/dev/null || true
}
for s in $sizes; do
  warm nginx-proxy "http://127.0.0.1:${proxy[$s]}" "$work/paths-origin-$s" "$connections"
  warm nginx-cache "http://127.0.0.1:${cache[$s]}" "$work/paths-origin-warm-$s" "$connections"
  warm yarp "http://127.0.0.1:${bare[$s]}" "$work/paths-origin-$s" "$connections"
  warm gateway "http://127.0.0.1:${gateway[$s]}" "$work/paths-gateway-$s" "$connections"
  warm ab "http://127.0.0.1:${gateway[$s]}" "$work/paths-gateway-$s" "$connections"
  warm baseline "http://127.0.0.1:${baseline[$s]}" "$work/paths-baseline-$s" "$connections"
  warm cached "http://127.0.0.1:${cached[$s]}" "$work/paths-cached-warm-$s" "$connections"
done
# The bare forwarder gets the gateway's scheduling policy too (SCHED_BATCH, GatewayOptions.BatchScheduling):
# given once its threads run, since .NET starts threads with the default policy, not their starter's.
[ -z "${KVSGW_BENCH_FORWARDER_NORMAL:-}" ] && for pid in "${bare_pids[@]}"; do chrt -a -b -p 0 "$pid" >/dev/null; done
python3 "$here/sigv4.py" presign "http://127.0.0.1:${cached[100k]}" bench-100k > "$work/presigned"
warm session-urls "http://127.0.0.1:${cached[100k]}" "$work/presigned" "$connections" post.lua
warm manifest "http://127.0.0.1:${cached[100k]}" "$work/manifest-cached-100k" 16

for rep in $(seq 1 "$reps"); do
  for s in $sizes; do
    run origin "$s" "http://127.0.0.1:${origin[$s]}" "$work/paths-origin-$s" "$connections"
    run nginx-proxy "$s" "http://127.0.0.1:${proxy[$s]}" "$work/paths-origin-$s" "$connections"
    run nginx-cache "$s" "http://127.0.0.1:${cache[$s]}" "$work/paths-origin-warm-$s" "$connections"
    run yarp "$s" "http://127.0.0.1:${bare[$s]}" "$work/paths-origin-$s" "$connections"
    run gateway "$s" "http://127.0.0.1:${gateway[$s]}" "$work/paths-gateway-$s" "$connections"
    run cached "$s" "http://127.0.0.1:${cached[$s]}" "$work/paths-cached-warm-$s" "$connections"
    ab "$s"
  done
  # A presigned request lives five minutes: one per repetition.
  python3 "$here/sigv4.py" presign "http://127.0.0.1:${cached[100k]}" bench-100k > "$work/presigned"
  run session-urls - "http://127.0.0.1:${cached[100k]}" "$work/presigned" "$connections" post.lua
  run manifest - "http://127.0.0.1:${cached[100k]}" "$work/manifest-cached-100k" 16
done

# Memory under 500 connections: the forwarding gateway, and the cached one over all 1000 fragments
# (at 1 MB a working set four times its 256 MiB bound); then every gateway's peak RSS.
run gateway-500 1m "http://127.0.0.1:${gateway[1m]}" "$work/paths-gateway-1m" 500
run gateway-500 100k "http://127.0.0.1:${gateway[100k]}" "$work/paths-gateway-100k" 500
run cached-500 1m "http://127.0.0.1:${cached[1m]}" "$work/paths-cached-1m" 500
run cached-500 100k "http://127.0.0.1:${cached[100k]}" "$work/paths-cached-100k" 500
for kind in gateway cached; do
  for s in 100k 1m; do
    echo "{\"target\":\"rss-$kind\",\"size\":\"$s\",\"kb\":$(awk '/VmHWM/ {print $2}' "/proc/$(cat "$work/$kind-$s/pid")/status")}" >> "$work/results.jsonl"
  done
done

[ -f "$work/ab.jsonl" ] && python3 "$here/ab-report.py" "$work/ab.jsonl" "${size[100k]}" "${size[1m]}"
# Only the A/B asked for: no table.
[ "$(echo $targets)" = ab ] && exit 0
python3 "$here/report.py" "$work/results.jsonl" "$readme" "$reps" "$seconds" "$connections" "${size[100k]}" "${size[1m]}"
