/**
 * The W3C Trace Context (`traceparent`, `tracestate`) and Baggage (`baggage`) formats, as one
 * TextMapPropagator built on the API alone. The integration uses the application's global
 * propagator when one is registered (the Node SDK registers these two formats by default) and this
 * one otherwise, so trace context always travels with the entries, in the format dtpyfw ignores and
 * every OpenTelemetry SDK reads.
 */
import {
  createTraceState,
  isSpanContextValid,
  propagation,
  trace,
  baggageEntryMetadataFromString,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
export const BAGGAGE = 'baggage';

/** version-traceid-parentid-flags, version 00 exactly; later versions may append fields. */
const TRACEPARENT_FORMAT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/** W3C Baggage limits: list members, bytes per member, bytes in all. */
const MAX_BAGGAGE_MEMBERS = 180;
const MAX_MEMBER_BYTES = 4096;
const MAX_BAGGAGE_BYTES = 8192;

/** W3C Trace Context and Baggage, injected into and extracted from string fields. */
export const w3cPropagator: TextMapPropagator = {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span !== undefined && isSpanContextValid(span)) {
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
      setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-${flags}`);
      const state = span.traceState?.serialize();
      if (state !== undefined && state !== '') setter.set(carrier, TRACESTATE, state);
    }
    const baggage = propagation.getBaggage(context);
    if (baggage !== undefined) {
      const text = serializeBaggage(baggage.getAllEntries());
      if (text !== '') setter.set(carrier, BAGGAGE, text);
    }
  },

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let out = context;
    const parent = first(getter.get(carrier, TRACEPARENT));
    const match = parent === undefined ? null : TRACEPARENT_FORMAT.exec(parent.trim());
    if (match !== null && match[1] !== 'ff' && !(match[1] === '00' && match[5] !== undefined)) {
      const spanContext = {
        traceId: match[2] as string,
        spanId: match[3] as string,
        traceFlags: parseInt(match[4] as string, 16),
        isRemote: true,
      };
      if (isSpanContextValid(spanContext)) {
        const state = getter.get(carrier, TRACESTATE);
        const joined = Array.isArray(state) ? state.join(',') : state;
        out = trace.setSpanContext(out, {
          ...spanContext,
          ...(joined === undefined || joined === '' ? {} : { traceState: createTraceState(joined) }),
        });
      }
    }
    const text = getter.get(carrier, BAGGAGE);
    const entries = parseBaggage(Array.isArray(text) ? text.join(',') : text);
    if (entries !== undefined) out = propagation.setBaggage(out, propagation.createBaggage(entries));
    return out;
  },

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  },
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `key=value;metadata,...`, percent-encoded, within the W3C limits (members past them are left out). */
function serializeBaggage(entries: ReadonlyArray<[string, BaggageEntry]>): string {
  const members: string[] = [];
  let bytes = 0;
  for (const [key, entry] of entries) {
    if (members.length >= MAX_BAGGAGE_MEMBERS) break;
    const metadata = entry.metadata?.toString();
    const member = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}${metadata === undefined || metadata === '' ? '' : `;${metadata}`}`;
    const size = Buffer.byteLength(member) + (members.length > 0 ? 1 : 0);
    if (size > MAX_MEMBER_BYTES || bytes + size > MAX_BAGGAGE_BYTES) continue;
    members.push(member);
    bytes += size;
  }
  return members.join(',');
}

/** The entries of a `baggage` header; members that do not parse are skipped. */
function parseBaggage(text: string | undefined): Record<string, BaggageEntry> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const out: Record<string, BaggageEntry> = {};
  let found = false;
  for (const member of text.split(',').slice(0, MAX_BAGGAGE_MEMBERS)) {
    const [pair, ...properties] = member.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (pair === undefined || at <= 0) continue;
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(pair.slice(0, at).trim());
      value = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      continue; // a malformed %-escape
    }
    if (key === '') continue;
    const metadata = properties.join(';').trim();
    out[key] = { value, ...(metadata === '' ? {} : { metadata: baggageEntryMetadataFromString(metadata) }) };
    found = true;
  }
  return found ? out : undefined;
}
