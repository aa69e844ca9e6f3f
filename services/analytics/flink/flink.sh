#!/usr/bin/env bash
# The analytics Flink job in a local MiniCluster (tests, bench), without a Flink installation:
# the jars come from Maven Central through pom.xml (once, cached in ~/.m2 and .flink/libs), the
# runner is compiled with javac, and the job runs in this JVM.
#
#   bash services/analytics/flink/flink.sh prepare   # fetch jars (when pom.xml changed), compile
#   bash services/analytics/flink/flink.sh run       # prepare, then run the job (env: see below)
#   bash services/analytics/flink/flink.sh classpath # print the classpath `run` uses
#
# The job reads its settings from the environment: KAFKA_BROKERS, ANALYTICS_ORDERS_TOPIC,
# ANALYTICS_PAYMENTS_TOPIC, ANALYTICS_LOYALTY_TOPIC, ANALYTICS_RESULTS_TOPIC, ANALYTICS_GROUP,
# ANALYTICS_STARTUP_MODE, ANALYTICS_OUT_OF_ORDERNESS_S, ANALYTICS_ALLOWED_LATENESS_S,
# ANALYTICS_PARALLELISM (AnalyticsJob.java has the defaults). FLINK_HEAP (default 768m).
# Needs java >= 17 and, for the first prepare, mvn. Everything it makes is in .flink/ at the
# repository root: libs/ (jars), classes/, mvn.log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK="$ROOT/.flink"
LIBS="$WORK/libs"
CLASSES="$WORK/classes"
POM="$HERE/pom.xml"
SRC="$HERE/src/main/java/redemption/analytics/AnalyticsJob.java"

say() { printf 'flink: %s\n' "$*" >&2; }
die() {
  printf 'flink: error: %s\n' "$*" >&2
  exit 1
}

fetch_jars() {
  local sum
  sum=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ -f $LIBS/.pom.sha256 && $(<"$LIBS/.pom.sha256") == "$sum" ]] &&
    compgen -G "$LIBS/*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: it fetches the Flink jars from Maven Central"
  say "fetching Flink jars from Maven Central (once; ~145 MB, a minute or two the first time)"
  mkdir -p "$WORK"
  rm -rf "$WORK/libs.tmp"
  if ! mvn -B -ntp -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$WORK/libs.tmp" -DincludeScope=runtime >"$WORK/mvn.log" 2>&1; then
    grep -E '^\[(ERROR|WARNING)\]' "$WORK/mvn.log" | head -n 30 >&2 || tail -n 30 "$WORK/mvn.log" >&2
    die "mvn could not fetch the Flink jars (full log: .flink/mvn.log)"
  fi
  echo "$sum" >"$WORK/libs.tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$WORK/libs.tmp" "$LIBS"
  rm -rf "$CLASSES"
}

compile() {
  local sum
  sum=$(sha256sum "$SRC" | cut -d' ' -f1)
  [[ -f $CLASSES/.src.sha256 && $(<"$CLASSES/.src.sha256") == "$sum" ]] && return 0
  command -v javac >/dev/null || die "javac not found: a JDK 17 or newer is needed"
  rm -rf "$CLASSES"
  mkdir -p "$CLASSES"
  javac --release 17 -d "$CLASSES" -cp "$LIBS/*" "$SRC"
  echo "$sum" >"$CLASSES/.src.sha256"
}

classpath() { echo "$CLASSES:$HERE/src/main/resources:$LIBS/*"; }

case "${1:-}" in
prepare)
  fetch_jars
  compile
  ;;
classpath) classpath ;;
run)
  fetch_jars
  compile
  exec java -Xmx"${FLINK_HEAP:-768m}" -Dlog4j.configurationFile="$HERE/log4j2.properties" \
    -cp "$(classpath)" redemption.analytics.AnalyticsJob
  ;;
*)
  echo "usage: $0 prepare|run|classpath" >&2
  exit 2
  ;;
esac
