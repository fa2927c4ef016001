// The fake backend through the real api client: every command of the contract, its errors
// (kind + field, like Rust), and the events — so the screens, the screen test and `npm run
// dev` run against something that behaves like the shell.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type Api } from '../src/api/client';
import { ApiError } from '../src/api/errors';
import { createFake, type FakeTransport } from '../src/api/fake';
import type { LedgerChanged, SyncProgress } from '../src/api/types';
import { recordOf, supplementOf } from '../src/lib/record';

// 1x1 PNG
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

let clock: number;
let fake: FakeTransport;
let api: Api;
let events: LedgerChanged[];

async function rejects(p: Promise<unknown>, kind: string, field?: string): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.kind, err.message).toBe(kind);
    if (field !== undefined) expect(err.field).toBe(field);
    return err;
  }
  throw new Error(`expected a ${kind} rejection`);
}

async function enrolled() {
  await api.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
}

async function patrol() {
  await enrolled();
  await api.startPatrol({ mode: 'car', group: 'G03', officers: ['张伟'], volunteers: { 'red-vest': 2 } });
}

function walk(n: number) {
  for (let i = 0; i < n; i++) {
    clock += 1000;
    fake.feedFix({ time_ms: clock, lat: 29.0071, lon: 111.6722 + i * 0.0001, accuracy_m: 5 });
  }
}

beforeEach(async () => {
  clock = Date.parse('2026-11-29T07:30:00+08:00');
  fake = createFake({ now: () => clock, tickMs: null, storage: null });
  api = makeApi(fake);
  events = [];
  await api.on('ledger-changed', (e) => events.push(e));
});

describe('home, enrolment, reference, settings', () => {
  it('starts unenrolled with nothing to sync', async () => {
    const h = await api.home();
    expect(h).toMatchObject({ enrolled: false, unsynced: 0, open_patrol: null, city_loaded: false, drafts: 0 });
    expect(h.device_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await api.reference()).toBeNull();
  });

  it('rejects a bad address and a bad code by field', async () => {
    await rejects(api.enroll({ hq_url: 'hq.example.cn', code: 'DEMO-1' }), 'invalid', 'hq_url');
    await rejects(api.enroll({ hq_url: 'https://hq.example.cn', code: '' }), 'invalid', 'code');
    await rejects(api.enroll({ hq_url: 'https://hq.example.cn', code: 'EXPIRED' }), 'auth');
    fake.setOnline(false);
    await rejects(api.enroll({ hq_url: 'https://hq.example.cn', code: 'DEMO-1' }), 'network');
  });

  it('enrols and loads the demo city', async () => {
    const r = await api.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
    expect(r).toEqual({ device_name: 'CD-0001', city: '常德市 (演示)' });
    const ref = (await api.reference())!;
    expect(ref.timezone).toBe('Asia/Shanghai');
    expect(ref.groups.length).toBeGreaterThan(5);
    expect(ref.posts[0]).toMatchObject({ id: 'P01', radius_m: 60, duty_windows: [{ start: '06:00', end: '09:00' }, { start: '17:00', end: '21:00' }] });
    expect(ref.cells!.length).toBe(80);
    expect((await api.home()).city_loaded).toBe(true);
  });

  it('keeps settings', async () => {
    expect(await api.getSettings()).toEqual({ language: 'zh-CN', hq_url: null });
    expect(await api.setSettings({ language: 'en', hq_url: 'https://hq.example.cn' })).toEqual({ language: 'en', hq_url: 'https://hq.example.cn' });
    expect((await api.getSettings()).language).toBe('en');
    await rejects(api.setSettings({ language: 'fr' as never, hq_url: null }), 'invalid', 'language');
  });

  it('starts the simulated position source, refuses gpx replay without a file', async () => {
    expect(await api.startPositionSource({ kind: 'simulated' })).toBeNull();
    expect((await api.home()).position_source).toBe('simulated');
    // Home says what the position is: a simulation, never passed off as GNSS.
    expect((await api.home()).gps.state).toBe('simulated');
    await rejects(api.startPositionSource({ kind: 'gpx-replay' }), 'invalid', 'gpx_path');
  });
});

