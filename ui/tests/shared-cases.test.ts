// The app's own rules against the core's: tests/contract/validation-cases.json holds report
// bodies and the first fault patrol-model finds (crates/patrol-model/tests/shared_cases.rs runs
// the same table through build_report). Here each body goes through ui/src/lib/rules.ts and must
// give the same field, rule code and params, so a form's instant hint says what Rust will say.
// The table is the authority: when the core changes a rule, the table changes, and this fails
// until rules.ts follows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportKind, ViolationDetails } from '../src/api/types';
import { reportIssue, violationIssue } from '../src/lib/rules';

type Case = {
  why: string;
  kind: ReportKind | 'violation';
  body: unknown;
  field?: string;
  code?: string;
  params?: Record<string, string>;
};

const table = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'tests', 'contract', 'validation-cases.json'), 'utf8'),
) as { cases: Case[] };

/** `{"$repeat": c, "times": n}` → c written n times, anywhere in the body. */
function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$repeat' in o) return String(o.$repeat).repeat(Number(o.times));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

const issueOf = (c: Case) =>
  c.kind === 'violation' ? violationIssue(expand(c.body) as ViolationDetails) : reportIssue(c.kind, expand(c.body));

describe('the shared validation cases', () => {
  it('reads the table', () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(30);
    expect(expand({ a: [{ $repeat: '长', times: 3 }] })).toEqual({ a: ['长长长'] });
  });

  it.each(table.cases.map((c) => [c.why, c] as const))('%s', (_, c) => {
    const issue = issueOf(c);
    if (c.code === undefined) {
      expect(issue).toBeNull();
      return;
    }
    expect(issue, 'a fault is expected').not.toBeNull();
    expect({ field: issue!.field, code: issue!.code }).toEqual({ field: c.field, code: c.code });
    const want = c.params ?? {};
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, issue!.params?.[k] === undefined ? undefined : String(issue!.params[k])]));
    expect(got).toEqual(want);
  });
});
