#!/usr/bin/env bash
# Runs, in the foreground, a one-node RabbitMQ 3.10 (Debian's rabbitmq-server) on loopback for the James cluster of
# docs/cluster.md: the spool and RemoteDelivery's queues of every cluster server (James's distributed mail queue). The
# tests and the benchmark start it through this script too. Everything is its own: ports, folder (data, logs, config,
# Erlang cookie) and Erlang port mapper (epmd), so that several instances run side by side and none touches the
# system's broker; no service manager. Ctrl-C (or SIGTERM) stops it cleanly (the broker, then its epmd); its data
# stays in the folder for the next start.
set -euo pipefail

usage() {
    cat <<USAGE
Usage: rabbitmq/rabbitmq.sh [--dir DIR] [--port PORT] [--management-port PORT] [--dist-port PORT] [--epmd-port PORT] [--fresh]
  --dir              the node's folder: its configuration, data (mnesia/) and logs (default rabbitmq/target/node)
  --port             AMQP port, what James's queue connects to (default 5672)
  --management-port  HTTP management API, which James's queue reads to list its queues (default: AMQP port + 10000)
  --dist-port        Erlang distribution port of the node, loopback only (default: AMQP port + 20000)
  --epmd-port        the Erlang port mapper of this node, started and stopped with it (default: AMQP port + 30000)
  --fresh            delete the node's data first
The node is named etrn-PORT@localhost. Ready when the AMQP and management ports listen (about 5 s).
Installs nothing: rabbitmq/install-rabbitmq.sh installs Debian's package (root).
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
dir="$here/target/node"
port=5672
management_port=""
dist_port=""
epmd_port=""
fresh=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --management-port) management_port=$2; shift 2 ;;
        --dist-port) dist_port=$2; shift 2 ;;
        --epmd-port) epmd_port=$2; shift 2 ;;
        --fresh) fresh=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
dist_port=${dist_port:-$((port + 20000))}
epmd_port=${epmd_port:-$((port + 30000))}
management_port=${management_port:-$((port + 10000))}

server=/usr/lib/rabbitmq/bin/rabbitmq-server
epmd=/usr/lib/erlang/bin/epmd
if [ ! -x "$server" ] || [ ! -x "$epmd" ]; then
    echo "RabbitMQ is not installed: run rabbitmq/install-rabbitmq.sh (Debian's rabbitmq-server, needs root)" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$fresh" = 1 ]; then
    rm -rf "$dir/mnesia" "$dir/log"
fi
mkdir -p "$dir/mnesia" "$dir/log"
# Loopback only, for AMQP and the management API. The default user guest/guest may connect from loopback only.
cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$port
management.tcp.ip = 127.0.0.1
management.tcp.port = $management_port
distribution.listener.interface = 127.0.0.1
distribution.listener.port_range.min = $dist_port
distribution.listener.port_range.max = $dist_port
CONF
echo '[rabbitmq_management].' > "$dir/enabled_plugins"
: > "$dir/rabbitmq-env.conf"

# Nothing of the system's /etc/rabbitmq or /var/lib/rabbitmq: every path in the node's folder, the Erlang cookie too
# (HOME). The broker runs as the calling user (Debian's wrapper in /usr/sbin would switch to the rabbitmq user).
export HOME="$dir"
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_LOGS=-
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export RABBITMQ_NODENAME="etrn-$port@localhost"
export RABBITMQ_USE_LONGNAME=false
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT="$dist_port"
export ERL_EPMD_PORT="$epmd_port"
export ERL_EPMD_ADDRESS=127.0.0.1

# This node's own epmd, in the foreground of a child process: the broker (and rabbitmqctl) find it through
# ERL_EPMD_PORT, and it ends with the broker instead of lingering as the system-wide daemon Erlang would start.
"$epmd" -port "$epmd_port" -address 127.0.0.1 &
epmd_pid=$!
broker_pid=""
stop() {
    if [ -n "$broker_pid" ]; then
        kill -TERM "$broker_pid" 2>/dev/null || true   # Debian's script stops the broker gracefully on SIGTERM
        wait "$broker_pid" 2>/dev/null || true
    fi
    kill -TERM "$epmd_pid" 2>/dev/null || true
    wait "$epmd_pid" 2>/dev/null || true
}
trap 'stop; exit 0' TERM
trap 'stop; exit 130' INT

echo "RabbitMQ: AMQP on 127.0.0.1:$port, management on 127.0.0.1:$management_port, node $RABBITMQ_NODENAME" \
    "(distribution port $dist_port, epmd port $epmd_port), folder $dir" >&2
"$server" &
broker_pid=$!
status=0
wait "$broker_pid" || status=$?
broker_pid=""
stop
exit "$status"
