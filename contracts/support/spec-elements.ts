/**
 * The spec elements a contract run can exercise, each with its provenance: operations, parameters,
 * responses, response headers and (nested) body properties. Their keys are what `touchedBy` returns
 * for one exchange, so a run reports how much of what is documented, and of what is inferred, it saw.
 *
 * Provenance is read from `x-provenance`. An element the docs state is `documented` even where the spec
 * adds a constraint (listed in its `x-inferred`, which does not change the count). An element without a
 * mark takes its parent's; and nothing inside an `inferred` element (operation → parameter or response →
 * header or body property → nested property) counts as documented, whatever the schema it reuses says:
 * the fields of a documented `TokenPair` are not doc-stated in a response whose shape the spec chose,
 * nor is `meta.status` in an inferred error envelope. Schema nodes that are not elements themselves
 * (the body's root schema, `oneOf`/`anyOf`/`allOf` branches, `items`) only give unmarked properties a
 * default: an `inferred` `oneOf` (documented token pair or our 2FA answer) does not make the documented
 * branch's fields inferred. A key reached through several branches is documented if any branch
 * documents it.
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

/** The provenance of an element inside `parent`: its own (or `fallback`), but never documented inside an inferred
 * element. */
function within(parent: Provenance, node: unknown, fallback: Provenance = parent): Provenance {
  return parent === 'inferred' ? 'inferred' : provenanceOf(node, fallback);
}

/** Every element of one operation, with its provenance (see the module comment for how it is inherited). */
export function elementsOf(operation: SpecOperation, source: unknown): SpecElement[] {
  const root = provenanceOf(source, 'inferred');
  const elements: SpecElement[] = [{ key: operation.operationId, provenance: root }];
  for (const parameter of operation.parameters) {
    elements.push({
      key: `${operation.operationId} ${parameter.in}:${parameter.name}`,
      provenance: within(root, parameter),
    });
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    const prefix = `${operation.operationId} ${status}`;
    const responseProvenance = within(root, response);
    elements.push({ key: prefix, provenance: responseProvenance });
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      elements.push({ key: `${prefix} header:${name.toLowerCase()}`, provenance: within(responseProvenance, header) });
    }
    for (const media of Object.values(response.content ?? {})) {
      if (media.schema)
        collectProperties(
          media.schema as Schema,
          `${prefix} body`,
          responseProvenance,
          responseProvenance,
          elements,
          new Set(),
        );
    }
  }
  return dedupe(elements);
}

/**
 * The properties under `schema`. `element` is the provenance of the nearest enclosing element (the
 * response or a property), which caps everything below; `fallback` is what an unmarked property takes.
 */
function collectProperties(
  schema: Schema,
  prefix: string,
  element: Provenance,
  fallback: Provenance,
  into: SpecElement[],
  seen: Set<Schema>,
): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const schemaDefault = provenanceOf(schema, fallback);
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const childProvenance = within(element, child, schemaDefault);
    into.push({ key: `${prefix}/${name}`, provenance: childProvenance });
    collectProperties(child, `${prefix}/${name}`, childProvenance, childProvenance, into, seen);
  }
  if (schema.items && typeof schema.items === 'object')
    collectProperties(schema.items as Schema, `${prefix}/*`, element, schemaDefault, into, seen);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    for (const branch of (schema[keyword] ?? []) as Schema[])
      collectProperties(branch, prefix, element, schemaDefault, into, seen);
  }
  seen.delete(schema);
}

/** One element per key; documented if any of its occurrences (e.g. in several `oneOf` branches) is. */
function dedupe(elements: SpecElement[]): SpecElement[] {
  const byKey = new Map<string, SpecElement>();
  for (const element of elements) {
    const known = byKey.get(element.key);
    if (!known) byKey.set(element.key, { ...element });
    else if (element.provenance === 'documented') known.provenance = 'documented';
  }
  return [...byKey.values()];
}

/** The keys of the elements one exchange exercised: the operation, the parameters sent, the response's status,
 * headers and body properties. */
export function touchedBy(
  operation: SpecOperation,
  statusKey: string,
  sent: { query: string[]; headers: string[] },
  received: { headers: string[]; body: unknown },
): string[] {
  const keys = [operation.operationId, `${operation.operationId} ${statusKey}`];
  for (const parameter of operation.parameters) {
    const present =
      parameter.in === 'query'
        ? sent.query.includes(parameter.name)
        : parameter.in === 'header'
          ? sent.headers.includes(parameter.name.toLowerCase())
          : true;
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
