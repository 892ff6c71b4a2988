#!/usr/bin/env bash
# Installs Debian's RabbitMQ 3.10 (package rabbitmq-server, with its Erlang) for the cluster's tests, benchmark and
# trial, if it is missing. Installed without starting it: the package would run the system's broker on port 5672 under
# a service manager. rabbitmq/rabbitmq.sh runs instances of its own on loopback ports, each in its own folder.
# Needs root (or sudo), and apt's package lists (run apt-get update first on a fresh machine).
set -euo pipefail

if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

# policy-rc.d answering 101 forbids the package's scripts to start any service while it installs.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
