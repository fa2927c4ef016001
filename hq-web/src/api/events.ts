//! HQ's push channel: Server-Sent Events at /api/v1/events (same origin, the session cookie
//! goes by itself). `upload` means a device's entries reached HQ; `devices` that one was
//! enrolled or revoked; `city` that the reference data was replaced; `dispatch` that a dispatch
//! was created, sent, delivered, resent, reassigned or closed; `lagged` that this page fell behind
//! and missed some. EventSource reconnects by itself;
//! `onState` tells the header whether the channel is live.

import type { DispatchEvent, UploadEvent } from './types';

export type EventHandlers = {
  upload: (e: UploadEvent) => void;
  devices: () => void;
  city: () => void;
  dispatch: (e: DispatchEvent) => void;
  /** HQ dropped events this page was too slow to read: refetch everything. */
  lagged: () => void;
  onState: (live: boolean) => void;
};

export function connectEvents(h: EventHandlers): () => void {
  if (typeof EventSource === 'undefined') {
    h.onState(false);
    return () => undefined;
  }
  const es = new EventSource('/api/v1/events');
  es.onopen = () => h.onState(true);
  es.onerror = () => h.onState(false);
  es.addEventListener('upload', (ev) => {
    try {
      h.upload(JSON.parse((ev as MessageEvent<string>).data) as UploadEvent);
    } catch {
      h.upload({ device_id: '', head_seq: 0, entries: 0 });
    }
  });
  es.addEventListener('lagged', () => h.lagged());
  es.addEventListener('devices', () => h.devices());
  es.addEventListener('city', () => h.city());
  es.addEventListener('dispatch', (ev) => {
    try {
      h.dispatch(JSON.parse((ev as MessageEvent<string>).data) as DispatchEvent);
    } catch {
      h.dispatch({ dispatch_id: '' });
    }
  });
  return () => es.close();
}
