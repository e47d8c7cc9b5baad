/**
 * Trace context in an entry's stream fields: injected by the producer into the fields written with
 * each message, extracted by the consumer from the fields it read (`MessageContext.fields`).
 */
import {
  propagation,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { w3cPropagator } from './w3c.js';

/** Reads string fields. */
const getter: TextMapGetter<Readonly<Record<string, string>>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};

/** Writes string fields. */
const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Injects into and extracts from fields, with one propagator. */
export interface FieldPropagation {
  inject(context: Context, fields: Record<string, string>): void;
  extract(context: Context, fields: Readonly<Record<string, string>>): Context;
}

/**
 * The given propagator; without one, the global propagator when the application registered one
 * (looked for at each use until found, so one registered later counts), else W3C Trace Context and
 * Baggage.
 */
export function fieldPropagation(given: TextMapPropagator | undefined): FieldPropagation {
  let global: Pick<TextMapPropagator, 'inject' | 'extract'> | undefined;
  // Once a global propagator is seen it is used from then on (asking costs an array per call).
  const current = (): Pick<TextMapPropagator, 'inject' | 'extract'> =>
    given ?? global ?? (propagation.fields().length > 0 ? (global = propagation) : w3cPropagator);
  return {
    inject: (context, fields) => current().inject(context, fields, setter),
    extract: (context, fields) => current().extract(context, fields, getter),
  };
}
