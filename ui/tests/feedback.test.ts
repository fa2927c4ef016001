// Every save is felt: a buzz when Rust kept it, another when it refused; reads are silent.
import { describe, expect, it } from 'vitest';
import { makeApi, SAVING } from '../src/api/client';
import type { Feedback, Transport } from '../src/api/transport';

function transport(answer: (cmd: string) => unknown): { t: Transport; felt: Feedback[] } {
  const felt: Feedback[] = [];
  const t: Transport = {
    name: 'fake',
    invoke: async (cmd) => answer(cmd),
    channel: () => null,
    listen: async () => () => {},
    appVersion: async () => 'test',
    feedback: (k) => felt.push(k),
  };
  return { t, felt };
}

describe('save feedback', () => {
  it('buzzes once for a kept tally and once for a refused one', async () => {
    const ok = transport(() => ({ seq: 7, kind: 'violation', id: 'x' }));
    await makeApi(ok.t).recordViolation({ type: 'no-helmet' });
    expect(ok.felt).toEqual(['saved']);

    const refused = transport(() => {
      throw { kind: 'invalid', message: 'no', field: 'type', code: 'unknown_value' };
    });
    await expect(makeApi(refused.t).recordViolation({ type: 'no-helmet' })).rejects.toBeTruthy();
    expect(refused.felt).toEqual(['refused']);
  });

  it('is silent for what only reads', async () => {
    const r = transport(() => []);
    const api = makeApi(r.t);
    await api.history();
    await api.drafts();
    await api.syncQueue();
    expect(r.felt).toEqual([]);
  });

  it('covers every command that saves what the officer did', () => {
    for (const c of ['record_violation', 'submit_report', 'post_arrive', 'post_leave', 'dispatch_step', 'start_patrol', 'stop_patrol']) {
      expect(SAVING.has(c as never), c).toBe(true);
    }
    for (const c of ['history', 'sync_now', 'export_bundle', 'save_draft']) expect(SAVING.has(c as never), c).toBe(false);
  });
});
