package redemption.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs analytics.sql: substitutes its ${NAME} parameters, applies its SET statements, runs its
 * CREATE statements and submits its INSERT statements as one job.
 *
 * <p>Parameters come from the environment (ANALYTICS_*, KAFKA_BROKERS) with the defaults below,
 * so the same jar runs in a local MiniCluster (tests, bench: `java -cp ... AnalyticsJob`) and on
 * a cluster (the Flink Kubernetes operator's FlinkDeployment, deploy/k8s/flink/). Prints
 * "flink job running <id>" once the job is submitted, then waits for it to end.
 */
public final class AnalyticsJob {
  private static final Pattern PARAM = Pattern.compile("\\$\\{([A-Z0-9_]+)\\}");
  private static final Pattern SET = Pattern.compile("(?is)^SET\\s+'([^']+)'\\s*=\\s*'([^']*)'$");

  private AnalyticsJob() {}

  static Map<String, String> parameters(Map<String, String> env) {
    Map<String, String> p = new HashMap<>();
    p.put("KAFKA_BROKERS", "127.0.0.1:9092");
    p.put("ANALYTICS_ORDERS_TOPIC", "orders");
    p.put("ANALYTICS_PAYMENTS_TOPIC", "payments");
    p.put("ANALYTICS_LOYALTY_TOPIC", "loyalty");
    p.put("ANALYTICS_RESULTS_TOPIC", "analytics-results");
    p.put("ANALYTICS_GROUP", "analytics-flink");
    p.put("ANALYTICS_STARTUP_MODE", "group-offsets");
    p.put("ANALYTICS_OUT_OF_ORDERNESS_S", "5");
    p.put("ANALYTICS_ALLOWED_LATENESS_S", "120");
    p.put("ANALYTICS_PARALLELISM", "1");
    for (String k : p.keySet().toArray(new String[0])) if (env.containsKey(k)) p.put(k, env.get(k));
    // The source's topic list, each once (a test may give one topic for all three).
    p.put(
        "ANALYTICS_TOPICS",
        String.join(
            ";",
            new java.util.LinkedHashSet<>(
                List.of(
                    p.get("ANALYTICS_ORDERS_TOPIC"),
                    p.get("ANALYTICS_PAYMENTS_TOPIC"),
                    p.get("ANALYTICS_LOYALTY_TOPIC")))));
    return p;
  }

  static String substitute(String sql, Map<String, String> params) {
    Matcher m = PARAM.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = params.get(m.group(1));
      if (v == null) throw new IllegalArgumentException("analytics.sql: no value for ${" + m.group(1) + "}");
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Statements end with ';' at the end of a line; lines starting with '--' are comments. */
  static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (line.strip().startsWith("--")) continue;
      cur.append(line).append('\n');
      if (line.stripTrailing().endsWith(";")) {
        String s = cur.toString().strip();
        out.add(s.substring(0, s.length() - 1).strip());
        cur.setLength(0);
      }
    }
    if (!cur.toString().isBlank()) out.add(cur.toString().strip());
    return out;
  }

  static String readSql(String[] args) throws IOException {
    if (args.length > 0) return Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
    try (InputStream in = AnalyticsJob.class.getResourceAsStream("/analytics.sql")) {
      if (in == null) throw new IOException("analytics.sql is not on the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> params = parameters(System.getenv());
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    StatementSet inserts = env.createStatementSet();
    int insertCount = 0;
    for (String statement : statements(readSql(args))) {
      String s = substitute(statement, params);
      Matcher set = SET.matcher(s);
      if (set.matches()) env.getConfig().set(set.group(1), set.group(2));
      else if (s.regionMatches(true, 0, "INSERT", 0, 6)) {
        inserts.addInsertSql(s);
        insertCount++;
      } else env.executeSql(s);
    }
    if (insertCount == 0) throw new IllegalStateException("analytics.sql has no INSERT statement");
    TableResult result = inserts.execute();
    String id = result.getJobClient().map(c -> c.getJobID().toString()).orElse("?");
    System.out.println("flink job running " + id);
    System.out.flush();
    result.await();
  }
}
