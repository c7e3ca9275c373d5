/** The typed client's refusals, as contract scenarios expect them. */
import { expect } from 'vitest';
import { ProviderError } from '../../src/client/index.ts';

/** The call must fail with a ProviderError of `status` whose parsed body matches `body` (the provider's error shape).
 * */
export async function refusedWith(
  call: Promise<unknown>,
  status: number,
  body: Record<string, unknown>,
): Promise<ProviderError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected a ${status} ProviderError`).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect(providerError.status).toBe(status);
  expect(providerError.body).toMatchObject(body);
  return providerError;
}
