/**
 * Helpers for the dashboard tests: raw HTTP requests (with any Host header), the CSRF token from
 * the page, and a small parser of the Prometheus text format that checks its structure.
 */
import { request } from 'node:http';

/** A reply. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Options of {@link http}. */
export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One request with node:http (fetch cannot set Host); no keep-alive. */
export function http(url: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A reply's JSON body, typed as the caller expects it. */
export function jsonOf<T>(reply: Reply): T {
  return JSON.parse(reply.body) as T;
}

/** The `error` of a JSON error reply. */
export function errorOf(reply: Reply): string {
  return jsonOf<{ error: string }>(reply).error;
}

/** The CSRF token embedded in the page's HTML. */
export function csrfOf(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)">/.exec(html);
  if (match?.[1] === undefined) throw new Error('no CSRF token in the page');
  return match[1];
}

/** A sample of a Prometheus exposition. */
export interface PromSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    if (re.lastIndex >= text.length) break;
  }
  if (re.lastIndex !== text.length) throw new Error(`malformed labels: ${text}`);
  return labels;
}

/**
 * Parses the text format 0.0.4, checking that every sample follows its family's HELP and TYPE
 * lines and that a family's samples are together.
 */
export function parsePrometheus(text: string): { samples: PromSample[]; types: Map<string, string> } {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const helped = new Set<string>();
  let current = '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'HELP') helped.add(meta[2]!);
      else types.set(meta[2]!, meta[3]!);
      current = meta[2]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample === null) throw new Error(`malformed line: ${JSON.stringify(line)}`);
    const name = sample[1]!;
    if (name !== current || !helped.has(name) || !types.has(name)) throw new Error(`sample out of its family: ${line}`);
    const raw = sample[3]!;
    const value = raw === 'NaN' ? NaN : raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value: ${line}`);
    samples.push({ name, labels: sample[2] === undefined ? {} : parseLabels(sample[2]), value });
  }
  return { samples, types };
}

/** The value of the one sample of `name` whose labels include `labels`; throws unless exactly one. */
export function sampleOf(samples: readonly PromSample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}
