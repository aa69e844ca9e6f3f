#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft: broker + controller in one JVM) for development
# and CI, without Docker: the jars come from Maven Central through tools/kafka/pom.xml.
#
#   bash tools/kafka/kafka.sh start    # or: npm run kafka       (idempotent)
#   bash tools/kafka/kafka.sh stop     # or: npm run kafka:stop  (idempotent)
#   bash tools/kafka/kafka.sh status   # exit 0 if a broker answers on 127.0.0.1:9092
#
# Needs bash, java >= 17 and (for the first start, or after pom.xml changes) mvn.
# Everything it makes lives in .kafka/ at the repository root:
#   libs/  jars (refetched only when pom.xml changes)    data/  KRaft metadata + topic logs
#   server.properties  kafka.log (broker log; .prev = previous run)  kafka.out (JVM stdout/stderr)
#   kafka.pid  format.log (StorageTool, first start)  mvn.log (last jar fetch)
# Environment: KAFKA_START_TIMEOUT (s, default 60), KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m).
# A second broker beside the shared one (npm run chaos stops and starts its own): KAFKA_HOST
# (default 127.0.0.1), KAFKA_PORT (default 9092), KAFKA_CONTROLLER_PORT (default 9093),
# KAFKA_WORK_DIR (everything above but the jars; default .kafka), KAFKA_LIBS_DIR (the jars;
# default <work dir>/libs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${KAFKA_WORK_DIR:-$ROOT/.kafka}
LIBS=${KAFKA_LIBS_DIR:-$WORK/libs}
DATA="$WORK/data"
PROPS="$WORK/server.properties"
LOG="$WORK/kafka.log"
OUT="$WORK/kafka.out"
PIDFILE="$WORK/kafka.pid"
POM="$HERE/pom.xml"

HOST=${KAFKA_HOST:-127.0.0.1}
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=30
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}

say() { printf 'kafka: %s\n' "$*"; }
die() {
  printf 'kafka: error: %s\n' "$*" >&2
  exit 1
}

# The pid of the broker this script started, if that process is still alive (and still Kafka:
# a stale pid file whose number was reused by another process does not count).
our_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

