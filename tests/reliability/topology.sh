#!/usr/bin/env bash
# The topology a real deployment has, on loopback: a Redis Cluster (three masters, three replicas),
# the emulator as origin fed live by the ingest verb, gateway replicas (Release build, each with its
# own metering folder) and an nginx load balancer (round robin, keepalive) in front of them.
#   bash tests/reliability/topology.sh start DIR [REPLICAS] [STREAMS]   # writes DIR/env (ports, pids)
#   bash tests/reliability/topology.sh restart-replica DIR R   # SIGTERM, wait for the drain, start again
#   bash tests/reliability/topology.sh origin DIR hang|resume|down|up   # SIGSTOP / SIGCONT the emulator; cut / restore the way to it
#   bash tests/reliability/topology.sh stop DIR
# Each process is started by a script of its own in DIR (gateway-R/start.sh, emulator.sh, relay.sh, ingest-I.sh),
# so a fault can stop it and bring the same process back on the same port.
# Needs the Release build (dotnet build -c Release), redis-server, redis-cli and nginx.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?a directory}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dll="$repo/src/KvsGateway/bin/Release/net10.0/KvsGateway.dll"
# Services take ports in [26000, 32000); the Redis nodes theirs below (redis-cluster.sh).
# A port picked but not yet bound is not picked twice.
free_port() {
  local port
  while port=$(python3 "$here/free-port.py" 26000 32000) && grep -qx "$port" "$dir/picked-ports" 2>/dev/null; do :; done
  echo "$port" >> "$dir/picked-ports"
  echo "$port"
}
wait_http() { for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 never answered" >&2; return 1; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
# Runs DIR/NAME.sh in the background, appending to NAME.log; its pid in NAME.pid.
launch() { bash "$1.sh" >> "$1.log" 2>&1 & echo $! > "$1.pid"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case $cmd in
  start)
    replicas=${3:-2}
    streams=${4:-4}
    mkdir -p "$dir"
    seeds=$(bash "$here/redis-cluster.sh" start "$dir/redis")

    emulator=$(free_port)
    echo "$emulator" > "$dir/emulator.port"
    echo "exec dotnet '$dll' emulator --urls http://127.0.0.1:$emulator --Emulator:DataPath '$dir/emulator'" > "$dir/emulator.sh"
    launch "$dir/emulator"
    wait_port "$emulator"
    # The gateways reach the origin through a relay: the network in between, to be cut (origin down).
    origin=$(free_port)
    echo "$origin" > "$dir/origin.port"
    echo "exec python3 '$here/relay.py' $origin $emulator" > "$dir/relay.sh"
    launch "$dir/relay"
    wait_port "$origin"
    names=()
    for i in $(seq 1 "$streams"); do
      names+=("rel-$i")
      echo "exec dotnet '$dll' ingest --endpoint http://127.0.0.1:$emulator --stream rel-$i --create --retention 2 --realtime --loop '$repo/tests/fixtures/h264-aac.mkv'" > "$dir/ingest-$i.sh"
      launch "$dir/ingest-$i"
    done

    key=$(head -c 64 /dev/urandom | base64 -w0)
    upstream=""
    for r in $(seq 1 "$replicas"); do
      port=$(free_port); management=$(free_port)
      mkdir -p "$dir/gateway-$r"
      # Origin:ActivityTimeout 5 s (30 s by default): an origin fault resolves within a short scenario.
      cat > "$dir/gateway-$r/start.sh" <<START
exec dotnet '$dll' --environment Production --urls "http://127.0.0.1:$port" --Gateway:ManagementUrls "http://127.0.0.1:$management" \
        --Redis:Configuration "$seeds" --Origin:Mode Remote --Origin:Endpoint "http://127.0.0.1:$origin" \
        --Origin:AccessKeyId AKIDRELIABILITYORIGIN --Origin:SecretAccessKey reliability-origin-secret --Origin:ActivityTimeout 00:00:05 \
        --Metering:Path "$dir/gateway-$r/metering" --Audit:Path "$dir/gateway-$r/audit.jsonl" \
        --Tokens:ActiveKeyId k1 --Tokens:Keys:k1 "$key" --Admin:Tokens:0 reliability-admin-token \
        --Tenants:rel:AccessKeys:0:AccessKeyId AKIDRELIABILITY --Tenants:rel:AccessKeys:0:SecretAccessKey reliability-secret \
        --Tenants:rel:Streams:0 'rel-*' --Tenants:rel:ControlPlaneRequestsPerSecond 100000 \
        --Tenants:rel:SessionUrlsPerStreamPerSecond 100000 --Tenants:rel:DataEndpointsPerStreamPerSecond 100000 \
        --Logging:LogLevel:Default Warning
START
      launch "$dir/gateway-$r/start"
      mv "$dir/gateway-$r/start.pid" "$dir/gateway-$r/pid"
      echo "$port" > "$dir/gateway-$r/port"
      echo "$management" > "$dir/gateway-$r/management"
      upstream+="    server 127.0.0.1:$port max_fails=0;"$'\n'
    done
    for r in $(seq 1 "$replicas"); do wait_http "http://127.0.0.1:$(cat "$dir/gateway-$r/port")/healthz"; done

    lb=$(free_port)
    cat > "$dir/nginx.conf" <<CONF
worker_processes 1; pid $dir/nginx.pid; error_log $dir/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  upstream gateways {
$upstream    keepalive 128;
  }
  server {
    listen 127.0.0.1:$lb;
    location / {
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # SigV4 signs the Host the client used: it reaches the gateway unchanged.
      proxy_set_header Host \$http_host;
      proxy_buffering off;
      proxy_read_timeout 30s;
      # A replica that cannot be reached is passed over; an answer a replica gave is not (no
      # http_502): it was delivered, so billed, and a balancer that dropped it to ask another replica
      # would leave the export above what players received (README, "Metering").
      proxy_next_upstream error timeout;
    }
  }
}
CONF
    /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/nginx-error.log"
    wait_http "http://127.0.0.1:$lb/healthz"
    cat > "$dir/env" <<ENV
