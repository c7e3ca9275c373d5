/** Turns an openapi-fetch result into its data, or a ProviderError naming the operation. */
import { ProviderError } from './provider-error.ts';

export interface FetchResult<Data, ErrorBody> {
  data?: Data;
  error?: ErrorBody;
  response: Response;
}

export async function expectData<Data, ErrorBody>(
  provider: string,
  operationId: string,
  pending: Promise<FetchResult<Data, ErrorBody>>,
): Promise<Data> {
  const { data, error, response } = await pending;
  if (!response.ok || data === undefined) {
    throw new ProviderError(provider, operationId, response.status, error);
  }
  return data;
}

/** `application/x-www-form-urlencoded`, leaving out absent fields (URLSearchParams would send "undefined"). */
export function formBody(body: unknown): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null) form.append(name, String(value));
  }
  return form.toString();
}

/** Base URLs are taken with or without a trailing slash. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The query parameters of a callback URL, whatever form the caller has it in. */
export function searchParamsOf(url: string | URL): URLSearchParams {
  return (typeof url === 'string' ? new URL(url, 'http://callback.invalid') : url).searchParams;
}

/**
 * A callback's parameters, refusing any that appears twice: a redirect URI that already carries a
 * parameter the provider adds (`?code=planted`) must not be able to shadow the provider's value.
 */
export function singleParameters(search: URLSearchParams, onDuplicate: (name: string) => never): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const name of new Set(search.keys())) {
    if (search.getAll(name).length > 1) onDuplicate(name);
    parameters[name] = search.get(name)!;
  }
  return parameters;
}
