/**
 * Turns a raw request body into a value by its content type. Bodies are read once as text (with the
 * size limit) and parsed here, so every provider gets the same errors for broken or unexpected input.
 */
import { MockError } from '../errors.ts';
import { essence, isFormMediaType, isJsonMediaType, mediaTypeMatches } from './media-type.ts';

export interface ParsedBody {
  /** The declared media type the body was read as, or undefined when there was no body. */
  mediaType?: string;
  value: unknown;
}

export interface ParseBodyOptions {
  /** The media types the operation declares, in spec order. Empty: the operation takes no body. */
  declared: string[];
  required: boolean;
  /** Parse as JSON whatever the Content-Type says (the spec's `x-json-with-any-content-type`). */
  jsonWithAnyContentType?: boolean;
}

export function parseBody(
  raw: string | undefined,
  contentType: string | undefined,
  options: ParseBodyOptions,
): ParsedBody {
  if (raw === undefined || raw.trim() === '') {
    if (options.required) {
      throw new MockError(400, 'invalid_request', 'The request body is required.', {
        details: [{ location: '/body', message: 'is required' }],
      });
    }
    return { value: undefined };
  }
  if (options.declared.length === 0) return { value: undefined };

  const actual = essence(contentType);
  const jsonDeclared = options.declared.find(isJsonMediaType);
  if (
    options.jsonWithAnyContentType &&
    jsonDeclared &&
    (!actual || !options.declared.some((d) => mediaTypeMatches(d, actual)))
  ) {
    return { mediaType: jsonDeclared, value: parseJson(raw) };
  }
  const mediaType = actual && options.declared.find((declared) => mediaTypeMatches(declared, actual));
  if (!actual || !mediaType) {
    throw new MockError(
      415,
      'unsupported_media_type',
      `${actual ? `Content-Type ${actual} is not accepted` : 'The request has no Content-Type'}; send ${options.declared.join(' or ')}.`,
    );
  }
  if (isJsonMediaType(actual)) return { mediaType, value: parseJson(raw) };
  if (isFormMediaType(actual)) return { mediaType, value: parseForm(raw) };
  return { mediaType, value: raw };
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new MockError(400, 'malformed_body', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A form body as an object; a name sent more than once becomes an array (and then fails a string schema). */
export function parseForm(raw: string): Record<string, string | string[]> {
  // No prototype: a field called `__proto__` is a field, not a way to reshape the object.
  const result: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(raw)) {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else result[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

/** Parses a page's body leniently (pages are not in the spec): forms and JSON, anything else as text. */
export function parsePageBody(raw: string | undefined, contentType: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined;
  const actual = essence(contentType);
  if (actual && isJsonMediaType(actual)) return parseJson(raw);
  if (!actual || isFormMediaType(actual)) return parseForm(raw);
  return raw;
}
