/**
 * Running a contract's schema on a body: synchronously when the schema answers synchronously (no
 * promise per message on the consume path), through a promise when its `validate` returns one (an
 * async refinement). Issues become {@link SchemaIssue}s with readable paths (`items[2].sku`).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { toError, type SchemaIssue } from '../errors.js';
import type { AnyChannelContract } from './channel.js';

/** How a body fared against its schema. */
export type Checked =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: SchemaIssue[] };

/** Validates `body` with `schema`: the outcome, or a promise of it for an async schema. */
export function checkBody(schema: StandardSchemaV1, body: unknown): Checked | Promise<Checked> {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(body);
  } catch (err) {
    return thrown(err);
  }
  if (result instanceof Promise) return result.then(outcome, thrown);
  return outcome(result);
}

/** The schema of an event of a contract, or undefined when the contract does not list it. */
export function schemaOf(contract: AnyChannelContract, name: string): StandardSchemaV1 | undefined {
  return Object.hasOwn(contract.events, name) ? contract.events[name] : undefined;
}

/** `orderId: expected string; items[2].sku: required`: issues as one line. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}

/** The names a contract lists, for messages: `"order.created", "order.paid"`. */
export function knownEvents(contract: AnyChannelContract): string {
  return Object.keys(contract.events)
    .map((n) => JSON.stringify(n))
    .join(', ');
}

function outcome(result: StandardSchemaV1.Result<unknown>): Checked {
  // A falsy `issues` means success (the spec); some libraries also set `value` on a failure.
  if (result.issues) return { ok: false, issues: result.issues.map(issueOf) };
  return { ok: true, value: result.value };
}

function thrown(err: unknown): Checked {
  return { ok: false, issues: [{ path: '', message: `the schema threw: ${toError(err).message}` }] };
}

function issueOf(issue: StandardSchemaV1.Issue): SchemaIssue {
  return { path: pathOf(issue.path), message: String(issue.message) };
}

function pathOf(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined) return '';
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
