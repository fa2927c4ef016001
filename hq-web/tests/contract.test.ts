// The generated types are what scripts/gen-api.mjs writes from the committed openapi.json, so
// the compile-time checks in src/api/contract.ts check the page against HQ's real document.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { generate, TS_PATH } from '../scripts/gen-api.mjs';

describe('the contract with HQ', () => {
  it('src/api/openapi.d.ts is generated from src/api/openapi.json (run `npm run gen:api`)', async () => {
    expect(readFileSync(TS_PATH, 'utf8')).toBe(await generate());
  });
});
