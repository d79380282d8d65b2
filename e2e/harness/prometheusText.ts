import { spawnSync } from 'node:child_process';

/** One sample of a scraped family: its series name (`…_count`, `…_bucket`, or the family's), labels and value. */
export interface Sample { name: string; labels: Record<string, string>; value: number }

/** Prometheus' own parser (its Python client, a Debian package scripts/test.mjs installs), writing JSON. */
const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.read())]
json.dump(out, sys.stdout)
`;

export interface Scrape {
  /** Each family's type, by its name (a counter's without `_total`, a histogram's base name). */
  types: Map<string, string>;
  samples: Sample[];
}

/** A `/metrics` body read with Prometheus' text-format parser. A body that doesn't parse throws. */
export function parseMetrics(text: string): Scrape {
  const r = spawnSync('/usr/bin/python3', ['-c', PARSE], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`Prometheus' parser refused the metrics: ${r.stderr || r.error?.message}`);
  const families = JSON.parse(r.stdout) as Array<{ name: string; type: string; samples: Sample[] }>;
  return { types: new Map(families.map((f) => [f.name, f.type])), samples: families.flatMap((f) => f.samples) };
}
