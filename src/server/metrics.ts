// Server metrics as plain data: counters, gauges and latency histograms keyed by series name
// (metric name plus labels), a snapshot that can cross process boundaries (cluster workers send
// theirs to the primary), merging, and the Prometheus text exposition format.

/** A histogram series: cumulative counts per upper bound in HISTOGRAM_BUCKETS, then +Inf. */
export interface HistogramData {
  /** counts[i] = observations <= HISTOGRAM_BUCKETS[i]; the last element counts all (+Inf). */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Everything a process measured. Keys are series ids as formatted by seriesId (`name{l="v"}`),
 * values plain numbers, so a snapshot survives JSON and merges by addition.
 */
export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  histograms: Record<string, HistogramData>;
}

/** A process's metrics registry. */
export interface Metrics {
  /**
   * Adds `by` (default 1) to counter series `name{labels}`. Label objects are read once and must
   * not be changed afterwards (their series id is remembered).
   */
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  /** Sets gauge series `name{labels}` to `value`. */
  set(name: string, value: number, labels?: Record<string, string>): void;
  /** Records one observation (seconds) in histogram series `name{labels}`. */
  observe(name: string, value: number, labels?: Record<string, string>): void;
  /** A deep copy of the current values. */
  snapshot(): MetricsSnapshot;
}

/** Upper bounds (seconds) of the latency histograms: 0.25 ms to 10 s. */
export const HISTOGRAM_BUCKETS: readonly number[] = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Prometheus label values escape backslash, double quote and newline.
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The series id `name{k1="v1",k2="v2"}` (labels in the given order), or `name` without labels. */
export function seriesId(name: string, labels?: Record<string, string>): string {
  if (labels === undefined) return name;
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

/** A new, empty registry. */
export function newMetrics(): Metrics {
  // Series ids by labels object: hot paths pass the same constant object every time.
  const ids = new WeakMap<Record<string, string>, Map<string, string>>();
  const idOf = (name: string, labels?: Record<string, string>): string => {
    if (labels === undefined) return name;
    let byName = ids.get(labels);
    if (byName === undefined) ids.set(labels, (byName = new Map()));
    let id = byName.get(name);
    if (id === undefined) byName.set(name, (id = seriesId(name, labels)));
    return id;
  };
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  // Per-bucket (not cumulative) counts while recording: one increment per observation.
  const histograms = new Map<string, HistogramData>();
  return {
    inc(name, labels, by = 1) {
      const id = idOf(name, labels);
      counters.set(id, (counters.get(id) ?? 0) + by);
    },
    set(name, value, labels) {
      gauges.set(idOf(name, labels), value);
    },
    observe(name, value, labels) {
      const id = idOf(name, labels);
      let h = histograms.get(id);
      if (h === undefined) {
        h = { counts: new Array(HISTOGRAM_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
        histograms.set(id, h);
      }
      let i = 0;
      while (i < HISTOGRAM_BUCKETS.length && value > HISTOGRAM_BUCKETS[i]) i++;
      h.counts[i]++;
      h.sum += value;
      h.count++;
    },
    snapshot() {
      const hs: Record<string, HistogramData> = {};
      for (const [k, h] of histograms) {
        let total = 0;
        hs[k] = { counts: h.counts.map((c) => (total += c)), sum: h.sum, count: h.count };
      }
      return { counters: Object.fromEntries(counters), gauges: Object.fromEntries(gauges), histograms: hs };
    },
  };
}

/** The sum of snapshots (counters, gauges and histograms add up series by series). */
export function mergeSnapshots(snaps: MetricsSnapshot[]): MetricsSnapshot {
  const out: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
  for (const s of snaps) {
    for (const [k, v] of Object.entries(s.counters)) out.counters[k] = (out.counters[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.gauges)) out.gauges[k] = (out.gauges[k] ?? 0) + v;
    for (const [k, h] of Object.entries(s.histograms)) {
      const o = out.histograms[k];
      if (o === undefined) out.histograms[k] = { counts: [...h.counts], sum: h.sum, count: h.count };
      else {
        h.counts.forEach((c, i) => (o.counts[i] = (o.counts[i] ?? 0) + c));
        o.sum += h.sum;
        o.count += h.count;
      }
    }
  }
  return out;
}

/** HELP text and type of a metric family, for the exposition. */
export interface MetricHelp {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
}

function familyOf(id: string): string {
  const b = id.indexOf('{');
  return b < 0 ? id : id.slice(0, b);
}

// Inserts an extra label into a series id: name{a="b"} + le -> name_bucket{a="b",le="0.5"}.
function bucketId(id: string, le: string): string {
  const b = id.indexOf('{');
  if (b < 0) return `${id}_bucket{le="${le}"}`;
  return `${id.slice(0, b)}_bucket${id.slice(b, -1)},le="${le}"}`;
}

function suffixed(id: string, suffix: string): string {
  const b = id.indexOf('{');
  return b < 0 ? id + suffix : id.slice(0, b) + suffix + id.slice(b);
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * The Prometheus text format (version 0.0.4) of `s`: families sorted by name, each with HELP and
 * TYPE lines from `help` (families without an entry are typed untyped), series sorted.
 */
export function renderPrometheus(s: MetricsSnapshot, help: Readonly<Record<string, MetricHelp>>): string {
  const families = new Map<string, string[]>();
  const add = (family: string, line: string) => {
    let l = families.get(family);
    if (l === undefined) families.set(family, (l = []));
    l.push(line);
  };
  for (const [id, v] of Object.entries(s.counters)) add(familyOf(id), `${id} ${num(v)}`);
  for (const [id, v] of Object.entries(s.gauges)) add(familyOf(id), `${id} ${num(v)}`);
  for (const [id, h] of Object.entries(s.histograms)) {
    const f = familyOf(id);
    const lines: string[] = [];
    HISTOGRAM_BUCKETS.forEach((le, i) => lines.push(`${bucketId(id, String(le))} ${h.counts[i]}`));
    lines.push(`${bucketId(id, '+Inf')} ${h.counts[HISTOGRAM_BUCKETS.length]}`);
    lines.push(`${suffixed(id, '_sum')} ${num(h.sum)}`);
    lines.push(`${suffixed(id, '_count')} ${h.count}`);
    add(f, lines.join('\n'));
  }
  let out = '';
  for (const f of [...families.keys()].sort()) {
    const h = help[f];
    out += `# HELP ${f} ${(h?.help ?? f).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
    out += `# TYPE ${f} ${h?.type ?? 'untyped'}\n`;
    out += families.get(f)!.sort().join('\n') + '\n';
  }
  return out;
}
