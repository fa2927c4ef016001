// Error normalization: whatever a command rejects with becomes ApiError {kind, message, field?, code?, params?}.
import { describe, expect, it } from 'vitest';
import { ApiError, errorFor, toApiError } from '../src/api/errors';

describe('toApiError', () => {
  it.each([
    [{ kind: 'invalid', message: 'plate: bad', field: 'plate' }, { kind: 'invalid', message: 'plate: bad', field: 'plate' }],
    [
      { kind: 'invalid', message: 'plate: `ABC` must start…', field: 'plate', code: 'plate_province', params: { value: 'ABC' } },
      { kind: 'invalid', message: 'plate: `ABC` must start…', field: 'plate', code: 'plate_province', params: { value: 'ABC' } },
    ],
    [
      { kind: 'invalid', message: 'note: too long', field: 'note', code: 'too_long', params: { max: 500, bad: null, list: [1] } },
      // As JSON an error is Rust's CommandError again: params are text.
      { kind: 'invalid', message: 'note: too long', field: 'note', code: 'too_long', params: { max: '500' } },
    ],
    [
      { kind: 'invalid', message: 'x', field: 'x', code: '', params: {} },
      { kind: 'invalid', message: 'x', field: 'x' },
    ],
    [
      '{"kind":"invalid","message":"people: must be between 1 and 1000","field":"people","code":"range","params":{"min":"1","max":"1000"}}',
      { kind: 'invalid', message: 'people: must be between 1 and 1000', field: 'people', code: 'range', params: { min: '1', max: '1000' } },
    ],
    [{ kind: 'network', message: 'offline' }, { kind: 'network', message: 'offline' }],
    [{ kind: 'no_open_patrol', message: 'no patrol is running' }, { kind: 'no_open_patrol', message: 'no patrol is running' }],
    [{ kind: 'something_new', message: 'x' }, { kind: 'unknown', message: 'x' }],
    [{ kind: 'invalid', message: 'x', field: '' }, { kind: 'invalid', message: 'x' }],
    [{ kind: 'io' }, { kind: 'io', message: 'io' }],
    ['{"kind":"auth","message":"code expired"}', { kind: 'auth', message: 'code expired' }],
    ['command home not found', { kind: 'unknown', message: 'command home not found' }],
    ['', { kind: 'unknown', message: 'unknown error' }],
    ['{not json', { kind: 'unknown', message: '{not json' }],
    [new Error('boom'), { kind: 'unknown', message: 'boom' }],
    [new TypeError('Failed to fetch'), { kind: 'network', message: 'Failed to fetch' }],
    [undefined, { kind: 'unknown', message: 'unknown error' }],
    [null, { kind: 'unknown', message: 'null' }],
    [42, { kind: 'unknown', message: '42' }],
  ])('%j', (input, want) => {
    const e = toApiError(input);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.toJSON()).toEqual(want);
  });

  it('keeps the rule when moved to another field', () => {
    const e = new ApiError('invalid', 'correction.note: is longer than 500 characters', 'correction.note', 'too_long', { max: '500' });
    expect(e.at('note').toJSON()).toEqual({ ...e.toJSON(), field: 'note' });
  });

  it('keeps an ApiError as it is', () => {
    const e = new ApiError('storage', 'disk full');
    expect(toApiError(e)).toBe(e);
  });
});

describe('errorFor', () => {
  const e = new ApiError('invalid', 'x', 'vehicles[1].plate');
  it.each([
    ['vehicles[1].plate', true],
    ['vehicles[1]', true],
    ['vehicles', true],
    ['vehicles[0].plate', false],
    ['plate', false],
    ['vehicle', false],
  ])('%s', (field, hit) => expect(errorFor(e, field) !== null).toBe(hit));
  it('ignores errors without a field', () => expect(errorFor(new ApiError('network', 'x'), 'plate')).toBeNull());
});
