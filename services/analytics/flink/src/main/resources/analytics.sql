-- The analytics windows as a Flink SQL job: the same windows, watermark, lateness and result
-- rows as the embedded engine (services/analytics/src/domain), over the same topics, into
-- analytics-results. ${NAME}s are filled in by AnalyticsJob from the environment.
--
-- How it maps the embedded engine (decision 020):
-- * windows are assigned by arithmetic on the event time (tumbling 5 min, sliding 5 min every
--   minute, the UTC day) and aggregated with plain GROUP BYs, whose results update as events
--   come: that is what lets a late event change its window and publish the changed rows again;
-- * lateness is decided per window, as in the embedded engine: an event counts in a window
--   unless the watermark had already passed the window's end plus the allowed lateness;
-- * results are upserts keyed by window/metric/key: the latest message per key is the value.
--   The embedded engine publishes a window when the watermark passes its end; Flink publishes
--   every change at once, so their final rows agree and Flink's arrive earlier.

SET 'table.local-time-zone' = 'UTC';
SET 'parallelism.default' = '${ANALYTICS_PARALLELISM}';
-- Keyed state (window aggregates) is dropped after a day and two hours without updates: the
-- longest window plus its lateness, so state stays bounded.
SET 'table.exec.state.ttl' = '26 h';
SET 'pipeline.name' = 'redemption-analytics';

