//! The real backend: Tauri v2 IPC. Argument keys are the contract's snake_case names, so the
//! shell's commands must be declared with `#[tauri::command(rename_all = "snake_case")]`.

import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getVersion } from '@tauri-apps/api/app';
import type { Feedback, Transport } from './transport';

/** Android and iOS web views: where the haptics plugin is registered (src-tauri, `cfg(mobile)`). */
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
};
