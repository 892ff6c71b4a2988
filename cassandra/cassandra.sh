#!/usr/bin/env bash
# Runs, in the foreground, a one-node Apache Cassandra 5.0 on loopback (cassandra-all from Maven Central, on JDK 17)
# for the James cluster of docs/cluster.md: the tests and the benchmark start it through this script too.
# Ctrl-C (or SIGTERM) stops it cleanly; its data stays in the folder for the next start.
set -euo pipefail

usage() {
    cat <<USAGE
Usage: cassandra/cassandra.sh [--dir DIR] [--cql-port PORT] [--storage-port PORT] [--heap SIZE] [--no-build] [--fresh]
  --dir           the node's folder: its cassandra.yaml, data and commit log (default cassandra/target/node)
  --cql-port      CQL (native protocol) port, what James connects to (default 9042)
  --storage-port  the inter-node port, loopback only (default 7000)
  --heap          the JVM heap (default 1g)
  --no-build      reuse the last build of Cassandra's classpath (cassandra/target/lib)
  --fresh         delete the node's data first
Ready when the CQL port listens (about 10 s).
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
dir="$here/target/node"
cql_port=9042
storage_port=7000
heap=1g
build=1
fresh=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --cql-port) cql_port=$2; shift 2 ;;
        --storage-port) storage_port=$2; shift 2 ;;
        --heap) heap=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --fresh) fresh=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

lib="$here/target/lib"
if [ "$build" = 1 ] || [ ! -d "$lib" ]; then
    mvn -B -q -f "$here/pom.xml" package
fi
jamm=$(ls "$lib"/jamm-*.jar | head -n1)

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$fresh" = 1 ]; then
    rm -rf "$dir/data" "$dir/commitlog" "$dir/saved_caches" "$dir/hints" "$dir/cdc_raw"
fi
sed -e "s|@DIR@|$dir|g" -e "s|@CQL_PORT@|$cql_port|g" -e "s|@STORAGE_PORT@|$storage_port|g" \
    "$here/conf/cassandra.yaml" > "$dir/cassandra.yaml"

mapfile -t options < <(grep '^-' "$here/conf/jvm17.options")
echo "Cassandra: CQL on 127.0.0.1:$cql_port, storage port $storage_port, folder $dir" >&2
exec java "-Xms256m" "-Xmx$heap" "${options[@]}" \
    "-javaagent:$jamm" \
    "-Dcassandra.config=file://$dir/cassandra.yaml" \
    "-Dcassandra.storagedir=$dir" \
    "-Dlogback.configurationFile=$here/conf/logback.xml" \
    "-Dcassandra-foreground=yes" \
    -cp "$lib/*" \
    org.apache.cassandra.service.CassandraDaemon