# True if anything accepts a TCP connection on host:port.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# True if a Kafka broker answers on $HOST:$PORT: more than a TCP probe, it sends an
# ApiVersions v0 request (correlation id 1) and checks that the response carries that id back.
# The broker only handles requests once it has fully started.
kafka_answers() {
  local reply
  reply=$(timeout 3 bash -c "
    exec 3<>/dev/tcp/$HOST/$PORT || exit 1
    printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff' >&3
    head -c 8 <&3 | od -An -tx1 | tr -d ' \\n'" 2>/dev/null) || return 1
  # 4 bytes of response length, then the correlation id.
  [[ ${#reply} -eq 16 && $reply == *00000001 ]]
}

need_java() {
  command -v java >/dev/null || die "java not found: Kafka 4 needs Java 17 or newer"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  [[ ${major%%.*} =~ ^[0-9]+$ && ${major%%.*} -ge 17 ]] ||
    die "java ${major:-?} found: Kafka 4 needs Java 17 or newer"
}

# Fetch the jars listed by pom.xml into .kafka/libs once; again only when pom.xml changes.
fetch_jars() {
  local sum
  sum=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ -f $LIBS/.pom.sha256 && $(<"$LIBS/.pom.sha256") == "$sum" ]] &&
    compgen -G "$LIBS/*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: it fetches the Kafka jars from Maven Central"
  say "fetching Kafka jars from Maven Central (once; this takes a while the first time)"
  rm -rf "$WORK/libs.tmp"
  # Maven's own log goes to .kafka/mvn.log (Maven 3.8 writes colour codes even with -B -q).
  if ! mvn -B -ntp -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$WORK/libs.tmp" -DincludeScope=runtime >"$WORK/mvn.log" 2>&1; then
    grep -E '^\[(ERROR|WARNING)\]' "$WORK/mvn.log" | head -n 30 >&2 || tail -n 30 "$WORK/mvn.log" >&2
    die "mvn could not fetch the Kafka jars (full log: .kafka/mvn.log)"
  fi
  echo "$sum" >"$WORK/libs.tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$WORK/libs.tmp" "$LIBS"
  say "$(find "$LIBS" -name '*.jar' | wc -l) jars in .kafka/libs"
}

write_properties() {
  cat >"$PROPS.tmp" <<EOF
# Written by tools/kafka/kafka.sh on every start: edit the script, not this file.
# One KRaft node that is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA

# Topics: explicit creation only, 3 partitions by default, a single replica everywhere.
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# A small machine: few threads, modest segments, a day of retention.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.segment.bytes=16777216
log.retention.hours=24
log.retention.check.interval.ms=300000
EOF
  mv "$PROPS.tmp" "$PROPS"
}

# Format the storage once: only while data/meta.properties is missing.
format_storage() {
  [[ -f $DATA/meta.properties ]] && return 0
  local cluster_id
  rm -rf "$DATA"
  cluster_id=$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>"$WORK/format.log" | tail -n 1)
  [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid failed (see .kafka/format.log)"
  say "formatting .kafka/data (cluster id $cluster_id)"
  if ! java -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" \
    >>"$WORK/format.log" 2>&1; then
    tail -n 20 "$WORK/format.log" >&2
    die "StorageTool format failed"
  fi
}

show_logs() {
  if [[ -s $LOG ]]; then
    echo "---- last 50 lines of $LOG ----" >&2
    tail -n 50 "$LOG" >&2
  fi
  if [[ -s $OUT ]]; then
    echo "---- last 20 lines of $OUT ----" >&2
    tail -n 20 "$OUT" >&2
  fi
}

# Wait until the broker that the pid file names has logged that it started and answers requests.
wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_logs
      rm -f "$PIDFILE"
      die "the broker exited while starting"
    fi
    if grep -q 'Kafka Server started' "$LOG" 2>/dev/null && kafka_answers; then
      return 0
    fi
    sleep 0.5
  done
  show_logs
  say "not ready after ${START_TIMEOUT} s; stopping it" >&2
  stop_pid "$pid"
  exit 1
}

stop_pid() {
  local pid=$1 deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after ${STOP_TIMEOUT} s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE"
}

cmd_start() {
  local pid t0=$SECONDS
  if pid=$(our_pid); then
    if ! kafka_answers; then
      say "broker (pid $pid) is starting; waiting"
      wait_ready "$pid"
    fi
    say "already running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  if kafka_answers; then
    say "a Kafka broker already answers on $HOST:$PORT (not started by this script); using it"
    return 0
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "$HOST:$p is taken by something that is not a Kafka broker"
  done

  need_java
  fetch_jars
  write_properties
  format_storage

  # Keep the previous run's log beside the new one (and so wait_ready reads only this run's).
  rm -f "$LOG".[0-9]*
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev"
  [[ -f $OUT ]] && mv -f "$OUT" "$OUT.prev"
  rm -f "$PIDFILE"
  # setsid: a session of its own, so that neither the terminal nor whatever ran this script
  # (npm, CI) takes the broker down with it. The inner shell closes every inherited descriptor
  # above 2 (the lock on fd 9, pipes of whoever called us), writes its own pid, then becomes java.
  # shellcheck disable=SC2016,SC2086 # $$ is the inner shell's; HEAP_OPTS is a list of options
  nohup setsid bash -c '
    for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done
    echo $$ >"$0"
    exec "$@"' "$PIDFILE" \
    java $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dkafka.logs.dir="$WORK" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" </dev/null >"$OUT" 2>&1 &
  for _ in $(seq 1 50); do
    [[ -s $PIDFILE ]] && break
    sleep 0.1
  done
  pid=$(<"$PIDFILE")
  say "starting broker (pid $pid), waiting for it to answer on $HOST:$PORT"
  wait_ready "$pid"
  say "ready on $HOST:$PORT in $((SECONDS - t0)) s (log: .kafka/kafka.log)"
}

cmd_stop() {
  local pid
  if pid=$(our_pid); then
    say "stopping broker (pid $pid)"
    stop_pid "$pid"
    say "stopped"
  else
    rm -f "$PIDFILE"
    if kafka_answers; then
      say "not started by this script, so left alone: the Kafka broker on $HOST:$PORT"
    else
      say "not running"
    fi
  fi
}

cmd_status() {
  local pid
  if pid=$(our_pid); then
    if kafka_answers; then
      say "running (pid $pid) on $HOST:$PORT"
      return 0
    fi
    say "starting or stuck (pid $pid): not answering on $HOST:$PORT yet"
    return 1
  fi
  if kafka_answers; then
    say "a Kafka broker not started by this script answers on $HOST:$PORT"
    return 0
  fi
  say "not running"
  return 1
}

case ${1:-} in
  start | stop)
    mkdir -p "$WORK"
    # One start/stop at a time (two terminals, or CI and a developer).
    exec 9>"$WORK/lock"
    flock -w 600 9 || die "another kafka.sh start/stop holds $WORK/lock"
    "cmd_$1"
    ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
