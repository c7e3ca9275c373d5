/**
 * The heart of a contract run: a `fetch` that finds the spec operation of every request it sends,
 * holds the answer to that operation's spec with the validators the mock itself uses
 * (ResponseValidator), and records what was exercised. A response that breaks the spec rejects the
 * call with a ContractViolation naming the operation, the status and the schema path.
 */
import { loadSpec, type LoadedSpec, type SpecOperation } from '../../src/spec/load-spec.ts';
import { createSchemaCompilers } from '../../src/validation/ajv.ts';
import { ResponseValidator, declaredResponse, parseJsonOrText } from '../../src/validation/response-validator.ts';
import { elementsOf, touchedBy, type SpecElement } from './spec-elements.ts';

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

interface CompiledOperation {
  operation: SpecOperation;
  validator: ResponseValidator;
  /** `/connect/token` → /^\/connect\/token$/ (path parameters match one segment). */
  pattern: RegExp;
}

export class SpecRecorder {
  readonly touched = new Set<string>();
  readonly violations: ContractViolation[] = [];
  readonly elements: SpecElement[];
  readonly #operations: CompiledOperation[];

  private constructor(
    readonly spec: LoadedSpec,
    /** Mount (as in the spec's mock server entry) → the base URL of the target serving it. */
    readonly baseUrls: Record<string, string>,
  ) {
    // Its own ajv instances: the recorder checks answers exactly as the mock does, but is not the mock.
    const compilers = createSchemaCompilers();
    this.#operations = spec.operations.map((operation) => ({
      operation,
      validator: new ResponseValidator(compilers, operation),
      pattern: new RegExp(`^${operation.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`),
    }));
    this.elements = spec.operations.flatMap((operation) =>
      elementsOf(operation, spec.document.paths?.[operation.path]?.[operation.method.toLowerCase() as 'get']),
    );
  }

  /** Compiles the validators once per suite. */
  static async load(specFile: string | URL, baseUrls: Record<string, string>): Promise<SpecRecorder> {
    return new SpecRecorder(await loadSpec(specFile, Object.keys(baseUrls)), baseUrls);
  }

  get operations(): SpecOperation[] {
    return this.spec.operations;
  }

  /** The spec operation a request goes to, if any (pages and the control API have none). */
  match(method: string, url: URL): CompiledOperation | undefined {
    for (const compiled of this.#operations) {
      if (compiled.operation.method !== method.toUpperCase()) continue;
      const base = this.baseUrls[compiled.operation.mount];
      if (!base) continue;
      const baseUrl = new URL(base);
      const basePath = baseUrl.pathname.replace(/\/+$/, '');
      if (url.origin !== baseUrl.origin || !url.pathname.startsWith(`${basePath}/`)) continue;
      if (compiled.pattern.test(url.pathname.slice(basePath.length))) return compiled;
    }
    return undefined;
  }

  /**
   * A fetch that checks and records. `headers` are added to every request to the target (a mock
   * session, say); pass `redirect: 'manual'` to see a redirect itself rather than where it leads.
   */
  fetch(extraHeaders: Record<string, string> = {}): typeof globalThis.fetch {
    return async (input, init) => {
      const request = new Request(input, init);
      for (const [name, value] of Object.entries(extraHeaders)) request.headers.set(name, value);
      const url = new URL(request.url);
      const compiled = this.match(request.method, url);
      const response = await globalThis.fetch(request);
      if (compiled) await this.#check(compiled, request, url, response);
      return response;
    };
  }

  async #check(compiled: CompiledOperation, request: Request, url: URL, response: Response): Promise<void> {
    const { operation, validator } = compiled;
    const contentType = response.headers.get('content-type') ?? undefined;
    const text = await response.clone().text();
    const body = text === '' ? undefined : contentType && /json/i.test(contentType) ? parseJsonOrText(text) : text;
    const headers = headerRecord(response.headers);
    const issues = validator.check({ status: response.status, ...(contentType ? { contentType } : {}), headers, body });
    if (issues.length) {
      const where = issues.map((issue) => `${issue.location} ${issue.message}`).join('; ');
      const violation = new ContractViolation(
        `${operation.operationId} ${response.status} (${request.method} ${url.pathname}) breaks the spec: ${where}`,
      );
      this.violations.push(violation);
      throw violation;
    }
    const declared = declaredResponse(operation.responses, response.status);
    // The exact status when the spec declares it; else the range or default that covers it. (Not by the
    // response object alone: statuses that $ref one shared response are the same object once dereferenced.)
    const statusKey =
      String(response.status) in operation.responses
        ? String(response.status)
        : (Object.entries(operation.responses).find(([, value]) => value === declared)?.[0] ?? String(response.status));
    const declaredHeaders = Object.keys(declared?.headers ?? {}).map((name) => name.toLowerCase());
    for (const key of touchedBy(
      operation,
      statusKey,
      { query: [...url.searchParams.keys()], headers: Object.keys(headerRecord(request.headers)) },
      {
        headers: declaredHeaders.filter((name) => response.headers.has(name)),
        body: typeof body === 'string' ? undefined : body,
      },
    )) {
      this.touched.add(key);
    }
  }
}

/** Header names in lower case → values (forEach, since the DOM lib here has no Headers iterator). */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}
