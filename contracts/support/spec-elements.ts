/**
 * The spec elements a contract run can exercise, each with its provenance: operations, parameters,
 * responses, response headers and (nested) body properties. Their keys are what `touchedBy` returns
 * for one exchange, so a run reports how much of what is documented, and of what is inferred, it saw.
 */
import type { SpecOperation } from '../../src/spec/load-spec.ts';

export type Provenance = 'documented' | 'inferred';

export interface SpecElement {
  key: string;
  provenance: Provenance;
}

type Schema = Record<string, unknown>;

function provenanceOf(node: unknown, inherited: Provenance): Provenance {
  const value = node && typeof node === 'object' ? (node as Record<string, unknown>)['x-provenance'] : undefined;
  return value === 'documented' || value === 'inferred' ? value : inherited;
}

/** Every element of one operation, with its provenance (an element without one inherits its parent's). */
export function elementsOf(operation: SpecOperation, source: unknown): SpecElement[] {
  const root = provenanceOf(source, 'inferred');
  const elements: SpecElement[] = [{ key: operation.operationId, provenance: root }];
  for (const parameter of operation.parameters) {
    elements.push({ key: `${operation.operationId} ${parameter.in}:${parameter.name}`, provenance: provenanceOf(parameter, root) });
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    const prefix = `${operation.operationId} ${status}`;
    const responseProvenance = provenanceOf(response, root);
    elements.push({ key: prefix, provenance: responseProvenance });
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      elements.push({ key: `${prefix} header:${name.toLowerCase()}`, provenance: provenanceOf(header, responseProvenance) });
    }
    for (const media of Object.values(response.content ?? {})) {
      if (media.schema) collectProperties(media.schema as Schema, `${prefix} body`, responseProvenance, elements, new Set());
    }
  }
  return dedupe(elements);
}

function collectProperties(schema: Schema, prefix: string, inherited: Provenance, into: SpecElement[], seen: Set<Schema>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const provenance = provenanceOf(schema, inherited);
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const childProvenance = provenanceOf(child, provenance);
    into.push({ key: `${prefix}/${name}`, provenance: childProvenance });
    collectProperties(child, `${prefix}/${name}`, childProvenance, into, seen);
  }
  if (schema.items && typeof schema.items === 'object') collectProperties(schema.items as Schema, `${prefix}/*`, provenance, into, seen);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    for (const branch of (schema[keyword] ?? []) as Schema[]) collectProperties(branch, prefix, provenance, into, seen);
  }
  seen.delete(schema);
}

function dedupe(elements: SpecElement[]): SpecElement[] {
  const byKey = new Map<string, SpecElement>();
  for (const element of elements) if (!byKey.has(element.key)) byKey.set(element.key, element);
  return [...byKey.values()];
}

/** The keys of the elements one exchange exercised: the operation, the parameters sent, the response's status, headers and body properties. */
export function touchedBy(
  operation: SpecOperation,
  statusKey: string,
  sent: { query: string[]; headers: string[] },
  received: { headers: string[]; body: unknown },
): string[] {
  const keys = [operation.operationId, `${operation.operationId} ${statusKey}`];
  for (const parameter of operation.parameters) {
    const present = parameter.in === 'query' ? sent.query.includes(parameter.name) : parameter.in === 'header' ? sent.headers.includes(parameter.name.toLowerCase()) : true;
    if (present) keys.push(`${operation.operationId} ${parameter.in}:${parameter.name}`);
  }
  for (const name of received.headers) keys.push(`${operation.operationId} ${statusKey} header:${name}`);
  collectInstance(received.body, `${operation.operationId} ${statusKey} body`, keys);
  return keys;
}

function collectInstance(value: unknown, prefix: string, into: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectInstance(item, `${prefix}/*`, into);
  } else if (value && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      into.push(`${prefix}/${name}`);
      collectInstance(child, `${prefix}/${name}`, into);
    }
  }
}