describe('patrols', () => {
  it('starts, records the route, stops with the sealed track', async () => {
    await patrol();
    await rejects(api.startPatrol({ mode: 'foot', group: 'G01', officers: [], volunteers: {} }), 'patrol_already_open');
    const positions: unknown[] = [];
    await api.on('position', (f) => positions.push(f));
    walk(40);
    expect(positions.length).toBe(40);
    const live = (await api.livePatrol())!;
    expect(live.route.length).toBe(40);
    expect(live.patrol.distance_m).toBeGreaterThan(300);
    expect(live.patrol.cell).toBe('WL-02-04'); // 111.6761° E: the fourth column of row 2
    expect(live.patrol.fixes).toBe(40);
    const home = await api.home();
    expect(home.open_patrol).toMatchObject({ group: 'G03', mode: 'car' });
    const stopped = await api.stopPatrol();
    expect(stopped.map((s) => s.kind)).toEqual(['track_segment', 'patrol_stopped']);
    expect(await api.livePatrol()).toBeNull();
    await rejects(api.stopPatrol(), 'no_open_patrol');
  });

  it('validates the start like Rust', async () => {
    await rejects(api.startPatrol({ mode: 'boat' as never, group: 'G01', officers: [], volunteers: {} }), 'invalid', 'mode');
    await rejects(api.startPatrol({ mode: 'foot', group: '', officers: [], volunteers: {} }), 'invalid', 'group');
    await rejects(api.startPatrol({ mode: 'foot', group: 'G01', officers: ['a', ''], volunteers: {} }), 'invalid', 'officers[1]');
    await rejects(api.startPatrol({ mode: 'foot', group: 'G01', officers: [], volunteers: { 'red-vest': 900 } }), 'invalid', 'volunteers.red-vest');
    await rejects(api.startPatrol({ mode: 'foot', group: 'G01', officers: [], volunteers: {}, vehicle_plate: 'ABC' }), 'invalid', 'vehicle_plate');
    // The app's own rule, after the record's: a patrol has someone on it.
    const nobody = await rejects(api.startPatrol({ mode: 'foot', group: 'G01', officers: [], volunteers: { 'red-vest': 2 } }), 'invalid', 'officers');
    expect(nobody.code).toBe('required');
  });

  it('offers the last shift again (corrections applied, nothing before the first patrol)', async () => {
    await enrolled();
    expect(await api.lastShift()).toBeNull();
    await api.startPatrol({ mode: 'motorcycle', group: 'G07', officers: ['张伟', '李强'], volunteers: { 'red-vest': 2 }, vehicle_plate: '湘j·a1234' });
    await api.stopPatrol();
    expect(await api.lastShift()).toEqual({
      group: 'G07', mode: 'motorcycle', officers: ['张伟', '李强'], volunteers: { 'red-vest': 2 }, vehicle_plate: '湘JA1234',
    });
  });

  it('emits ledger-changed after each commit with the unsynced count', async () => {
    await patrol();
    expect(events.at(-1)).toEqual({ head: 1, unsynced: 1, open_patrol: true });
  });
});

describe('violations', () => {
  it('one tap, then details as a supplement; tallies follow', async () => {
    await patrol();
    const saved = await api.recordViolation({ type: 'umbrella-rig' });
    expect(saved).toMatchObject({ seq: 2, kind: 'violation' });
    expect((await rejects(api.recordViolation({ type: 'speeding' as never }), 'invalid', 'type')).params).toMatchObject({ value: 'speeding' });
    await rejects(api.addViolationDetails({ seq: saved.seq, plate: 'ABC' }), 'invalid', 'correction.plate');
    const d = await api.addViolationDetails({ seq: saved.seq, plate: '湘j 12345', vehicle: 'e-bike', seized_items: 2 });
    expect(d.kind).toBe('supplement');
    await rejects(api.addViolationDetails({ seq: 1 }), 'bad_supplement');
    await rejects(api.addViolationDetails({ seq: 99 }), 'no_such_entry');
    const h = await api.home();
    expect(h.today.violations).toEqual({ 'umbrella-rig': 1 });
    expect(h.today.seized_items).toBe(2);
    const hist = await api.history();
    const v = hist.find((i) => i.seq === saved.seq)!;
    expect(v.corrected_by).toEqual([d.seq]);
    expect(supplementOf(hist.find((i) => i.seq === d.seq)!)?.correction?.body).toMatchObject({ plate: '湘J12345', vehicle: 'e-bike' });
  });

  it('a withdrawal needs a reason and removes the tally', async () => {
    await patrol();
    const s = await api.recordViolation({ type: 'no-helmet' });
    await rejects(api.supplement({ seq: s.seq, reason: ' ', correction: null }), 'invalid', 'reason');
    const w = await api.supplement({ seq: s.seq, reason: '误触', correction: null });
    expect((await api.home()).today.violations).toEqual({});
    expect((await api.history()).find((i) => i.seq === s.seq)!.withdrawn_by).toBe(w.seq);
    await rejects(api.supplement({ seq: s.seq, reason: 'again', correction: null }), 'bad_supplement');
    await rejects(api.supplement({ seq: w.seq, reason: 'x', correction: null }), 'bad_supplement');
  });
});

