#!/usr/bin/env bash
# A real Redis Cluster on loopback from Debian's redis-server: three masters, three replicas.
#   bash tests/reliability/redis-cluster.sh start DIR   # prints the seed list (host:port,host:port,...) on stdout
#   bash tests/reliability/redis-cluster.sh stop DIR
#   bash tests/reliability/redis-cluster.sh kill-master DIR   # SIGKILLs the master of slot 0 (a replica is promoted)
#   bash tests/reliability/redis-cluster.sh restart DIR       # starts stopped nodes again, with their data (append-only files)
# DIR holds each node's config, data and pid; ports are free loopback ports found at start.
set -euo pipefail
cmd=${1:?start|stop|kill-master}
dir=${2:?a directory for the nodes}

# A node keeps an append-only file, as a deployment's would: a restart after an outage has its data.
start_node() {
  redis-server --port "$1" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/$1/nodes.conf" \
    --cluster-node-timeout 2000 --dir "$dir/$1" --save "" --appendonly yes --appendfsync everysec --daemonize yes \
    --pidfile "$dir/$1/redis.pid" --logfile "$dir/$1/redis.log" >/dev/null
}

# Nodes in [10000, 16000), their cluster bus (port + 10000) in [20000, 26000): both below the
# kernel's ephemeral ports, so no outgoing connection takes one before its node binds it.
free_port() {
  local port
  while port=$(python3 "$(dirname "$0")/free-port.py" 10000 16000 10000) && [[ " ${ports[*]} " == *" $port "* ]]; do :; done
  echo "$port"
}

case $cmd in
  start)
    mkdir -p "$dir"
    ports=()
    for i in 1 2 3 4 5 6; do
      # The cluster bus listens on port+10000: both are free.
      port=$(free_port)
      ports+=("$port")
      mkdir -p "$dir/$port"
      start_node "$port"
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1
    for _ in $(seq 1 200); do
      [ "$(redis-cli -p "${ports[0]}" cluster info | tr -d '\r' | awk -F: '$1=="cluster_state"{print $2}')" = ok ] && break
      sleep 0.05
    done
    printf '%s\n' "${ports[@]}" > "$dir/ports"
    (IFS=,; echo "${ports[*]/#/127.0.0.1:}")
    ;;
  stop)
    for pidfile in "$dir"/*/redis.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true; done
    for port in $(cat "$dir/ports" 2>/dev/null); do
      for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 || break; sleep 0.05; done
    done
    ;;
  restart)
    for port in $(cat "$dir/ports"); do redis-cli -p "$port" ping >/dev/null 2>&1 || start_node "$port"; done
    seed=$(head -1 "$dir/ports")
    for _ in $(seq 1 400); do
      [ "$(redis-cli -p "$seed" cluster info 2>/dev/null | tr -d '\r' | awk -F: '$1=="cluster_state"{print $2}')" = ok ] && break
      sleep 0.05
    done
    ;;
  kill-master)
    seed=$(head -1 "$dir/ports")
    master=$(redis-cli -p "$seed" cluster nodes | tr -d '\r' | awk '$3 ~ /master/ && $9 ~ /^0-/ {split($2,a,"[:@]"); print a[2]}')
    kill -9 "$(cat "$dir/$master/redis.pid")"
    echo "$master"
    ;;
esac
