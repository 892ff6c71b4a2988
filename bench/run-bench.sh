#!/usr/bin/env bash
# The ETRN benchmark (issue 6, docs/bench.md): builds the assembled James server and the harness, then measures ETRN
# reply latency, ETRN-triggered delivery, selectivity, James's WebAdmin flush and resident memory, on loopback ports
# only, and writes a markdown table to bench/results.md (bench/results-quick.md with --quick; a partial run,
# --hold-only, --activemq-only or --odmr-only, to bench/results-hold*.md, bench/results-activemq*.md or
# bench/results-odmr*.md, never over the full report). Never fails on a missed target: it reports pass/miss.
#
# Usage: bench/run-bench.sh [--quick] [--postfix] [--no-memory] [--no-hold] [--hold-only] [--no-activemq] [--activemq-only]
#                           [--no-odmr] [--odmr-only]
#                           [--no-build] [--out FILE] [--heap 2g] [--jvm OPT]
#        bench/run-bench.sh --cluster [--quick] [--nodes 100] [--per-node 1000] [--warm-up-releases 20] [--no-build] [--out FILE] [--jvm OPT]
#        bench/run-bench.sh --intake [--quick] [--mails 10000] [--nodes 100] [--sessions 20] [--no-activemq]
#                           [--no-cluster] [--no-postfix] [--memory] [--in-flow-delay 0] [--no-build] [--out FILE]
#                           [--hold-root URL] [--warm-up-rounds N] [--jvm OPT]
#        bench/run-bench.sh --hand-back-floor [--mails 1000] [--threads 32] [--rounds 8] [--no-build] [--out FILE]
#   --jvm        (repeatable) one more JVM option for the James servers: a profiler, a driver setting
#   --quick      0 / 10,000 queued, N = 100 / 1,000, fewer runs: a few minutes
#   --postfix    also measure Debian's Postfix (installed with apt-get if missing; needs root; loopback ports only)
#   --no-hold    leave out the hold and probe-first rows (§6, §7); --hold-only: only those
#   --no-activemq  leave out the persistent server and the site's side (§8, §9); --activemq-only: only those
#   --no-odmr    leave out On-Demand Mail Relay (§10: ATRN, the hold's ETRN and, with --postfix, Postfix's ETRN,
#                1,000 held mails, the customer 20 ms late); --odmr-only: only that
#   --no-build   reuse the last build
#   --cluster    the cluster benchmark instead (issue 14, docs/cluster.md): Cassandra 5.0 and two cluster servers,
#                100 nodes x 1,000 held mails (--quick: 10 nodes); writes bench/results-cluster.md
#   --intake     durable intake instead (issue 18): 10,000 mails for 100 held nodes over 20 SMTP sessions against the
#                persistent server, the cluster (Cassandra, RabbitMQ, two servers) and Postfix (if installed and root);
#                --quick: 2,000 mails for 20 nodes; writes bench/results-intake.md
#   --hand-back-floor  the statements a cluster release makes per mail before RemoteDelivery's queue has the copy
#                (the held entry read, the claim, the queue's copy of the contents), timed alone on a fresh Cassandra:
#                the floor of the cluster's hand-back on this machine (docs/bench.md); writes bench/results-hand-back-floor.md
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=1
postfix=0
cluster=0
intake=0
floor=0
args=()
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        --postfix) postfix=1; args+=("$arg") ;;
        --cluster) cluster=1 ;;
        --intake) intake=1 ;;
        --hand-back-floor) floor=1 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) args+=("$arg") ;;
    esac
done

if [ "$build" = 1 ] || [ ! -d "$top/james-server/target/james/lib" ] || [ ! -d "$top/cassandra/target/lib" ]; then
    # -Pbench adds integration-tests/src/bench/java; tests are compiled (etrn-mailet's test jar is a dependency), not run.
    # The cassandra module lays out Cassandra's classpath for the cluster benchmark.
    (cd "$top" && mvn -B -q -Pbench -DskipTests -pl cassandra,james-server,integration-tests -am package)
fi
# The harness (this module's jar) and the kit's probe routes it installs into the James it starts (the probe jar).
jar=$(ls "$top"/integration-tests/target/integration-tests-*.jar | grep -v -- '-probe\.jar$' | head -n1)
probe=$(ls "$top"/integration-tests/target/integration-tests-*-probe.jar | head -n1)

if [ "$postfix" = 1 ] && [ "$(id -u)" = 0 ]; then
    "$top/integration-tests/install-postfix.sh" || true
fi

if { [ "$intake" = 1 ] || [ "$cluster" = 1 ]; } && [ "$(id -u)" = 0 ]; then
    "$top/rabbitmq/install-rabbitmq.sh" || true
fi
if [ "$intake" = 1 ] && [ "$(id -u)" = 0 ]; then
    "$top/integration-tests/install-postfix.sh" || true
fi

cd "$top"
if [ "$floor" = 1 ]; then
    # James's Cassandra classes and the DataStax driver from the assembled server, our claims from its extension jar.
    exec java -Xmx1g -cp "$top/james-server/target/james/lib/*:$top/james-server/target/james/extensions-jars/*:$jar" \
        org.jamesetrn.bench.HandBackFloor --repo "$top" --probe-jar "$probe" --command "bench/run-bench.sh $*" "${args[@]}"
fi
if [ "$intake" = 1 ]; then
    exec java -Xmx1g -cp "$jar" org.jamesetrn.bench.IntakeBench --repo "$top" --probe-jar "$probe" \
        --command "bench/run-bench.sh $*" "${args[@]}"
fi
if [ "$cluster" = 1 ]; then
    exec java -Xmx1g -cp "$jar" org.jamesetrn.bench.ClusterBench --repo "$top" --probe-jar "$probe" \
        --command "bench/run-bench.sh $*" "${args[@]}"
fi
exec java -Xmx1g -cp "$jar" org.jamesetrn.bench.Bench --repo "$top" --probe-jar "$probe" \
    --command "bench/run-bench.sh $*" "${args[@]}"
