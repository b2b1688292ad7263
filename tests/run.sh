#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with the .NET SDK:
# installs what is missing, starts a throw-away redis-server on a free loopback port,
# runs every test project of the solution and prints "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/aws ] || missing+=(awscli)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || {
    echo "could not install ${missing[*]}"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi

port=""
for candidate in $(shuf -i 20000-45000 -n 50); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "no free port for redis-server"; echo "tests: 0 passed, 1 failed"; exit 1; }

redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes >/dev/null &
redis_pid=$!
results=$(mktemp -d)
cluster_dir=$(mktemp -d)
cleanup() {
  kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null
  bash tests/reliability/redis-cluster.sh stop "$cluster_dir" 2>/dev/null
  rm -rf "$results" "$cluster_dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
export KVSGW_TEST_REDIS="127.0.0.1:$port"
echo "redis-server pid $redis_pid on $KVSGW_TEST_REDIS"

# Every in-process gateway also logs at Debug here; tests/log-scan checks it holds no secret.
export KVSGW_TEST_LOG_CAPTURE="$results/functional-debug.log"
dotnet test KvsGateway.sln -c Release --logger "trx" --results-directory "$results" "$@"
status=$?

# Node suites, each pinned by its package-lock.json: "node_suite DIR TAP FILES..." installs DIR's
# packages, runs the files one at a time and adds their counts to node_passed / node_failed.
node_passed=0
node_failed=0
node_suite() {
  local dir=$1 tap=$2
  shift 2
  if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
    node --test --test-concurrency=1 "$@" 2>&1 | tee "$results/$tap"
    local p f
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/$tap" | tail -n 1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$results/$tap" | tail -n 1)
    node_passed=$((node_passed + ${p:-0}))
    node_failed=$((node_failed + ${f:-1}))
  else
    echo "npm ci failed in $dir"
    node_failed=$((node_failed + 1))
  fi
}

if [ $# -eq 0 ]; then
  export KVSGW_HOST_DLL="$PWD/src/KvsGateway/bin/Release/net10.0/KvsGateway.dll"
  # The AWS SDK for JavaScript v3 against emulator and gateway, and the scan of the captured Debug logs.
  node_suite tests/sdk-js sdk-js.tap tests/sdk-js/*.test.mjs tests/log-scan/*.test.mjs
  # Real players end to end: dash.js and shaka-player in Debian's headless Chromium, the AWS SDK v3,
  # ffmpeg; the demo page's screenshot lands in KVSGW_E2E_ARTIFACTS.
  export KVSGW_E2E_ARTIFACTS="${KVSGW_E2E_ARTIFACTS:-$PWD/tests/e2e/artifacts}"
  node_suite tests/e2e e2e.tap tests/e2e/*.test.mjs

  # The functional suite once more against a real Redis Cluster (three masters, three replicas on
  # loopback): every multi-key script must stay within one hash slot, pub/sub must reach every replica.
  if seeds=$(bash tests/reliability/redis-cluster.sh start "$cluster_dir"); then
    echo "Redis Cluster on $seeds"
    KVSGW_TEST_REDIS="$seeds" KVSGW_TEST_LOG_CAPTURE="$results/functional-cluster-debug.log" \
      dotnet test tests/KvsGateway.FunctionalTests -c Release --no-build --logger "trx;LogFileName=cluster.trx" --results-directory "$results" || status=1
  else
    echo "the Redis Cluster did not start"
    node_failed=$((node_failed + 1))
  fi
  bash tests/reliability/redis-cluster.sh stop "$cluster_dir" 2>/dev/null

  # The reliability scenarios that fit a few minutes, with fewer players (tests/reliability/README.md):
  # each on a fresh topology (Redis Cluster, emulator fed live, two replicas behind nginx), each one test.
  export KVSGW_RELIABILITY_NO_BUILD=1
  # The load generator is no test project: dotnet test does not build it.
  dotnet build tests/reliability/KvsGateway.Players -c Release -v q -nologo >/dev/null || echo "the load generator did not build"
  for scenario in "redis-failover 30 45" "redis-gone 30 75" "origin-hang 30 60" "origin-down 30 60" "rolling-restart 30 60" "abort-storm 100 45"; do
    set -- $scenario
    echo "reliability: $1, $2 players, $3 s"
    if KVSGW_RELIABILITY_OUT="$results/reliability-$1" bash tests/reliability/run.sh "$1" --players "$2" --seconds "$3" 2>&1 | tee "$results/reliability-$1.log"; then
      node_passed=$((node_passed + 1))
    else
      node_failed=$((node_failed + 1))
    fi
  done
  set --
fi

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  e=$(echo "$counters" | sed -n 's/.* error="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

passed=$((passed + node_passed))
failed=$((failed + node_failed))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