CREATE TABLE events (
  `type` STRING,
  `time` STRING,
  data ROW<
    total_amount BIGINT,
    currency STRING,
    country STRING,
    items ARRAY<ROW<product_id STRING, quantity BIGINT>>,
    points BIGINT,
    kind STRING,
    reference STRING,
    drop_quantity BIGINT,
    drop_sold BIGINT,
    amount BIGINT
  >,
  ts AS TO_TIMESTAMP(`time`, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
  WATERMARK FOR ts AS ts - INTERVAL '${ANALYTICS_OUT_OF_ORDERNESS_S}' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${ANALYTICS_TOPICS}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${ANALYTICS_GROUP}',
  'scan.startup.mode' = '${ANALYTICS_STARTUP_MODE}',
  'properties.auto.offset.reset' = 'earliest',
  'format' = 'json',
  'json.fail-on-missing-field' = 'false',
  'json.ignore-parse-errors' = 'true'
);

CREATE TABLE results (
  subject STRING,
  specversion STRING,
  id STRING,
  source STRING,
  `type` STRING,
  `time` STRING,
  datacontenttype STRING,
  data ROW<
    window_kind STRING,
    window_start STRING,
    window_end STRING,
    metric STRING,
    `key` STRING,
    `value` BIGINT,
    label STRING
  >,
  PRIMARY KEY (subject) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${ANALYTICS_RESULTS_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw',
  'value.format' = 'json',
  'value.fields-include' = 'ALL'
);

-- The events that count (every event moves the watermark, these also count in windows).
CREATE TEMPORARY VIEW counted AS
SELECT `type`, ts, data FROM events
WHERE `type` IN ('order_paid', 'points_earned', 'points_redeemed', 'hold_captured',
                 'payment_failed', 'payment_refunded');

-- Each event in each window that still accepts it: one tumbling, five sliding, one day.
CREATE TEMPORARY VIEW accepted AS
SELECT kind, ws, TIMESTAMPADD(MINUTE, size_min, ws) AS we, `type`, data, hr FROM (
  SELECT 'tumbling_5m' AS kind, 5 AS size_min,
         TIMESTAMPADD(MINUTE, -MOD(MINUTE(ts), 5), FLOOR(ts TO MINUTE)) AS ws,
         `type`, data, HOUR(ts) AS hr, CURRENT_WATERMARK(ts) AS wm
  FROM counted
  UNION ALL
  SELECT 'sliding_5m', 5, TIMESTAMPADD(MINUTE, -o.k, FLOOR(ts TO MINUTE)),
         `type`, data, HOUR(ts), CURRENT_WATERMARK(ts)
  FROM counted CROSS JOIN UNNEST(ARRAY[0, 1, 2, 3, 4]) AS o (k)
  UNION ALL
  SELECT 'day', 1440, FLOOR(ts TO DAY), `type`, data, HOUR(ts), CURRENT_WATERMARK(ts)
  FROM counted
)
WHERE wm IS NULL
   OR TIMESTAMPADD(SECOND, ${ANALYTICS_ALLOWED_LATENESS_S}, TIMESTAMPADD(MINUTE, size_min, ws)) > wm;

CREATE TEMPORARY VIEW scalars AS
SELECT kind, ws, we,
  COUNT(*) AS events,
  COUNT(*) FILTER (WHERE `type` = 'order_paid') AS orders,
  COALESCE(SUM(CASE WHEN `type` IN ('points_redeemed', 'hold_captured') THEN data.points END), 0) AS points_redeemed,
  COALESCE(SUM(CASE WHEN `type` = 'points_earned' THEN data.points END), 0) AS points_earned,
  COUNT(*) FILTER (WHERE `type` = 'payment_refunded') AS refunds,
  COUNT(*) FILTER (WHERE `type` = 'payment_failed') AS payments_failed
FROM accepted GROUP BY kind, ws, we;

CREATE TEMPORARY VIEW by_currency AS
SELECT kind, ws, we, data.currency AS currency, COUNT(*) AS orders, SUM(data.total_amount) AS revenue
FROM accepted WHERE `type` = 'order_paid' GROUP BY kind, ws, we, data.currency;

CREATE TEMPORARY VIEW refunded AS
SELECT kind, ws, we, data.currency AS currency, SUM(data.amount) AS amount
FROM accepted WHERE `type` = 'payment_refunded' GROUP BY kind, ws, we, data.currency;

CREATE TEMPORARY VIEW by_country AS
SELECT kind, ws, we, COALESCE(NULLIF(data.country, ''), 'ZZ') AS country, COUNT(*) AS orders
FROM accepted WHERE `type` = 'order_paid'
GROUP BY kind, ws, we, COALESCE(NULLIF(data.country, ''), 'ZZ');

CREATE TEMPORARY VIEW product_units AS
SELECT a.kind, a.ws, a.we, i.product_id, SUM(i.quantity) AS units
FROM accepted AS a CROSS JOIN UNNEST(a.data.items) AS i (product_id, quantity)
WHERE a.`type` = 'order_paid'
GROUP BY a.kind, a.ws, a.we, i.product_id;

-- Most units first, ties by product id (as the embedded engine ranks).
CREATE TEMPORARY VIEW top_products AS
SELECT kind, ws, we, product_id, units, rn FROM (
  SELECT kind, ws, we, product_id, units,
    ROW_NUMBER() OVER (PARTITION BY kind, ws, we ORDER BY units DESC, product_id ASC) AS rn
  FROM product_units WHERE units > 0
) WHERE rn <= 10;

CREATE TEMPORARY VIEW drops AS
SELECT kind, ws, we, data.reference AS drop_id, COUNT(*) AS claims,
  MAX(data.drop_sold) AS sold, MAX(data.drop_quantity) AS quantity
FROM accepted WHERE `type` = 'points_redeemed' AND data.kind = 'claim'
GROUP BY kind, ws, we, data.reference;

-- The day's peak hour: the hour with most orders, the earliest of equals.
CREATE TEMPORARY VIEW peak_hour AS
SELECT ws, we, hr, orders FROM (
  SELECT ws, we, hr, orders,
    ROW_NUMBER() OVER (PARTITION BY ws, we ORDER BY orders DESC, hr ASC) AS rn
  FROM (SELECT ws, we, hr, COUNT(*) AS orders FROM accepted
        WHERE kind = 'day' AND `type` = 'order_paid' GROUP BY ws, we, hr)
) WHERE rn = 1;

-- Order-rate z-score of each tumbling window against the tumbling windows of the trailing hour
-- (at least 3), with the same arithmetic as domain/anomaly.ts: integer sums, then doubles.
CREATE TEMPORARY VIEW tumbling_orders AS
SELECT kind, ws, we, orders FROM scalars WHERE kind = 'tumbling_5m';

CREATE TEMPORARY VIEW order_rate AS
SELECT ws, we,
  (CAST(orders AS DOUBLE) - mean) / GREATEST(SQRT(GREATEST(sxx / n - mean * mean, 0.0)), 1.0) AS z
FROM (
  SELECT a.ws, a.we, a.orders, CAST(COUNT(*) AS DOUBLE) AS n,
    CAST(SUM(b.orders) AS DOUBLE) / COUNT(*) AS mean,
    CAST(SUM(b.orders * b.orders) AS DOUBLE) AS sxx
  FROM tumbling_orders a JOIN tumbling_orders b
    ON a.kind = b.kind AND b.ws >= TIMESTAMPADD(MINUTE, -60, a.ws) AND b.ws < a.ws
  GROUP BY a.ws, a.we, a.orders
  HAVING COUNT(*) >= 3
);

CREATE TEMPORARY VIEW result_rows AS
SELECT kind, ws, we, 'events' AS metric, '' AS k, events AS v, CAST(NULL AS STRING) AS label FROM scalars
UNION ALL SELECT kind, ws, we, 'orders', '', orders, CAST(NULL AS STRING) FROM scalars
UNION ALL SELECT kind, ws, we, 'points_redeemed', '', points_redeemed, CAST(NULL AS STRING) FROM scalars
UNION ALL SELECT kind, ws, we, 'points_earned', '', points_earned, CAST(NULL AS STRING) FROM scalars
UNION ALL SELECT kind, ws, we, 'refunds', '', refunds, CAST(NULL AS STRING) FROM scalars
UNION ALL SELECT kind, ws, we, 'payments_failed', '', payments_failed, CAST(NULL AS STRING) FROM scalars
UNION ALL SELECT kind, ws, we, 'revenue', currency, revenue, CAST(NULL AS STRING) FROM by_currency
UNION ALL SELECT kind, ws, we, 'aov', currency, revenue / orders, CAST(NULL AS STRING) FROM by_currency
UNION ALL SELECT kind, ws, we, 'refunded', currency, amount, CAST(NULL AS STRING) FROM refunded
UNION ALL SELECT kind, ws, we, 'orders_by_country', country, orders, CAST(NULL AS STRING) FROM by_country
UNION ALL SELECT kind, ws, we, 'top_product', LPAD(CAST(rn AS STRING), 2, '0'), units, product_id FROM top_products
UNION ALL SELECT kind, ws, we, 'drop_claims', drop_id, claims, CAST(NULL AS STRING) FROM drops
UNION ALL SELECT kind, ws, we, 'drop_sell_through', drop_id, sold * 1000 / quantity, CAST(NULL AS STRING)
  FROM drops WHERE sold IS NOT NULL AND quantity > 0
UNION ALL SELECT 'day', ws, we, 'peak_hour', '', CAST(hr AS BIGINT), CAST(NULL AS STRING) FROM peak_hour
UNION ALL SELECT 'day', ws, we, 'peak_hour_orders', '', orders, CAST(NULL AS STRING) FROM peak_hour
UNION ALL SELECT 'tumbling_5m', ws, we, 'order_rate_z', '', CAST(z * 100 AS BIGINT), CAST(NULL AS STRING) FROM order_rate
UNION ALL SELECT 'tumbling_5m', ws, we, 'anomaly', '', CASE WHEN ABS(z) >= 3 THEN 1 ELSE 0 END, CAST(NULL AS STRING) FROM order_rate;

INSERT INTO results
SELECT
  CONCAT(kind, '/', DATE_FORMAT(ws, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''), '/', metric, '/', k),
  '1.0',
  UUID(),
  '/redemption/analytics-flink',
  'analytics_result',
  DATE_FORMAT(CURRENT_TIMESTAMP, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
  'application/json',
  ROW(kind, DATE_FORMAT(ws, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
      DATE_FORMAT(we, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''), metric, k, v, label)
FROM result_rows;