describe('reports, photos, drafts', () => {
  it('submits a lost-person report and deletes its draft', async () => {
    await patrol();
    walk(3);
    await api.saveDraft({ id: 'lost_per-abc', kind: 'lost_person', body: { v: 1, form: { description: '老人' } } });
    expect((await api.home()).drafts).toBe(1);
    await rejects(api.submitReport({ kind: 'lost_person', body: { description: '', outcome: 'ongoing' } }), 'invalid', 'description');
    await rejects(api.submitReport({ kind: 'lost_person', body: { description: 'x', outcome: 'lost' as never } }), 'invalid', 'outcome');
    // No outcome chosen: Rust's `missing field`, a required field, not an unknown value.
    const none = await rejects(api.submitReport({ kind: 'lost_person', body: { description: 'x' } as never }), 'invalid', 'outcome');
    expect(none.code).toBe('required');
    const s = await api.submitReport({
      kind: 'lost_person',
      body: { description: '七旬老人', outcome: 'reunited-with-family', handed_over_at: '2026-11-29T08:40:00+08:00' },
      draft_id: 'lost_per-abc',
    });
    expect(s.kind).toBe('lost_person');
    expect(await api.drafts()).toEqual([]);
    const item = (await api.history(1))[0];
    expect(recordOf(item, 'lost_person')?.patrol_id).toBeTruthy();
    expect(recordOf(item, 'lost_person')?.found_at).toBeTruthy();
    expect(item.cell).toBe('WL-02-03');
  });

  it('checks accident vehicles by index and unknown photos', async () => {
    await enrolled();
    await rejects(api.submitReport({ kind: 'traffic_accident', body: { vehicles: [] } }), 'invalid', 'vehicles');
    await rejects(
      api.submitReport({ kind: 'traffic_accident', body: { vehicles: [{ kind: 'car', plate: '湘J12345' }, { kind: 'car', plate: 'ABC123' }] } }),
      'invalid',
      'vehicles[1].plate',
    ).then((e) => expect(e.toJSON()).toMatchObject({ code: 'plate_province', params: { value: 'ABC123' } }));
    const ghost = { sha256: 'a'.repeat(64), size: 10, mime: 'image/png', slot: 'front' as const };
    await rejects(api.submitReport({ kind: 'traffic_accident', body: { vehicles: [{ kind: 'car' }], photos: [ghost], photos_missing_reason: '相机故障' } }), 'no_such_photo');
    const photo = await api.addPhoto(PNG);
    expect(photo).toMatchObject({ mime: 'image/png', size: 69 });
    expect(photo.sha256).toMatch(/^[0-9a-f]{64}$/);
    const body = { vehicles: [{ kind: 'car' as const, plate: '湘jd12345' }], photos: [{ ...photo, slot: 'front' as const }], outcomes: ['cars-moved' as const] };
    // Without the rear and point-of-impact photos the officer says why, as Rust's build_report asks.
    const why = await rejects(api.submitReport({ kind: 'traffic_accident', body }), 'invalid', 'photos_missing_reason');
    expect(why.toJSON()).toMatchObject({ code: 'required', params: { missing: 'rear, point-of-impact' } });
    const s = await api.submitReport({ kind: 'traffic_accident', body: { ...body, photos_missing_reason: '车辆已驶离' } });
    expect((await api.history(1))[0].record).toMatchObject({ vehicles: [{ plate: '湘JD12345' }], photos_missing_reason: '车辆已驶离' });
    expect(s.seq).toBe(1);
  });

  it('rejects what is not a photo', async () => {
    expect((await rejects(api.addPhoto(btoa('hello')), 'invalid', 'mime')).code).toBe('photo_type');
    expect((await rejects(api.addPhoto(''), 'invalid', 'data_base64')).code).toBe('range');
  });

  it('assistance and incident', async () => {
    const people = await rejects(api.submitReport({ kind: 'assistance', body: { kind: 'dispute-resolved', description: 'x', people: 0 } }), 'invalid', 'people');
    // Shaped as Rust's CommandError: the rule and its params, as text.
    expect(people.toJSON()).toEqual({
      kind: 'invalid', message: 'people: must be between 1 and 1000', field: 'people', code: 'range', params: { min: '1', max: '1000' },
    });
    await api.submitReport({ kind: 'assistance', body: { kind: 'dispute-resolved', description: '劝解', people: 2 } });
    await rejects(api.submitReport({ kind: 'incident', body: { kind: 'theft', description: '', outcome: 'open' } }), 'invalid', 'description');
    await api.submitReport({ kind: 'incident', body: { kind: 'theft', description: '电动车被盗', outcome: 'suspect-caught', value_yuan: 2600 } });
    await rejects(api.submitReport({ kind: 'parade' as never, body: {} as never }), 'invalid', 'kind');
    expect((await api.home()).today.entries).toEqual({ assistance: 1, incident: 1 });
  });

  it('drafts: save, replace, list newest first, discard', async () => {
    await rejects(api.saveDraft({ id: 'has space', kind: 'incident', body: {} }), 'invalid', 'id');
    const a = await api.saveDraft({ id: 'a1', kind: 'incident', body: { v: 1 } });
    clock += 5000;
    await api.saveDraft({ id: 'b2', kind: 'assistance', body: { v: 1 } });
    clock += 5000;
    const a2 = await api.saveDraft({ id: 'a1', kind: 'incident', body: { v: 2 } });
    expect(a2.created_ms).toBe(a.created_ms);
    expect(a2.updated_ms).toBeGreaterThan(a.updated_ms);
    expect((await api.drafts()).map((d) => d.id)).toEqual(['a1', 'b2']);
    expect(await api.discardDraft('a1')).toBe(true);
    expect(await api.discardDraft('a1')).toBe(false);
    expect(events).toEqual([]); // drafts are not ledger commits
  });

  it('corrects a report with a supplement, never in place', async () => {
    const s = await api.submitReport({ kind: 'incident', body: { kind: 'theft', description: '初报', outcome: 'open' } });
    await rejects(api.supplement({ seq: s.seq, reason: '补充', correction: { kind: 'theft', description: '', outcome: 'open' } }), 'invalid', 'correction.description');
    const c = await api.supplement({ seq: s.seq, reason: '补充', correction: { kind: 'theft', description: '嫌疑人已抓获', outcome: 'suspect-caught' } });
    const hist = await api.history();
    expect(hist.map((i) => i.seq)).toEqual([c.seq, s.seq]);
    expect(recordOf(hist[1], 'incident')?.description).toBe('初报');
    expect(hist[1].corrected_by).toEqual([c.seq]);
  });
});

