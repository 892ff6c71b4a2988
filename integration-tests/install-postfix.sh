#!/usr/bin/env bash
# Installs Debian's Postfix for the end-to-end tests and the benchmark (run-tests.sh, bench/run-bench.sh --postfix),
# if it is missing. Installed without configuration and without starting it: the package's default would run the
# system's Postfix on port 25. The tests and the benchmark start instances of their own (postfix -c DIR) on loopback
# ports (integration-tests/src/main/java/org/jamesetrn/kit/Postfix.java). Needs root (or sudo), and apt's package
# lists (run apt-get update first on a fresh machine).
set -euo pipefail

if [ -x /usr/sbin/postfix ]; then
    exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
# policy-rc.d answering 101 forbids the package's scripts to start any service while it installs.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix >/dev/null
