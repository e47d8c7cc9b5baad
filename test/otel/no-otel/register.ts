/**
 * Loaded with --import before an application: every `@opentelemetry/*` package then resolves as if
 * it were not installed (ERR_MODULE_NOT_FOUND), as for a user who never installed the optional
 * peer dependency. The hooks are a data: URL so they need no build step in the hooks thread.
 */
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by the test)");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;

register(`data:text/javascript,${encodeURIComponent(hooks)}`);