describe('post duty', () => {
  it('arrive and leave; minutes on post in the current window', async () => {
    await enrolled();
    await api.postArrive({ post_id: 'P01' });
    expect((await rejects(api.postArrive({ post_id: 'P01' }), 'invalid', 'post_id')).toJSON()).toMatchObject({ code: 'conflict', params: { value: 'P01' } });
    await rejects(api.postArrive({ post_id: 'P99' }), 'not_found', 'post_id');
    clock += 25 * 60_000;
    let p01 = (await api.postDuty()).find((d) => d.post_id === 'P01')!;
    expect(p01.on_post).toBe(true);
    expect(p01.current_window).toMatchObject({ minutes_on_post: 25 });
    expect(p01.windows[0].window).toEqual({ start: '06:00', end: '09:00' });
    expect(p01.windows[0].held_fraction).toBeCloseTo(25 / 180, 3);
    await api.postLeave('P01');
    expect((await rejects(api.postLeave('P01'), 'invalid', 'post_id')).toJSON()).toMatchObject({ code: 'not_allowed', params: { value: 'P01' } });
    clock += 10 * 60_000;
    p01 = (await api.postDuty()).find((d) => d.post_id === 'P01')!;
    expect(p01.on_post).toBe(false);
    expect(p01.current_window!.minutes_on_post).toBe(25);
  });

  it('the geofence suggests arrival and departure; a confirmed one keeps its evidence, a manual one says so', async () => {
    const stand = (seconds: number, lat: number, lon: number, accuracy_m: number) => {
      for (let i = 0; i < seconds; i += 5) {
        clock += 5000;
        fake.feedFix({ time_ms: clock, lat, lon, accuracy_m });
      }
    };
    await enrolled();
    expect(await api.postSuggestion()).toBeNull();
    await patrol();
    stand(120, 29.007, 111.672, 80); // ±80 m at P02 proves nothing
    expect(await api.postSuggestion()).toBeNull();
    stand(90, 29.007, 111.672, 5);
    const s = (await api.postSuggestion())!;
    expect(s).toMatchObject({ action: 'arrive', post_id: 'P02', name: '洞庭大道/武陵大道', evidence: { source: 'geofence', best_accuracy_m: 5 } });
    expect(s.evidence.dwell_s).toBeGreaterThanOrEqual(60);
    await rejects(api.postArrive({ post_id: 'P02', evidence: { ...s.evidence, source: 'manual' } }), 'invalid', 'evidence.source');
    await api.postArrive({ post_id: 'P02', officers: [' 张伟 ', ''], volunteers: { 'red-vest': 2 }, evidence: s.evidence });
    const [h] = await api.history(1);
    expect(h.record).toMatchObject({ post_id: 'P02', officers: ['张伟'], volunteers: { 'red-vest': 2 }, evidence: { source: 'geofence' } });
    expect((await api.postDuty()).find((d) => d.post_id === 'P02')!.arrival_source).toBe('geofence');
    expect(await api.postSuggestion()).toBeNull();
    stand(90, 29.0115, 111.672, 5); // 500 m north
    const l = (await api.postSuggestion())!;
    expect(l).toMatchObject({ action: 'leave', post_id: 'P02' });
    await api.postLeave('P02', l.evidence);
    expect(await api.postSuggestion()).toBeNull();
    await api.postArrive({ post_id: 'P01' });
    expect((await api.postDuty()).find((d) => d.post_id === 'P01')!.arrival_source).toBe('manual');
    expect((await api.postDuty()).find((d) => d.post_id === 'P02')!.arrival_source).toBeNull();
  });

  it('lists the post the officer is on, then the group’s posts, then the nearest; off patrol the city’s order', async () => {
    await enrolled();
    const city = await api.postDuty();
    expect(city.map((d) => d.post_id)).toEqual(['P01', 'P02', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'P09', 'P10', 'P11', 'P12']);
    expect(city.every((d) => !d.assigned && d.distance_m === null)).toBe(true);
    await patrol(); // G03 patrols WL-03-07 and WL-03-08, where P11 stands
    walk(3); // beside P02
    let list = await api.postDuty();
    expect(list[0]).toMatchObject({ post_id: 'P11', assigned: true });
    expect(list[1].post_id).toBe('P02');
    expect(list[1].distance_m).toBeLessThan(60);
    await api.postArrive({ post_id: 'P07' });
    list = await api.postDuty();
    expect(list.map((d) => d.post_id).slice(0, 3)).toEqual(['P07', 'P11', 'P02']);
    clock += 11 * 60_000; // the last fix is too old to say where the officer is
    expect((await api.postDuty()).every((d) => d.distance_m === null)).toBe(true);
  });

  it('has no current window at noon', async () => {
    clock = Date.parse('2026-11-29T12:00:00+08:00');
    await enrolled();
    expect((await api.postDuty())[0].current_window).toBeNull();
  });
});

