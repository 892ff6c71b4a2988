#!/usr/bin/env bash
# Builds the extension and runs, in the foreground, Apache James 3.8.1 with ETRN: conf/ from this repository, our jars
# in extensions-jars/, exactly as an admin installs them. By default the persistent server: James's mail queue in
# James's embedded ActiveMQ broker, kept under the instance folder, so that a mail acknowledged over SMTP survives a
# crash. With --queue memory the stock memory server instead (its queue is lost on restart: for quick trials).
# With --cluster, the cluster server of docs/cluster.md instead: conf/cluster applied, the ETRN hold and the mails'
# contents in the Cassandra of --cassandra (start one with cassandra/cassandra.sh), the spool and the queues in the
# RabbitMQ of --rabbitmq (start one with rabbitmq/rabbitmq.sh), shared with every other server started so.
# Ctrl-C (or SIGTERM) stops it cleanly.
set -euo pipefail

usage() {
    cat <<USAGE
Usage: ./james.sh [--queue memory|activemq] [--smtp HOST:PORT] [--webadmin HOST:PORT] [--odmr HOST:PORT] [--no-build]
       ./james.sh --cluster [--cassandra HOST:PORT] [--rabbitmq HOST:PORT] [--rabbitmq-management HOST:PORT]
                  [--smtp HOST:PORT] [--webadmin HOST:PORT] [--odmr HOST:PORT] [--no-build]
  --queue      activemq (default): the persistent server, James's memory server with its queue in James's embedded
               ActiveMQ broker (KahaDB), kept across restarts and crashes in the instance folder (var/store/activemq);
               memory: James's stock MemoryJamesServerMain, queued mail is lost on restart (quick trials, tests)
  --smtp       SMTP listener (default 127.0.0.1:2525, or \$ETRN_SMTP)
  --webadmin   WebAdmin listener (default 127.0.0.1:8000, or \$ETRN_WEBADMIN)
  --odmr       ODMR listener, RFC 2645 (default 127.0.0.1:2366, or \$ETRN_ODMR; docs/odmr.md)
  --no-build   reuse the last build of the jars (james-server/target/james); conf/ is always the repository's
  --cluster    the cluster server (docs/cluster.md): conf/ with conf/cluster applied, the hold and the mails'
               contents in Cassandra, the spool and the queues in RabbitMQ (James's distributed mail queue)
  --cassandra  with --cluster, Cassandra's CQL address (default 127.0.0.1:9042)
  --rabbitmq   with --cluster, RabbitMQ's AMQP address (default 127.0.0.1:5672)
  --rabbitmq-management  with --cluster, RabbitMQ's management API (default: the AMQP host, AMQP port + 10000,
               as rabbitmq/rabbitmq.sh listens by default)
Each SMTP port gets its own instance folder (james-server/target/instance-PORT), so two servers can run side by side;
starting again with the same --smtp reuses the folder, and (persistent server) the mail queued in it.
USAGE
}

smtp=${ETRN_SMTP:-127.0.0.1:2525}
webadmin=${ETRN_WEBADMIN:-127.0.0.1:8000}
odmr=${ETRN_ODMR:-127.0.0.1:2366}
build=1
queue=activemq
queue_option=""
cluster=0
cassandra=127.0.0.1:9042
rabbitmq=127.0.0.1:5672
rabbitmq_management=""
while [ $# -gt 0 ]; do
    case "$1" in
        --queue) queue=$2; queue_option=$2; shift 2 ;;
        --smtp) smtp=$2; shift 2 ;;
        --webadmin) webadmin=$2; shift 2 ;;
        --odmr) odmr=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --cluster) cluster=1; shift ;;
        --cassandra) cassandra=$2; shift 2 ;;
        --rabbitmq) rabbitmq=$2; shift 2 ;;
        --rabbitmq-management) rabbitmq_management=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
case "$smtp" in *:*) ;; *) echo "--smtp wants HOST:PORT" >&2; exit 2 ;; esac
case "$webadmin" in *:*) ;; *) echo "--webadmin wants HOST:PORT" >&2; exit 2 ;; esac
case "$odmr" in *:*) ;; *) echo "--odmr wants HOST:PORT" >&2; exit 2 ;; esac
case "$cassandra" in *:*) ;; *) echo "--cassandra wants HOST:PORT" >&2; exit 2 ;; esac
case "$rabbitmq" in *:*) ;; *) echo "--rabbitmq wants HOST:PORT" >&2; exit 2 ;; esac
rabbitmq_management=${rabbitmq_management:-${rabbitmq%:*}:$((${rabbitmq##*:} + 10000))}
case "$rabbitmq_management" in *:*) ;; *) echo "--rabbitmq-management wants HOST:PORT" >&2; exit 2 ;; esac
case "$queue" in
    memory) main=org.apache.james.MemoryJamesServerMain ;;
    activemq) main=org.jamesetrn.server.ActiveMQJamesServerMain ;;
    *) echo "--queue wants memory or activemq" >&2; exit 2 ;;
esac
if [ "$cluster" = 1 ] && [ -n "$queue_option" ]; then
    echo "--cluster runs James's distributed queue (RabbitMQ): leave out --queue $queue_option" >&2
    exit 2
fi

top=$(cd "$(dirname "$0")" && pwd)
dist="$top/james-server/target/james"
if [ "$build" = 1 ] || [ ! -d "$dist/lib" ]; then
    (cd "$top" && mvn -B -q -DskipTests -pl james-server -am package)
fi

# An instance folder is James's working directory: conf/, extensions-jars/ and the var/ it writes. conf/ is the
# repository's as it stands now (with --no-build too: an edit to conf/ takes effect at the next start).
instance="$top/james-server/target/instance-${smtp##*:}"
rm -rf "$instance/conf" "$instance/extensions-jars"
mkdir -p "$instance"
cp -r "$top/conf" "$dist/extensions-jars" "$instance/"
sed -i "s|<bind>[^<]*</bind>|<bind>${smtp}</bind>|" "$instance/conf/smtpserver.xml"
sed -i -e "s|^host=.*|host=${webadmin%:*}|" -e "s|^port=.*|port=${webadmin##*:}|" "$instance/conf/webadmin.properties"
sed -i "s|^bind=.*|bind=${odmr}|" "$instance/conf/odmr.properties"

if [ "$cluster" = 1 ]; then
    # conf/cluster/README.md: its files into conf/, pointed at this Cassandra and this RabbitMQ.
    cp "$top"/conf/cluster/*.properties "$top"/conf/cluster/*.xml "$instance/conf/"
    sed -i "s|^cassandra.nodes=.*|cassandra.nodes=${cassandra}|" "$instance/conf/cassandra.properties"
    sed -i -e "s|^uri=.*|uri=amqp://${rabbitmq}|" -e "s|^management.uri=.*|management.uri=http://${rabbitmq_management}|" \
        "$instance/conf/rabbitmq.properties"
    main=org.jamesetrn.server.cassandra.ClusterJamesServerMain
    echo "Cluster server: the ETRN hold in the Cassandra at $cassandra, the queues in the RabbitMQ at $rabbitmq" >&2
    queue="RabbitMQ"
fi

echo "James with ETRN ($queue queue): SMTP on $smtp, WebAdmin on $webadmin, ODMR on $odmr, working directory $instance" >&2
exec java ${JAVA_OPTS:-} \
    -Dworking.directory="$instance" \
    -Dlogback.configurationFile="$instance/conf/logback.xml" \
    -cp "$dist/lib/*" \
    "$main"
