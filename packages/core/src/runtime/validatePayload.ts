import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HopbusError } from '../errors/HopbusError.js';
import { isPromiseLike } from '../util/isPromiseLike.js';

function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function check<T>(topicName: string, result: StandardSchemaV1.Result<T>): T {
  if (typeof result !== 'object' || result === null) throw schemaFailed(topicName, new TypeError(`validate returned ${String(result)}, not a result`));
  if (result.issues) {
    throw new HopbusError('schema', `A message for ${topicName} does not match the topic's schema: ${describeIssues(result.issues)}.`);
  }
  return result.value;
}

function schemaFailed(topicName: string, cause: unknown): HopbusError {
  if (HopbusError.is(cause)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new HopbusError('schema', `The schema of ${topicName} failed while validating a message: ${message}. Fix the schema: it must answer with issues, not throw.`, { cause });
}

/**
 * Validates against a Standard Schema; throws (or rejects with) code `schema` listing the issues,
 * also when the schema itself throws. Synchronous when the schema is; for a schema that answers
 * asynchronously, a native Promise of this realm, so callers can tell with `instanceof Promise`.
 */
export function validatePayload<T>(topicName: string, schema: StandardSchemaV1<unknown, T> | undefined, value: unknown): T | Promise<T> {
  if (!schema) return value as T;
  let result: StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (error) {
    throw schemaFailed(topicName, error);
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (answer) => check(topicName, answer),
      (error: unknown) => {
        throw schemaFailed(topicName, error);
      },
    );
  }
  return check(topicName, result);
}
