// The UI's copy of the contract matches docs/app-api.md: every command, error kind and event
// named there is known here (and nothing extra), and the fake implements every command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handlers } from '../src/api/fake-commands';
import { COMMANDS, ERROR_KINDS, EVENTS } from '../src/api/types';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'app-api.md'), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  expect(start, `section ${title}`).toBeGreaterThan(-1);
  const next = doc.indexOf('\n## ', start + 3);
  return doc.slice(start, next === -1 ? undefined : next);
}

/** Backticked names in the first column of a markdown table. */
function firstColumn(md: string): string[] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1].matchAll(/`([a-z_-]+)`/g)].map((m) => m[1]));
}

describe('docs/app-api.md', () => {
  it('names exactly the commands the UI knows', () => {
    expect([...firstColumn(section('Commands'))].sort()).toEqual([...COMMANDS].sort());
  });

  it('names error kinds the UI knows (the UI may know more: device codes that pass through)', () => {
    const errors = section('Errors');
    const from = errors.indexOf('`kind` is stable');
    const list = errors.slice(from, errors.indexOf('`field` is present', from));
    const kinds = [...list.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((k) => k !== 'kind');
    expect(kinds.length).toBeGreaterThan(8);
    expect(kinds.filter((k) => !(ERROR_KINDS as readonly string[]).includes(k))).toEqual([]);
  });

  it('names exactly the events the UI listens to', () => {
    expect(firstColumn(section('Events')).sort()).toEqual([...EVENTS].sort());
  });
});

describe('the fake backend', () => {
  it('has a handler for every command and no other', () => {
    expect(Object.keys(handlers).sort()).toEqual([...COMMANDS].sort());
  });
});
