// Scanning a QR code: the Tauri transport asks for the camera only when it must, scans QR codes
// full screen through the barcode-scanner plugin, says a cancel as null and every failure as a
// ScanError; the scanner is there only on phones. The fake scans only with `?fake-scan=…`.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeApi } from '../src/api/client';
import { createFake } from '../src/api/fake';
import { ScanError } from '../src/api/transport';

const calls: { cmd: string; args?: unknown }[] = [];
let answer: (cmd: string, args?: unknown) => unknown = () => null;

vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args?: unknown) => {
    calls.push({ cmd, args });
    return answer(cmd, args);
  }),
  Channel: class {},
}));

const PLUGIN = 'plugin:barcode-scanner|';
const names = () => calls.map((c) => c.cmd.replace(PLUGIN, ''));

/** The plugin as a phone has it: the camera's permission now and after asking, and what a scan gives. */
function phone(p: { now?: string; asked?: string; scan?: () => unknown }) {
  answer = (cmd) => {
    if (cmd === PLUGIN + 'check_permissions') return { camera: p.now ?? 'granted' };
    if (cmd === PLUGIN + 'request_permissions') return p.asked === undefined ? {} : { camera: p.asked };
    if (cmd === PLUGIN + 'scan') return p.scan ? p.scan() : { content: 'K7QM-3XPA-9RTW', format: 'QR_CODE', bounds: null };
    return null;
  };
}

/** The Tauri transport as loaded now (modules are reset after each test: `onPhone` is read at
 * load), with the `ScanError` class of that same load. */
async function tauri() {
  const [m, { ScanError }] = await Promise.all([import('../src/api/tauri'), import('../src/api/transport')]);
  return { ...m, ScanError };
}

