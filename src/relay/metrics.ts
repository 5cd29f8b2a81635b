/** Relay metrics in Prometheus text format: counters, gauges and one latency histogram. No labels carry identities. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 1000] as const;

/** The relay's counters and gauges, rendered in Prometheus text format for /metrics. */
export class RelayMetrics {
  connections = 0;
  authenticated = 0;
  deliveries = 0;
  prekeyFetches = 0;
  /** Bundles served without one-time prekeys because the target's budget was spent. */
  prekeyBudgetSpent = 0;
  messagesQueued = 0;
  expiredPurged = 0;
  readonly rejections = new Map<string, number>();
  private readonly latency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  reject(code: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
  }

  /** Records one delivery's time from server receipt to push, in ms. */
  observeDelivery(ms: number): void {
    this.deliveries++;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.latency[i]!++;
    this.latencySum += ms;
    this.latencyCount++;
  }

  render(queueDepth: number): string {
    const lines = [
      '# TYPE parley_relay_connections gauge',
      `parley_relay_connections ${this.connections}`,
      '# TYPE parley_relay_authenticated_connections gauge',
      `parley_relay_authenticated_connections ${this.authenticated}`,
      '# TYPE parley_relay_queue_depth gauge',
      `parley_relay_queue_depth ${queueDepth}`,
      '# TYPE parley_relay_messages_queued_total counter',
      `parley_relay_messages_queued_total ${this.messagesQueued}`,
      '# TYPE parley_relay_deliveries_total counter',
      `parley_relay_deliveries_total ${this.deliveries}`,
      '# TYPE parley_relay_prekey_fetches_total counter',
      `parley_relay_prekey_fetches_total ${this.prekeyFetches}`,
      '# TYPE parley_relay_prekey_budget_spent_total counter',
      `parley_relay_prekey_budget_spent_total ${this.prekeyBudgetSpent}`,
      '# TYPE parley_relay_expired_purged_total counter',
      `parley_relay_expired_purged_total ${this.expiredPurged}`,
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${process.memoryUsage().heapUsed}`,
      '# TYPE parley_relay_rejections_total counter',
      ...[...this.rejections].map(([code, n]) => `parley_relay_rejections_total{code="${code}"} ${n}`),
      '# TYPE parley_relay_delivery_latency_ms histogram',
    ];
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += this.latency[i]!;
      lines.push(`parley_relay_delivery_latency_ms_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`parley_relay_delivery_latency_ms_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(`parley_relay_delivery_latency_ms_sum ${this.latencySum}`, `parley_relay_delivery_latency_ms_count ${this.latencyCount}`);
    return lines.join('\n') + '\n';
  }
}