LB=http://127.0.0.1:$lb
SEEDS=$seeds
EMULATOR=http://127.0.0.1:$emulator
ORIGIN=http://127.0.0.1:$origin
REPLICAS=$replicas
STREAMS=$(IFS=,; echo "${names[*]}")
KEY_ID=AKIDRELIABILITY
SECRET=reliability-secret
ADMIN_TOKEN=reliability-admin-token
ENV
    cat "$dir/env"
    ;;
  restart-replica)
    # A deploy's step: SIGTERM, the replica drains (Kestrel finishes what is in flight, metering
    # flushes), exits; the same replica starts again on its ports. Prints the drain in seconds.
    r=${3:?replica number}
    pid=$(cat "$dir/gateway-$r/pid")
    began=$(date +%s.%N)
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    drained=$(python3 -c "import sys; print(round($(date +%s.%N) - $began, 1))")
    launch "$dir/gateway-$r/start"
    mv "$dir/gateway-$r/start.pid" "$dir/gateway-$r/pid"
    wait_http "http://127.0.0.1:$(cat "$dir/gateway-$r/port")/healthz"
    echo "$drained"
    ;;
  origin)
    case ${3:?hang|resume|down|up} in
      # The origin stops answering: connections open, requests sent, nothing comes back.
      hang) kill -STOP "$(cat "$dir/emulator.pid")" ;;
      resume) kill -CONT "$(cat "$dir/emulator.pid")" ;;
      # The origin unreachable: its connections reset, new ones refused; it keeps its sessions, as KVS would.
      down) kill -KILL "$(cat "$dir/relay.pid")" ;;
      up)
        launch "$dir/relay"
        wait_port "$(cat "$dir/origin.port")"
        ;;
    esac
    ;;
  stop)
    [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    for pid in "$dir"/gateway-*/pid "$dir"/ingest-*.pid "$dir"/emulator.pid "$dir"/relay.pid; do
      [ -f "$pid" ] && kill -CONT "$(cat "$pid")" 2>/dev/null && kill "$(cat "$pid")" 2>/dev/null || true
    done
    sleep 1
    bash "$here/redis-cluster.sh" stop "$dir/redis"
    ;;
esac