beforeEach(() => {
  calls.length = 0;
  answer = () => null;
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('the Tauri scanner', () => {
  it('scans QR codes full screen once the camera is allowed, and gives the text as it is', async () => {
    phone({ scan: () => ({ content: ' https://evil.example/x ', format: 'QR_CODE', bounds: null }) });
    const { scanQr } = await tauri();
    expect(await scanQr()).toBe(' https://evil.example/x ');
    expect(names()).toEqual(['check_permissions', 'scan']);
    expect(calls[1].args).toEqual({ windowed: false, formats: ['QR_CODE'] });
  });

  it('asks for the camera when it is not yet allowed, then scans', async () => {
    for (const now of ['prompt', 'prompt-with-rationale', 'denied']) {
      calls.length = 0;
      phone({ now, asked: 'granted' });
      const { scanQr } = await tauri();
      expect(await scanQr()).toBe('K7QM-3XPA-9RTW');
      expect(names()).toEqual(['check_permissions', 'request_permissions', 'scan']);
    }
  });

  it('refused the camera: camera_denied, and no scan', async () => {
    for (const asked of ['denied', 'prompt', undefined]) {
      calls.length = 0;
      phone({ now: 'prompt', asked });
      const { scanQr, ScanError: Err } = await tauri();
      const e = await scanQr().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Err);
      expect((e as ScanError).kind).toBe('camera_denied');
      expect(names()).not.toContain('scan');
    }
  });

  it('a cancel, however the plugin words it, is null', async () => {
    for (const rejection of ['cancelled', { message: 'Cancelled' }, new Error('scan canceled by the user')]) {
      phone({
        scan: () => {
          throw rejection;
        },
      });
      const { scanQr } = await tauri();
      expect(await scanQr()).toBeNull();
    }
  });

  it('any other failure is a ScanError: camera_denied for a permission, else failed', async () => {
    const cases: [unknown, string][] = [
      ['No permission to use camera. Did you request it yet?', 'camera_denied'],
      ['denied by the user', 'camera_denied'],
      [{ message: 'NSCameraUsageDescription is not in the app Info.plist' }, 'failed'],
      [new Error('boom'), 'failed'],
    ];
    for (const [rejection, kind] of cases) {
      phone({
        scan: () => {
          throw rejection;
        },
      });
      const { scanQr, ScanError: Err } = await tauri();
      const e = await scanQr().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Err);
      expect((e as ScanError).kind, JSON.stringify(rejection)).toBe(kind);
    }
    answer = () => {
      throw 'plugin barcode-scanner not found';
    };
    const { scanQr } = await tauri();
    expect(((await scanQr().catch((x: unknown) => x)) as ScanError).kind).toBe('failed');
  });

  /** A scan that waits for a code; the plugin's `cancel` rejects it "cancelled" as on iOS, or
   * (Android, tauri-apps/plugins-workspace#3560) closes the camera and never settles it. */
  function pendingScan(cancelSettles: boolean) {
    let reject: (e: unknown) => void = () => {};
    phone({ scan: () => new Promise((_, r) => (reject = r)) });
    const base = answer;
    answer = (cmd, args) => {
      if (cmd === PLUGIN + 'cancel' && cancelSettles) reject('cancelled');
      return base(cmd, args);
    };
  }

  it.each([
    ['iOS', true],
    ['Android', false],
  ])('nothing read in time (%s): the scan is cancelled and said as timed_out', async (_, cancelSettles) => {
    vi.useFakeTimers();
    pendingScan(cancelSettles);
    const { scanQr, SCAN_TIMEOUT_MS, ScanError: Err } = await tauri();
    const out = scanQr().catch((x: unknown) => x);
    await vi.advanceTimersByTimeAsync(SCAN_TIMEOUT_MS - 1);
    expect(names()).not.toContain('cancel');
    await vi.advanceTimersByTimeAsync(1);
    const e = await out;
    expect(names().filter((n) => n === 'cancel')).toHaveLength(1);
    expect(e).toBeInstanceOf(Err);
    expect((e as ScanError).kind).toBe('timed_out');
  });

  it.each([
    ['iOS', true],
    ['Android', false],
  ])('leaving the app or going back cancels the scan (%s)', async (_, cancelSettles) => {
    const target = () => {
      const handlers = new Map<string, Set<() => void>>();
      return {
        handlers,
        addEventListener: (n: string, f: () => void) => handlers.set(n, (handlers.get(n) ?? new Set()).add(f)),
        removeEventListener: (n: string, f: () => void) => handlers.get(n)?.delete(f),
        fire: (n: string) => [...(handlers.get(n) ?? [])].forEach((f) => f()),
      };
    };
    for (const [event, on] of [
      ['visibilitychange', 'document'],
      ['popstate', 'window'],
      ['hashchange', 'window'],
    ] as const) {
      const win = target();
      const doc = Object.assign(target(), { visibilityState: 'hidden' });
      vi.stubGlobal('window', win);
      vi.stubGlobal('document', doc);
      pendingScan(cancelSettles);
      const { scanQr } = await tauri();
      const out = scanQr();
      await vi.waitFor(() => expect(names()).toContain('scan'));
      (on === 'document' ? doc : win).fire(event);
      expect(await out, event).toBeNull();
      expect(names()).toContain('cancel');
      // Nothing is left listening once the scan is over.
      for (const t of [win, doc]) for (const set of t.handlers.values()) expect(set.size).toBe(0);
      calls.length = 0;
      vi.unstubAllGlobals();
    }
  });

  it('a code read sends no cancel', async () => {
    phone({});
    const { scanQr } = await tauri();
    expect(await scanQr()).toBe('K7QM-3XPA-9RTW');
    expect(names()).not.toContain('cancel');
  });

  it('is on the transport on phones only', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect((await tauri()).tauriTransport.scanQr).toBeUndefined();
    expect(makeApi((await tauri()).tauriTransport).scanQr).toBeNull();
    for (const ua of ['Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)']) {
      vi.resetModules();
      vi.stubGlobal('navigator', { userAgent: ua });
      const { tauriTransport } = await tauri();
      expect(tauriTransport.scanQr, ua).toBeTypeOf('function');
      phone({});
      expect(await makeApi(tauriTransport).scanQr!()).toBe('K7QM-3XPA-9RTW');
    }
  });
});

describe('the fake scanner', () => {
  const fake = (scan?: string | null) => makeApi(createFake({ tickMs: null, storage: null, scan }));

  it('is there only when asked for', () => {
    expect(fake().scanQr).toBeNull();
    expect(fake(null).scanQr).toBeNull();
    expect(fake('K7QM-3XPA-9RTW').scanQr).toBeTypeOf('function');
  });

  it('reads the text as given, cancels, or has no camera permission', async () => {
    expect(await fake('K7QM-3XPA-9RTW').scanQr!()).toBe('K7QM-3XPA-9RTW');
    expect(await fake('https://evil.example/x').scanQr!()).toBe('https://evil.example/x');
    expect(await fake('cancel').scanQr!()).toBeNull();
    const e = await fake('denied').scanQr!().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScanError);
    expect((e as ScanError).kind).toBe('camera_denied');
  });
});
