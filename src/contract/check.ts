/**
 * Running a contract's schema on a body: synchronously when the schema answers synchronously (no
 * promise and no wrapper object per message on the consume path), through a promise when its
 * `validate` returns one (an async refinement). Issues become {@link SchemaIssue}s with readable
 * paths (`items[2].sku`).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { toError, type SchemaIssue } from '../errors.js';
import type { AnyChannelContract } from './channel.js';

/** A schema's result (a schema that throws is a failure with one issue). */
export type SchemaResult = StandardSchemaV1.Result<unknown>;

/** Validates `body` with `schema`: its result, or a promise of it for an async schema. */
export function runSchema(schema: StandardSchemaV1, body: unknown): SchemaResult | Promise<SchemaResult> {
  let result: SchemaResult | Promise<SchemaResult>;
  try {
    result = schema['~standard'].validate(body);
  } catch (err) {
    return thrown(err);
  }
  return result instanceof Promise ? result.catch(thrown) : result;
}

/** The issues of a failed result, with paths as text; empty for a success. */
export function issuesOf(result: SchemaResult): SchemaIssue[] {
  // A falsy `issues` means success (the spec); some libraries also set `value` on a failure.
  return result.issues ? result.issues.map(issueOf) : [];
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

function thrown(err: unknown): SchemaResult {
  return { issues: [{ message: `the schema threw: ${toError(err).message}` }] };
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
