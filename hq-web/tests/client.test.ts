// The one door to HQ: an error body becomes an HqError with its code, message and, for a value
// refused by a rule, the `invalid` part {field, code, params} the page translates.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HqError, post } from '../src/api/client';

function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }));
}

async function refusal(): Promise<HqError> {
  try {
    await post('/api/v1/dispatches', {});
  } catch (e) {
    expect(e).toBeInstanceOf(HqError);
    return e as HqError;
  }
  throw new Error('expected a refusal');
}

afterEach(() => vi.unstubAllGlobals());

describe('HQ error bodies', () => {
  it('keep the invalid part', async () => {
    answer(400, {
      code: 'bad_name',
      message: 'address: is longer than 200 characters',
      invalid: { field: 'address', code: 'too_long', params: { max: '200' } },
    });
    const e = await refusal();
    expect([e.status, e.code, e.message]).toEqual([400, 'bad_name', 'address: is longer than 200 characters']);
    expect(e.invalid).toEqual({ field: 'address', code: 'too_long', params: { max: '200' } });
  });
  it('take params as text and drop what is not', async () => {
    answer(400, { code: 'invalid_dispatch', message: 'm', invalid: { field: 'target.lat', code: 'range', params: { min: -90, max: '90', x: null } } });
    expect((await refusal()).invalid).toEqual({ field: 'target.lat', code: 'range', params: { min: '-90', max: '90' } });
  });
  it('have no invalid part when HQ sends none, or a malformed one', async () => {
    answer(400, { code: 'invalid_dispatch', message: 'name at least one unit (device id) to send', invalid: null });
    expect((await refusal()).invalid).toBeUndefined();
    answer(400, { code: 'bad_name', message: 'm', invalid: { field: 3 } });
    expect((await refusal()).invalid).toBeUndefined();
    answer(502, 'bad gateway');
    const e = await refusal();
    expect([e.code, e.message, e.invalid]).toEqual(['http_502', 'bad gateway', undefined]);
  });
});