describe('sync', () => {
  it('needs enrolment', async () => {
    await rejects(api.syncNow(() => undefined), 'not_enrolled');
  });

  it('reports progress over the channel and returns the receipt', async () => {
    await patrol();
    await api.recordViolation({ type: 'red-light' });
    await api.addPhoto(PNG);
    const progress: SyncProgress[] = [];
    const r = await api.syncNow((p) => progress.push(p));
    expect(progress[0].phase).toBe('connecting');
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['connecting', 'reference', 'uploading', 'photos', 'receipt', 'done']));
    expect(r).toMatchObject({ hq_head_seq: 2, entries_held: 2, photos_held: 1, pending: 0, quarantined: [], stuck: null });
    expect(await api.syncStatus()).toEqual(r);
    const h = await api.home();
    expect(h.unsynced).toBe(0);
    expect(h.last_sync_ms).toBe(clock);
    expect((await api.history()).every((i) => i.sync === 'acked')).toBe(true);
    expect(events.at(-1)).toMatchObject({ unsynced: 0 });
  });

  it('keeps entries when offline, and lists quarantined entries with reasons', async () => {
    await patrol();
    fake.setOnline(false);
    await rejects(api.syncNow(() => undefined), 'network');
    expect((await api.home()).unsynced).toBe(1);
    fake.setOnline(true);
    await api.recordViolation({ type: 'jaywalking' });
    fake.setQuarantine((e) => (e.kind === 'violation' ? { code: 'outside_city', reason: 'position is outside the city' } : null));
    fake.setStuck('seq 2 quarantined; later entries wait');
    const r = await api.syncNow(() => undefined);
    expect(r.quarantined).toEqual([{ seq: 2, code: 'outside_city', reason: 'position is outside the city' }]);
    expect(r.stuck).toContain('seq 2');
    expect((await api.home()).quarantined).toBe(1);
    expect((await api.history(1))[0].sync).toBe('quarantined');
  });
});

