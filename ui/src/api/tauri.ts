//! The real backend: Tauri v2 IPC. Argument keys are the contract's snake_case names, so the
//! shell's commands must be declared with `#[tauri::command(rename_all = "snake_case")]`.

import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getVersion } from '@tauri-apps/api/app';
import { ScanError, type Feedback, type Transport } from './transport';

/** Android and iOS web views: where the haptics and barcode-scanner plugins are registered
 * (src-tauri, `cfg(mobile)`). */
const onPhone = typeof navigator !== 'undefined' && /Android|iPhone|iPad/i.test(navigator.userAgent);

/** The save buzz through the official haptics plugin; a phone without a vibrator says nothing. */
function feedback(kind: Feedback) {
  if (!onPhone) return;
  const done =
    kind === 'saved'
      ? invoke('plugin:haptics|impact_feedback', { style: 'medium' })
      : invoke('plugin:haptics|notification_feedback', { type: 'error' });
  done.catch(() => {});
}

/** What the plugin's `check_permissions` / `request_permissions` answer (`camera` may be missing
 * on Android after a refusal with a rationale: not granted either way). */
type CameraPermission = { camera?: 'granted' | 'denied' | 'prompt' | 'prompt-with-rationale' };

/** The plugin's camera view covers the whole web view (`windowed: false`) and has no cancel
 * button of its own: with no code read in this long, the scan is cancelled and said so. */
export const SCAN_TIMEOUT_MS = 60_000;

/** The text of whatever the plugin rejected with (a string, `{message}`, an Error). */
function messageOf(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}

/** Ask for the camera unless it is already allowed; false when it still is not. */
async function cameraAllowed(): Promise<boolean> {
  const now = await invoke<CameraPermission | null>('plugin:barcode-scanner|check_permissions');
  if (now?.camera === 'granted') return true;
  const asked = await invoke<CameraPermission | null>('plugin:barcode-scanner|request_permissions');
  return asked?.camera === 'granted';
}

/** What a scan came to: the plugin's answer or refusal, or our own cancel. */
type ScanOutcome = { read: { content?: unknown } | null } | { refused: unknown } | { stopped: 'left' | 'timed_out' };

/**
 * One QR code through the official barcode-scanner plugin (full screen, QR only): its text, or
 * null when the scan was cancelled. The camera view hides the app and has no cancel button, so
 * the scan is cancelled here when the officer leaves the app (home key) or goes back, or when
 * nothing is read within `SCAN_TIMEOUT_MS` (then `timed_out`). Such a cancel settles at once:
 * on Android the plugin's `cancel` closes the camera but never settles the pending `scan`
 * (tauri-apps/plugins-workspace#3560). Every failure is a `ScanError`.
 */
export async function scanQr(): Promise<string | null> {
  let allowed: boolean;
  try {
    allowed = await cameraAllowed();
  } catch (e) {
    throw new ScanError('failed', messageOf(e));
  }
  if (!allowed) throw new ScanError('camera_denied', 'camera permission not granted');

  let stop: (why: 'left' | 'timed_out') => void = () => {};
  const stopped = new Promise<ScanOutcome>((resolve) => {
    let once = false;
    stop = (why) => {
      if (once) return;
      once = true;
      resolve({ stopped: why });
      invoke('plugin:barcode-scanner|cancel').catch(() => {});
    };
  });
  const left = () => stop('left');
  const timer = setTimeout(() => stop('timed_out'), SCAN_TIMEOUT_MS);
  const hidden = () => {
    if (document.visibilityState === 'hidden') left();
  };
  const dom = typeof window !== 'undefined' && typeof document !== 'undefined';
  if (dom) {
    document.addEventListener('visibilitychange', hidden);
    window.addEventListener('popstate', left);
    window.addEventListener('hashchange', left);
  }
  const scanned = invoke<{ content?: unknown } | null>('plugin:barcode-scanner|scan', { windowed: false, formats: ['QR_CODE'] }).then(
    (read): ScanOutcome => ({ read }),
    (refused: unknown): ScanOutcome => ({ refused }),
  );
  try {
    const out = await Promise.race([scanned, stopped]);
    if ('stopped' in out) {
      if (out.stopped === 'timed_out') throw new ScanError('timed_out', 'no QR code read in time');
      return null;
    }
    if ('read' in out) return typeof out.read?.content === 'string' ? out.read.content : '';
    const m = messageOf(out.refused);
    if (/cancel/i.test(m)) return null;
    // iOS before 14 asks inside `scan` and rejects "denied by the user"; Android without the
    // permission rejects "No permission to use camera".
    if (/permission|denied/i.test(m)) throw new ScanError('camera_denied', m);
    throw new ScanError('failed', m);
  } finally {
    clearTimeout(timer);
    if (dom) {
      document.removeEventListener('visibilitychange', hidden);
      window.removeEventListener('popstate', left);
      window.removeEventListener('hashchange', left);
    }
  }
}

export const tauriTransport: Transport = {
  name: 'tauri',
  invoke: (cmd, args) => invoke(cmd, args ?? {}),
  channel<T>(onMessage: (msg: T) => void) {
    const ch = new Channel<T>();
    ch.onmessage = onMessage;
    return ch;
  },
  async listen(event, handler) {
    return listen(event, (e) => handler(e.payload as never));
  },
  appVersion: () => getVersion(),
  feedback,
  // Desktop builds have no barcode plugin: no scanner, and the enrolment screen says so.
  ...(onPhone ? { scanQr } : {}),
};
