//! 设备 — devices: enrol one (the one-time code in big type and its QR), the list with last
//! contact and chain head, revoke (admins, after a confirmation), and the quarantine and
//! conflict lists with their reasons. Viewers see everything but the admin actions.

import { useState } from 'preact/hooks';
import { HqError } from '../api/client';
import * as hq from '../api/hq';
import type { DeviceRow, Enrollment } from '../api/types';
import { ErrorLine, Raw } from '../components/Status';
import { t, type Key } from '../i18n';
import { fmtAge, fmtDateTime } from '../lib/time';
import { errorText, useApp, useLoad, useNow } from '../state';

export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}

export function DevicesView() {
  const { operator, tz, ticks } = useApp();
  const admin = operator.role === 'admin';
  const now = useNow(10_000);
  const list = useLoad(hq.devices, [ticks.devices, ticks.upload]);
  const quarantine = useLoad(hq.quarantine, [ticks.upload]);
  const conflicts = useLoad(hq.conflicts, [ticks.upload]);
  const [confirm, setConfirm] = useState<DeviceRow | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const revoke = async (d: DeviceRow) => {
    setConfirm(null);
    try {
      await hq.revokeDevice(d.id);
      list.reload();
    } catch (e) {
      setActionError(e instanceof HqError ? errorText(e) : String(e));
    }
  };

  return (
    <section class="page" data-view-root="devices">
      <header class="page-head">
        <h2>{t('nav.devices')}</h2>
      </header>
      <div class="two">
        <Enrol admin={admin} />
        <div class="card">
          <h3>{t('devices.problems')}</h3>
          <h4>{t('devices.quarantine', { n: quarantine.data?.length ?? 0 })}</h4>
          <ErrorLine error={quarantine.error} />
          <ul class="problems" data-list="quarantine">
            {(quarantine.data ?? []).map((q) => (
              <li key={`${q.device_id}:${q.seq}`}><Raw>{q.device_id}</Raw> · {t('reports.seq', { n: q.seq })} · <Raw>{q.code}</Raw> — <Raw>{q.reason}</Raw></li>
            ))}
          </ul>
          <h4>{t('devices.conflicts', { n: conflicts.data?.length ?? 0 })}</h4>
          <ErrorLine error={conflicts.error} />
          <ul class="problems" data-list="conflicts">
            {(conflicts.data ?? []).map((c) => (
              <li key={`${c.device_id}:${c.seq}`}>
                <Raw>{c.device_id}</Raw> · {t('reports.seq', { n: c.seq })} · {t('devices.conflict_reason')}{' '}
                <Raw>{`${c.hq_hash.slice(0, 12)}… ≠ ${c.device_hash.slice(0, 12)}…`}</Raw>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <div class="card">
        <h3>{t('devices.list', { n: list.data?.length ?? 0 })}</h3>
        <ErrorLine error={list.error} />
        {actionError && <p class="note error" role="alert">{actionError}</p>}
        {confirm && (
          <div class="confirm" role="alertdialog" aria-labelledby="confirm-title">
            <p id="confirm-title">{t('devices.confirm_revoke', { name: confirm.name })}</p>
            <button class="btn danger" onClick={() => revoke(confirm)} data-action="confirm-revoke">{t('devices.revoke')}</button>
            <button class="btn" onClick={() => setConfirm(null)}>{t('common.cancel')}</button>
          </div>
        )}
        <div class="table-wrap">
          <table class="list-table" data-table="devices">
            <thead>
              <tr>
                <th>{t('devices.name')}</th>
                <th>{t('devices.id')}</th>
                <th>{t('devices.status')}</th>
                <th>{t('devices.last_contact')}</th>
                <th>{t('devices.head')}</th>
                <th>{t('devices.enrolled')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(list.data ?? []).map((d) => (
                <tr key={d.id} data-device={d.id} class={d.status === 'revoked' ? 'revoked' : ''}>
                  <td><span class="user">{d.name}</span></td>
                  <td><Raw>{d.id}</Raw></td>
                  <td>{t(`devices.status.${d.status}` as Key)}</td>
                  <td>{d.last_seen_ms ? `${fmtDateTime(d.last_seen_ms, tz)} (${fmtAge(now - d.last_seen_ms)})` : '—'}</td>
                  <td>{t('reports.seq', { n: d.head.seq })}</td>
                  <td>{fmtDateTime(d.enrolled_ms, tz)}</td>
                  <td>
                    {admin && d.status === 'active' && (
                      <button class="btn small danger" onClick={() => setConfirm(d)} data-action="revoke">{t('devices.revoke')}</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function Enrol({ admin }: { admin: boolean }) {
  const { tz } = useApp();
  const [name, setName] = useState('');
  const [code, setCode] = useState<Enrollment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setError(t('devices.name_needed'));
    setBusy(true);
    setError(null);
    try {
      setCode(await hq.enrol(name.trim()));
      setName('');
    } catch (err) {
      setError(err instanceof HqError ? errorText(err) : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card enrol" onSubmit={submit}>
      <h3>{t('devices.enrol')}</h3>
      {!admin && <p class="note muted">{t('devices.admin_only')}</p>}
      <label for="device-name">{t('devices.name')}</label>
      <input id="device-name" value={name} disabled={!admin} placeholder={t('devices.name_hint')} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <button class="btn primary" type="submit" disabled={!admin || busy}>{t('devices.create_code')}</button>
      {error && <p class="note error" role="alert">{error}</p>}
      {code && (
        <div class="code-box" data-code>
          <p class="muted">{t('devices.code_for', { name: code.name, until: fmtDateTime(code.expires_ms, tz) })}</p>
          <p class="code"><Raw>{code.code}</Raw></p>
          {code.qr_svg && <img class="qr" src={svgDataUrl(code.qr_svg)} alt={t('devices.qr')} />}
          <p class="note muted">{t('devices.code_once')}</p>
        </div>
      )}
    </form>
  );
}
