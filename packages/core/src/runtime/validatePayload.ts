import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HopbusError } from '../errors/HopbusError.js';

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
  if (result.issues) {
    throw new HopbusError('schema', `A message for ${topicName} does not match the topic's schema: ${describeIssues(result.issues)}.`);
  }
  return result.value;
}

/** Validates against a Standard Schema; throws code `schema` listing the issues. Synchronous when the schema is. */
export function validatePayload<T>(topicName: string, schema: StandardSchemaV1<unknown, T> | undefined, value: unknown): T | Promise<T> {
  if (!schema) return value as T;
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then((r) => check(topicName, r)) : check(topicName, result);
}
