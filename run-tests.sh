#!/usr/bin/env bash
# Runs every test (unit and integration) on a fresh machine with JDK 17 and Maven: first installs, if missing,
# the real ETRN clients the end-to-end tests drive (Debian packages msmtp, fetchmail, swaks) and Postfix, the relay
# of the ETRN client's end-to-end test (installed unconfigured and not started: the test runs its own instance on
# loopback ports; it needs root, so as another user that test is skipped, or fails with CI=true), and RabbitMQ, the
# cluster's mail queue (installed and not started: the tests run their own node through rabbitmq/rabbitmq.sh).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for tool in msmtp fetchmail swaks; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ] || [ ! -x /usr/sbin/postfix ] || [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    if [ ${#missing[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    integration-tests/install-postfix.sh
    rabbitmq/install-rabbitmq.sh
fi

exec mvn -B verify "$@"