describe('the city map pack', () => {
  const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  it('has none before the city is loaded; then a pack over the grid, zooms 12–17', async () => {
    expect(await api.mapPack()).toEqual({ ready: null, downloading: null });
    expect((await api.mapTile(14, 13275, 6810)).byteLength).toBe(0);
    await enrolled();
    const { ready, downloading } = await api.mapPack();
    expect(downloading).toBeNull();
    expect(ready).toMatchObject({ format: 'png', minzoom: 12, maxzoom: 17 });
    expect(ready!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const [west, south, east, north] = ready!.bounds!;
    // The demo grid: 0.01° cells from 28.995° N 111.645° E, 8 rows by 10 columns.
    expect(west).toBeLessThanOrEqual(111.645);
    expect(south).toBeLessThanOrEqual(28.995);
    expect(east).toBeGreaterThanOrEqual(111.745);
    expect(north).toBeGreaterThanOrEqual(29.075);
  });

  it('answers a PNG inside the bounds and zooms, an empty buffer elsewhere', async () => {
    await enrolled();
    const inside = await api.mapTile(14, 13275, 6810);
    expect(inside).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(inside).slice(0, 8)]).toEqual(pngSignature);
    expect((await api.mapTile(17, 106201, 54482)).byteLength).toBeGreaterThan(0);
    expect((await api.mapTile(18, 212402, 108965)).byteLength).toBe(0); // past maxzoom
    expect((await api.mapTile(11, 1659, 851)).byteLength).toBe(0); // before minzoom
    expect((await api.mapTile(14, 13375, 6810)).byteLength).toBe(0); // far east of the city
    expect((await api.mapTile(14, -1, 6810)).byteLength).toBe(0);
  });

  it('without a pack (?fake-map=none) the map draws the schematic: no pack, no tiles', async () => {
    const none = makeApi(createFake({ now: () => clock, tickMs: null, storage: null, mapPack: 'none' }));
    await none.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
    expect(await none.mapPack()).toEqual({ ready: null, downloading: null });
    expect((await none.mapTile(14, 13275, 6810)).byteLength).toBe(0);
  });

  it('a pack still downloading (?fake-map=downloading) draws nothing yet; the next sync finishes it', async () => {
    const slow = makeApi(createFake({ now: () => clock, tickMs: null, storage: null, mapPack: 'downloading' }));
    await slow.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
    const before = await slow.mapPack();
    expect(before.ready).toBeNull();
    expect(before.downloading!.have).toBeLessThan(before.downloading!.total);
    expect(before.downloading!.have).toBeGreaterThan(0);
    expect((await slow.mapTile(14, 13275, 6810)).byteLength).toBe(0);
    await slow.syncNow(() => undefined);
    const after = await slow.mapPack();
    expect(after.downloading).toBeNull();
    expect(after.ready!.name).toBe(before.downloading!.name);
    expect(after.ready!.bytes).toBe(before.downloading!.total);
    expect((await slow.mapTile(14, 13275, 6810)).byteLength).toBeGreaterThan(0);
  });

  it('a newer pack coming down (?fake-map=updating) leaves the old one drawn; the next sync switches to it', async () => {
    const upd = makeApi(createFake({ now: () => clock, tickMs: null, storage: null, mapPack: 'updating' }));
    await upd.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
    const before = await upd.mapPack();
    expect(before.ready).not.toBeNull();
    expect(before.downloading!.name).not.toBe(before.ready!.name);
    expect((await upd.mapTile(14, 13275, 6810)).byteLength).toBeGreaterThan(0);
    await upd.syncNow(() => undefined);
    const after = await upd.mapPack();
    expect(after.downloading).toBeNull();
    expect(after.ready!.name).toBe(before.downloading!.name);
    expect(after.ready!.sha256).not.toBe(before.ready!.sha256);
    expect(after.ready!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('history answers the generated shapes', () => {
  it('each item has exactly HistoryItem’s fields; a report left short gets Rust’s defaults; the fake’s quarantine note stays its own', async () => {
    await patrol();
    walk(3);
    fake.setQuarantine((e) => (e.kind === 'incident' ? { code: 'invalid_payload', reason: 'too long' } : null));
    const inc = await api.submitReport({ kind: 'incident', body: { kind: 'theft', description: '手机被盗', outcome: 'open' } });
    const help = await api.submitReport({ kind: 'assistance', body: { kind: 'other-help', description: '指路' } });
    await api.syncNow(() => undefined);
    await api.stopPatrol();
    const hist = await api.history();
    for (const item of hist) {
      expect(Object.keys(item).sort()).toEqual(['cell', 'corrected_by', 'id', 'kind', 'record', 'seq', 'sync', 'wall_ms', 'withdrawn_by']);
    }
    const i = hist.find((x) => x.seq === inc.seq)!;
    expect(i.sync).toBe('quarantined');
    expect(recordOf(i, 'incident')).toEqual({
      patrol_id: expect.any(String), kind: 'theft', description: '手机被盗', video_reviewed: false, outcome: 'open',
      at: expect.objectContaining({ lat: expect.any(Number) }), photos: [],
    });
    expect(recordOf(hist.find((x) => x.seq === help.seq)!, 'assistance')?.people).toBe(1);
    const track = hist.find((x) => x.kind === 'track_segment');
    expect(track && recordOf(track, 'track_segment')).toEqual({ patrol_id: expect.any(String), fixes: 3, first_ms: expect.any(Number), last_ms: clock });

    // Without track segments, as the History screen asks: the same items, less the segments,
    // and the limit counts only what is listed.
    const listed = await api.history(300, false);
    expect(listed.map((x) => x.seq)).toEqual(hist.filter((x) => x.kind !== 'track_segment').map((x) => x.seq));
    expect((await api.history(1, false))[0].kind).toBe('patrol_stopped');
    expect((await api.history(2, false)).map((x) => x.kind)).toEqual(['patrol_stopped', 'assistance']);
  });
});

describe('export to file (station bundle)', () => {
  it('needs enrolment', async () => {
    await rejects(api.exportBundle(), 'not_enrolled');
    expect(fake.state().exports).toEqual([]);
  });

  it('offline: names the file and what HQ does not yet hold; nothing on the device changes', async () => {
    await patrol();
    await api.recordViolation({ type: 'red-light' });
    const photo = await api.addPhoto(PNG);
    fake.setOnline(false);
    const before = await api.syncQueue();
    const b = await api.exportBundle();
    const id = (await api.home()).device_id;
    expect(b).toMatchObject({ from_seq: 1, to_seq: 2, entries: 2, photos: 1, hq_url: 'http://127.0.0.1:8787' });
    expect(b.path).toBe(`/data/user/0/cn.changde.patrol/exports/patrol-${id.slice(0, 8)}-1-2.bundle`);
    expect(b.bytes).toBeGreaterThan(photo.size + 1024);
    expect(await api.syncQueue()).toEqual(before);
    expect((await api.home()).unsynced).toBe(2);
    expect(fake.state().exports).toEqual([b]);
  });

  it('after a sync: only what came since the receipt; nothing at all says so by its seqs', async () => {
    await patrol();
    await api.addPhoto(PNG);
    await api.syncNow(() => undefined);
    const none = await api.exportBundle();
    expect(none).toMatchObject({ from_seq: 2, to_seq: 1, entries: 0, photos: 0 });
    expect(none.path).toMatch(/-2-1\.bundle$/);
    await api.recordViolation({ type: 'jaywalking' });
    expect(await api.exportBundle()).toMatchObject({ from_seq: 2, to_seq: 2, entries: 1, photos: 0 });
    expect(fake.state().exports).toHaveLength(2);
  });
});

describe('the sync queue and quarantined payloads', () => {
  it('says what waits by kind, the photos, the front of the queue and the attempts', async () => {
    expect(await api.syncQueue()).toMatchObject({ waiting: [], entries_waiting: 0, front_seq: null, last_attempt_ms: null });
    await patrol();
    clock += 1000;
    await api.recordViolation({ type: 'red-light' });
    await api.addPhoto(PNG);
    let q = await api.syncQueue();
    expect(q.waiting).toEqual([
      { kind: 'patrol_started', count: 1, oldest_ms: clock - 1000 },
      { kind: 'violation', count: 1, oldest_ms: clock },
    ]);
    expect(q).toMatchObject({ entries_waiting: 2, photos_waiting: 1, photo_bytes_waiting: 69, front_seq: 1, front_attempts: 0 });
    fake.setOnline(false);
    await rejects(api.syncNow(() => undefined), 'network');
    q = await api.syncQueue();
    expect(q).toMatchObject({ front_seq: 1, front_attempts: 1, last_attempt_ms: clock, last_ok_ms: null, last_error_kind: 'network' });
    expect(q.front_error).toContain('could not reach');
    fake.setOnline(true);
    await api.syncNow(() => undefined);
    q = await api.syncQueue();
    expect(q).toMatchObject({ waiting: [], entries_waiting: 0, photos_waiting: 0, front_seq: null, front_attempts: 0, last_ok_ms: clock });
    expect(q.last_error_kind).toBeNull();
  });

  it('a payload refused by a rule comes back with its field and rule (?fake-quarantine)', async () => {
    fake = createFake({ now: () => clock, tickMs: null, storage: null, quarantineKinds: ['assistance'] });
    api = makeApi(fake);
    await enrolled();
    await api.submitReport({ kind: 'assistance', body: { kind: 'dispute-resolved', description: '两车主因停车位发生口角，现场调解' } });
    await api.submitReport({ kind: 'assistance', body: { kind: 'other-help', description: '指路' } });
    const r = await api.syncNow(() => undefined);
    expect(r.quarantined).toEqual([
      {
        seq: 1,
        code: 'invalid_payload',
        reason: 'invalid description: is longer than 10 characters',
        invalid: { field: 'description', code: 'too_long', params: { max: '10' } },
      },
    ]);
    expect(await api.syncStatus()).toEqual(r);
    expect((await api.syncQueue()).quarantined).toBe(1);
  });
});

describe('persistence', () => {
  it('keeps the state in the given storage, like the app keeps its SQLite file', async () => {
    const mem = new Map<string, string>();
    const storage = {
      getItem: (k: string) => mem.get(k) ?? null,
      setItem: (k: string, v: string) => void mem.set(k, v),
      removeItem: (k: string) => void mem.delete(k),
    } as unknown as Storage;
    const a = makeApi(createFake({ now: () => clock, tickMs: null, storage }));
    await a.saveDraft({ id: 'keep-me', kind: 'incident', body: { v: 1 } });
    const b = makeApi(createFake({ now: () => clock, tickMs: null, storage }));
    expect((await b.drafts()).map((d) => d.id)).toEqual(['keep-me']);
  });

  it('?fake-distance: a reloaded open patrol has already covered that far; fixes add to it', async () => {
    const mem = new Map<string, string>();
    const storage = {
      getItem: (k: string) => mem.get(k) ?? null,
      setItem: (k: string, v: string) => void mem.set(k, v),
      removeItem: (k: string) => void mem.delete(k),
    } as unknown as Storage;
    const a = makeApi(createFake({ now: () => clock, tickMs: null, storage, distanceM: 5000 }));
    await a.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
    // No patrol open when it loaded: nothing to set.
    await a.startPatrol({ mode: 'car', group: 'G03', officers: ['张伟'], volunteers: {} });
    expect((await a.livePatrol())!.patrol.distance_m).toBe(0);
    const again = createFake({ now: () => clock, tickMs: null, storage, distanceM: 9700 });
    const b = makeApi(again);
    expect((await b.livePatrol())!.patrol.distance_m).toBe(9700);
    again.feedFix({ time_ms: clock, lat: 29.0071, lon: 111.6722, accuracy_m: 5 });
    again.feedFix({ time_ms: clock + 1000, lat: 29.0071, lon: 111.6742, accuracy_m: 5 });
    expect((await b.livePatrol())!.patrol.distance_m).toBeGreaterThan(9850);
    expect((await makeApi(createFake({ now: () => clock, tickMs: null, storage })).home()).open_patrol?.distance_m).toBeGreaterThan(9850);
  });
});
