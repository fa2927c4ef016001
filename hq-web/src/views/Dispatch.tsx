//! 派警调度 — dispatch: the day's board (every call of the day and every one still open), each
//! with its tier, kind, place, the clock since the call, where it stands, its units with their
//! delivery, resends and steps, and an overdue flag nobody can miss; the actions on an open one
//! (send more units from HQ's ranking, reassign a unit with a reason, close with a reason); the
//! targets on the map; a new dispatch from a point on the map (or typed coordinates) or from a
//! report (Reports → 派警), with HQ's ranking of the units for that point; and the day's
//! "1-3-5 minute" figures. HQ decides every state, rank and figure; the page refetches the board
//! on every pushed `dispatch` or `upload` event, and every 10 s while a call waits for a unit
//! on scene (HQ's overdue flags move with its clock).

import L from 'leaflet';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { HqError } from '../api/client';
import * as hq from '../api/hq';
import type { DeviceRow, DispatchUnit, DispatchView, LatLon, Recommendation, Report, Unit } from '../api/types';
import { CityMap } from '../components/CityMap';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { DispatchErrorLine, RankList, StateChip, TierBadge } from '../components/DispatchBits';
import { ErrorLine, Loading, Raw } from '../components/Status';
import { TierFigures } from '../components/TierFigures';
import { t, tk, type Key } from '../i18n';
import { ageNow, freshness, FRESHNESS_COLOUR } from '../lib/age';
import {
  activeUnits, DISPATCH_KINDS, elapsedMs, fmtClockDuration, isOpen, kindFromReport, kindText, newDispatchBody,
  outcomeText, overdueText, reportPosition, sortBoard, stateText, targetMet, tierColour, TIERS, unitOverdueText,
  type DispatchKind, type Tier,
} from '../lib/dispatch';
import { cellsLayer, esc, ll } from '../lib/map';
import { fmtClockSeconds, fmtDateTime, localDate } from '../lib/time';
import { useApp, useLoad, useNow } from '../state';

/** A dispatch being written: where (from the map, typed, or the report's own place), and the
 * report it comes from. `seq` changes only when a new one starts (moving the point keeps what
 * the operator typed). */
type Draft = {
  seq: number;
  target: LatLon | null;
  /** The operator set the point (map, coordinates): sent as `target`. Otherwise, with a report,
   * HQ takes the report's own position. */
  picked: boolean;
  source: null | {
    device_id: string;
    seq: number;
    kind: string;
    type: string | null;
    summary: string | null;
    event_ms: number;
    group: string | null;
  };
  kind: DispatchKind;
  note: string;
};

let draftSeq = 0;
let pendingDraft: Draft | null = null;

/** Start a dispatch from a report (Reports' 派警 action): opens this view with the form filled. */
export function dispatchFromReport(r: Report): void {
  pendingDraft = {
    seq: ++draftSeq,
    target: reportPosition(r),
    picked: false,
    source: {
      device_id: r.device_id, seq: r.seq, kind: r.kind, type: r.type, summary: r.summary, event_ms: r.event_ms,
      group: r.group ?? null,
    },
    kind: kindFromReport(r.kind, r.type),
    note: r.summary ?? '',
  };
  location.hash = '#/dispatch';
}

type Panel = { id: string; action: 'send' | 'reassign' | 'close' } | null;
type Names = { units: Map<string, Unit>; devices: Map<string, DeviceRow> };

export function DispatchBoardView() {
  const { city, tz, ticks } = useApp();
  const now = useNow(1000);
  const [date, setDate] = useState(rememberedDay(tz));
  const [map, setMap] = useState<L.Map | null>(null);
  const [draft, setDraft] = useState<Draft | null>(() => {
    const d = pendingDraft;
    pendingDraft = null;
    return d;
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [shownRecs, setShownRecs] = useState<Recommendation[]>([]);

  const [slot, setSlot] = useState(0);
  const board = useLoad(() => hq.dispatch.board(date), [date, ticks.dispatch, ticks.upload, slot]);
  const waiting = (board.data?.dispatches ?? []).some((d) => isOpen(d) && d.on_scene_ms == null);
  useEffect(() => {
    if (!waiting) return;
    const id = setInterval(() => setSlot((x) => x + 1), 10_000);
    return () => clearInterval(id);
  }, [waiting]);

  const units = useLoad(hq.units, [ticks.upload, ticks.devices]);
  const devices = useLoad(hq.devices, [ticks.devices]);
  const names: Names = useMemo(
    () => ({
      units: new Map((units.data ?? []).map((u) => [u.device_id, u])),
      devices: new Map((devices.data ?? []).map((d) => [d.id, d])),
    }),
    [units.data, devices.data],
  );

  const list = useMemo(() => sortBoard(board.data?.dispatches ?? []), [board.data]);
  const sel = list.find((d) => d.id === selected) ?? null;
  const ackS = board.data?.ack_timeout_s ?? 30;

  const pick = (p: LatLon) =>
    setDraft((d) =>
      d
        ? { ...d, target: p, picked: true }
        : { seq: ++draftSeq, target: p, picked: true, source: null, kind: 'other', note: '' },
    );

  // A click on the map sets (or moves) the new dispatch's point.
  useEffect(() => {
    if (!map) return;
    const f = (e: L.LeafletMouseEvent) => pick({ lat: round6(e.latlng.lat), lon: round6(e.latlng.lng) });
    map.on('click', f);
    return () => void map.off('click', f);
  }, [map]);

  // Grid cells, faint, for orientation.
  useEffect(() => {
    if (!map) return;
    const layer = cellsLayer(city, () => ({ color: '#3a4a60', fillColor: '#1d2a3a', fillOpacity: 0.08 }), (id, name) => `<span class="raw">${esc(id)}</span> ${esc(name)}`).addTo(map);
    return () => void layer.remove();
  }, [map, city]);

  // The targets: tier colours, finished ones faint, overdue ones ringed in red.
  useEffect(() => {
    if (!map) return;
    const layer = L.layerGroup();
    for (const d of [...list].reverse()) {
      const open = isOpen(d);
      const c = tierColour(d.tier);
      if (d.overdue && open) {
        L.circleMarker(ll(d.target), { radius: 17, color: '#ff1744', weight: 4, fill: false, dashArray: '6 4', interactive: false }).addTo(layer);
      }
      const m = L.circleMarker(ll(d.target), {
        radius: d.id === selected ? 12 : 9,
        color: d.id === selected ? '#ffffff' : '#0b1118',
        weight: d.id === selected ? 3 : 2,
        fillColor: c.bg,
        fillOpacity: open ? 0.95 : 0.35,
        bubblingMouseEvents: false,
      });
      m.bindTooltip(targetTip(d), { className: 'map-tip' });
      m.on('click', () => {
        setSelected(d.id);
        document.querySelector(`[data-dispatch="${d.id}"]`)?.scrollIntoView({ block: 'nearest' });
      });
      m.addTo(layer);
    }
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, list, selected]);

  // The selected dispatch: its on-scene radius, and where its units are now.
  useEffect(() => {
    if (!map || !sel) return;
    const layer = L.layerGroup();
    L.circle(ll(sel.target), { radius: sel.radius_m, color: '#ffffff', weight: 1, dashArray: '4 4', fillOpacity: 0.05, interactive: false }).addTo(layer);
    for (const u of activeUnits(sel)) {
      const live = names.units.get(u.device_id);
      if (!live) continue;
      const at: L.LatLngTuple = [live.last_fix.lat, live.last_fix.lon];
      L.polyline([at, ll(sel.target)], { color: '#4fc3f7', weight: 2, dashArray: '5 5', interactive: false }).addTo(layer);
      L.circleMarker(at, { radius: 7, color: '#0b1118', weight: 2, fillColor: '#4fc3f7', fillOpacity: 0.95, bubblingMouseEvents: false })
        .bindTooltip(`<b class="raw">${esc(live.group)}</b> · ${esc(stateText(u.state))}`, { className: 'map-tip' })
        .addTo(layer);
    }
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, sel, names]);

  // The units HQ ranks for the point being decided on, numbered in HQ's order.
  useEffect(() => {
    if (!map || shownRecs.length === 0) return;
    const layer = L.layerGroup();
    shownRecs.forEach((r, i) => {
      const m = L.circleMarker([r.unit.last_fix.lat, r.unit.last_fix.lon], {
        radius: 6,
        color: '#0b1118',
        weight: 2,
        fillColor: r.stale ? FRESHNESS_COLOUR.lost : FRESHNESS_COLOUR[freshness(ageNow(r.unit.seen_ms, now))],
        fillOpacity: 0.95,
        bubblingMouseEvents: false,
      }).addTo(layer);
      if (i < 5) m.bindTooltip(String(i + 1), { permanent: true, direction: 'top', className: 'map-tip rank-tip' });
    });
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, shownRecs]);

  // The point of the new dispatch: a marker that can be dragged.
  useEffect(() => {
    if (!map || !draft?.target) return;
    const m = L.marker(ll(draft.target), {
      icon: L.divIcon({ className: 'draft-icon', html: '', iconSize: [22, 22] }),
      draggable: true,
      keyboard: false,
    })
      .bindTooltip(esc(t('dispatch.new_point')), { className: 'map-tip' })
      .on('dragend', () => {
        const p = m.getLatLng();
        pick({ lat: round6(p.lat), lon: round6(p.lng) });
      })
      .addTo(map);
    return () => void m.remove();
  }, [map, draft?.target?.lat, draft?.target?.lon]);

  const done = (v: DispatchView) => {
    setPanel(null);
    setSelected(v.id);
    board.reload();
  };
  const counts = { open: list.filter(isOpen).length, overdue: list.filter((d) => isOpen(d) && d.overdue).length };

  return (
    <section class="split wide-panel dispatch-view" data-view-root="dispatch">
      <div class="map-col">
        <CityMap city={city} onMap={setMap} label={t('dispatch.map')} />
        <TierFigures figures={board.data?.figures} date={board.data?.date ?? date} />
      </div>
      <aside class="panel">
        <header class="page-head">
          <h2>{t('nav.dispatch')}</h2>
          <DateField value={date} onChange={(d) => (rememberDay(d), setDate(d))} />
          {!draft && (
            <button class="btn primary small" onClick={() => setDraft({ seq: ++draftSeq, target: null, picked: false, source: null, kind: 'other', note: '' })} data-action="new-dispatch">
              {t('dispatch.new')}
            </button>
          )}
        </header>
        {!draft && <p class="muted small">{t('dispatch.hint_click')}</p>}
        {draft && (
          <NewDispatchForm
            key={draft.seq}
            draft={draft}
            onPoint={pick}
            onRecs={setShownRecs}
            onCancel={() => setDraft(null)}
            onDone={(v) => {
              setDraft(null);
              done(v);
            }}
          />
        )}
        <ErrorLine error={board.error} />
        <Loading on={board.loading && !board.data} />
        {board.data && (
          <p class="board-count" data-count={list.length} data-open={counts.open} data-overdue={counts.overdue}>
            {t('dispatch.count', { n: list.length, open: counts.open })}
            {counts.overdue > 0 && <span class="badge overdue">{t('dispatch.count_overdue', { n: counts.overdue })}</span>}
          </p>
        )}
        {board.data && list.length === 0 && <p class="note muted" data-empty="1">{t('dispatch.none')}</p>}
        <ol class="board" data-board={board.data?.date ?? ''}>
          {list.map((d) => (
            <Card
              key={d.id}
              d={d}
              now={now}
              tz={tz}
              date={date}
              ackS={ackS}
              names={names}
              selected={d.id === selected}
              onSelect={() => setSelected(d.id)}
              panel={panel?.id === d.id ? panel.action : null}
              onPanel={(action) => {
                setSelected(d.id);
                setPanel(action ? { id: d.id, action } : null);
                if (!action) setShownRecs([]);
              }}
              onRecs={setShownRecs}
              onDone={done}
            />
          ))}
        </ol>
      </aside>
    </section>
  );
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function targetTip(d: DispatchView): string {
  return [
    `<b>${esc(kindText(d.kind))}</b> · ${esc(t('dispatch.tier', { n: d.tier }))} · ${esc(stateText(d.state))}`,
    d.address ? `<span class="user">${esc(d.address)}</span>` : '',
    d.overdue && isOpen(d) ? `<b class="tip-overdue">${esc(t('dispatch.overdue'))}</b>` : '',
  ]
    .filter(Boolean)
    .join('<br>');
}

/** A unit as the control room knows it: group, mode and officers when it is on patrol, else
 * the device's name. */
function UnitName({ id, names }: { id: string; names: Names }) {
  const u = names.units.get(id);
  if (u) {
    return (
      <span class="who">
        <Raw>{u.group}</Raw> {tk(`patrol.mode.${u.mode}`, undefined, u.mode)}
        {(u.officers ?? []).length > 0 && <span class="officers user"> {(u.officers ?? []).join('、')}</span>}
      </span>
    );
  }
  const dev = names.devices.get(id);
  return <span class="who">{dev ? <span class="user">{dev.name}</span> : <Raw>{id.slice(0, 8)}</Raw>}</span>;
}

function NewDispatchForm({
  draft, onPoint, onRecs, onCancel, onDone,
}: {
  draft: Draft;
  onPoint: (p: LatLon) => void;
  onRecs: (r: Recommendation[]) => void;
  onCancel: () => void;
  onDone: (v: DispatchView) => void;
}) {
  const { ticks, tz } = useApp();
  const [kind, setKind] = useState<DispatchKind>(draft.kind);
  const [tier, setTier] = useState<Tier>(3);
  const [address, setAddress] = useState('');
  const [note, setNote] = useState(draft.note);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HqError | string | null>(null);
  const target = draft.target;
  const recs = useLoad<Recommendation[] | null>(
    () => (target ? hq.dispatch.recommend(target.lat, target.lon) : Promise.resolve(null)),
    [target?.lat, target?.lon, ticks.upload, ticks.dispatch],
  );
  useEffect(() => {
    onRecs(recs.data ?? []);
  }, [recs.data]);
  useEffect(() => () => onRecs([]), []);

  const toggle = (id: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  // Sent in HQ's order, whatever order they were ticked in.
  const picked = (recs.data ?? []).map((r) => r.device_id).filter((id) => chosen.has(id));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target) {
      setError(t('dispatch.error.pick_point'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const v = await hq.dispatch.create(
        newDispatchBody({
          kind, tier, address, note,
          target: draft.picked || !draft.source ? target : null,
          source: draft.source ? { device_id: draft.source.device_id, seq: draft.source.seq } : null,
          units: picked,
        }),
      );
      onDone(v);
    } catch (err) {
      setError(err instanceof HqError ? err : String(err));
    } finally {
      setBusy(false);
    }
  };

  // Typed coordinates (a caller's position read out on the phone): every keystroke is kept in
  // state, so a re-render (a new upload re-ranks the units every few seconds) never puts the old
  // value back under the operator's fingers; the point moves on change once both fields parse.
  // A click or drag on the map shows its point.
  const [typed, setTyped] = useState<{ lat?: string; lon?: string }>({});
  const shown = {
    lat: typed.lat ?? (target ? String(target.lat) : ''),
    lon: typed.lon ?? (target ? String(target.lon) : ''),
  };
  const typing = (which: 'lat' | 'lon') => (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    setTyped((t) => ({ ...t, [which]: value }));
  };
  const coord = (which: 'lat' | 'lon') => (e: Event) => {
    // Both fields as they are in the form now: two changes can land before the next render,
    // and `shown` would still hold the other field's old value.
    const input = e.target as HTMLInputElement;
    const field = (f: 'lat' | 'lon') =>
      f === which ? input.value : (input.form?.querySelector<HTMLInputElement>(`input[data-field=${f}]`)?.value ?? shown[f]);
    const next = { lat: field('lat'), lon: field('lon') };
    const p = { lat: Number(next.lat), lon: Number(next.lon) };
    if (next.lat.trim() && next.lon.trim() && Number.isFinite(p.lat) && Number.isFinite(p.lon)) {
      setTyped({});
      onPoint(p);
    } else setTyped((t) => ({ ...t, [which]: next[which] }));
  };

  return (
    <form class="card new-dispatch" onSubmit={submit} data-form="new-dispatch" data-lat={target?.lat ?? ''} data-lon={target?.lon ?? ''} data-source={draft.source ? `${draft.source.device_id}:${draft.source.seq}` : ''}>
      <h3>{t('dispatch.new')}</h3>
      {draft.source && (
        <p class="from-report" data-from-report="1">
          {t('dispatch.from_report')}: {tk(`report.kind.${draft.source.kind}`, undefined, draft.source.kind)} · {fmtDateTime(draft.source.event_ms, tz)}
          {draft.source.group && <> · <Raw>{draft.source.group}</Raw></>}
          {draft.source.summary && <> · <span class="user">{draft.source.summary}</span></>}
          <br />
          <span class="muted small">{t('dispatch.from_report_time')}</span>
        </p>
      )}
      {!target && <p class="note warn" data-need-point="1">{t(draft.source ? 'dispatch.report_no_point' : 'dispatch.hint_click')}</p>}
      <div class="form-grid">
        <label>
          {t('dispatch.kind')}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as DispatchKind)} data-field="kind">
            {DISPATCH_KINDS.map((k) => <option key={k} value={k}>{kindText(k)}</option>)}
          </select>
        </label>
        <fieldset class="tiers">
          <legend>{t('dispatch.tier_label')}</legend>
          {TIERS.map((n) => (
            <label key={n} class={`tier-pick ${tier === n ? 'on' : ''}`}>
              <input type="radio" name="tier" value={n} checked={tier === n} onChange={() => setTier(n)} data-field={`tier-${n}`} />
              <TierBadge tier={n} />
            </label>
          ))}
        </fieldset>
        <label class="wide">
          {t('dispatch.address')}
          <input type="text" value={address} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} placeholder={t('dispatch.address_hint')} data-field="address" />
        </label>
        <label class="wide">
          {t('dispatch.note')}
          <input type="text" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} placeholder={t('dispatch.note_hint')} data-field="note" />
        </label>
        <label>
          {t('dispatch.lat')}
          <input type="number" step="any" min="-90" max="90" value={shown.lat} onInput={typing('lat')} onChange={coord('lat')} data-field="lat" />
        </label>
        <label>
          {t('dispatch.lon')}
          <input type="number" step="any" min="-180" max="180" value={shown.lon} onInput={typing('lon')} onChange={coord('lon')} data-field="lon" />
        </label>
      </div>
      {target && (
        <>
          <h4>{t('dispatch.ranked')}</h4>
          <p class="muted small">{t('dispatch.ranked_hint')}</p>
          <ErrorLine error={recs.error} />
          <Loading on={recs.loading && !recs.data} />
          {recs.data && <RankList recs={recs.data} selected={chosen} onToggle={toggle} tier={tier} label={t('dispatch.ranked')} />}
        </>
      )}
      <DispatchErrorLine error={error} />
      <div class="row">
        <button type="submit" class="btn primary" disabled={busy} data-action="create">
          {picked.length > 0 ? t('dispatch.create_send', { n: picked.length }) : t('dispatch.create_only')}
        </button>
        <button type="button" class="btn" onClick={onCancel} data-action="cancel">{t('common.cancel')}</button>
      </div>
    </form>
  );
}

function Card({
  d, now, tz, date, ackS, names, selected, onSelect, panel, onPanel, onRecs, onDone,
}: {
  d: DispatchView;
  now: number;
  tz: string;
  date: string;
  ackS: number;
  names: Names;
  selected: boolean;
  onSelect: () => void;
  panel: 'send' | 'reassign' | 'close' | null;
  onPanel: (a: 'send' | 'reassign' | 'close' | null) => void;
  onRecs: (r: Recommendation[]) => void;
  onDone: (v: DispatchView) => void;
}) {
  const open = isOpen(d);
  const flag = open ? overdueText(d, ackS) : null;
  const met = targetMet(d, now);
  const active = activeUnits(d);
  const at = (ms: number | null | undefined) => (ms == null ? '—' : localDate(ms, tz) === date ? fmtClockSeconds(ms, tz) : fmtDateTime(ms, tz));
  const since = (ms: number | null | undefined) => (ms == null ? null : <span class="muted small"> (+{fmtClockDuration(ms - d.call_ms)})</span>);
  const step = (label: Key, ms: number | null | undefined, key: string) => (
    <div>
      <dt>{t(label)}</dt>
      <dd data-time={key} data-ms={ms ?? ''}>{at(ms)}{key === 'call' ? null : since(ms)}</dd>
    </div>
  );
  return (
    <li
      class={`dcard ${open ? 'open' : 'finished'} ${flag ? 'overdue' : ''} ${selected ? 'sel' : ''}`}
      data-dispatch={d.id}
      data-state={d.state}
      data-tier={d.tier}
      data-kind={d.kind}
      data-overdue={flag ? '1' : '0'}
      data-closed={d.closed_ms != null ? '1' : '0'}
      style={{ borderLeftColor: tierColour(d.tier).bg }}
      onClick={onSelect}
    >
      <div class="dhead">
        <TierBadge tier={d.tier} />
        <b class="kind">{kindText(d.kind)}</b>
        <StateChip state={d.state} />
        {d.source != null && <span class="badge">{t('dispatch.badge.from_report')}</span>}
        <span class="spacer" />
        <span
          class={`dclock ${open && met === false ? 'late' : ''} ${met === true ? 'met' : ''}`}
          data-elapsed={elapsedMs(d, now)}
          title={t('dispatch.clock_hint', { n: d.tier })}
        >
          {fmtClockDuration(elapsedMs(d, now))}
        </span>
      </div>
      {flag && <p class="overdue-flag" role="alert" data-overdue-text="1">{t('dispatch.overdue_flag', { what: flag })}</p>}
      <p class="addr">
        {d.address ? <span class="user">{d.address}</span> : <Raw>{`${d.target.lat.toFixed(5)}, ${d.target.lon.toFixed(5)}`}</Raw>}
        {d.note && <span class="muted"> · <span class="user">{d.note}</span></span>}
      </p>
      <dl class="times">
        {step('dispatch.call', d.call_ms, 'call')}
        {step('dispatch.sent', d.sent_ms, 'sent')}
        {step('dispatch.accepted', d.accepted_ms, 'accepted')}
        {step('dispatch.on_scene', d.on_scene_ms, 'on_scene')}
        {step('dispatch.cleared', d.cleared_ms, 'cleared')}
      </dl>
      {(met !== null || d.outcome) && (
        <p class="small">
          {met === true && <span class="verdict good" data-met="1">{t('dispatch.met', { n: d.tier })}</span>}
          {met === false && <span class="verdict poor" data-met="0">{t('dispatch.missed', { n: d.tier })}</span>}
          {d.outcome && <span class="muted"> · {t('dispatch.outcome')}: {outcomeText(d.outcome)}</span>}
        </p>
      )}
      {d.units.length > 0 ? (
        <ul class="dunits">
          {d.units.map((u) => (
            <UnitRow key={`${u.device_id}:${u.inbox_seq}`} u={u} names={names} ackS={ackS} at={at} />
          ))}
        </ul>
      ) : (
        <p class="muted small" data-no-units="1">{t('dispatch.no_unit_sent')}</p>
      )}
      {d.closed_ms != null && (
        <p class="closed-line" data-closed-at={d.closed_ms}>
          {t('dispatch.closed_at', { at: at(d.closed_ms) })}
          {d.closed_reason && <> · {t('dispatch.reason')}: <span class="user">{d.closed_reason}</span></>}
        </p>
      )}
      <p class="muted small">{t('dispatch.created_by')} <span class="user">{d.created_by}</span> · {at(d.created_ms)}</p>
      {open && (
        <div class="row actions" onClick={(e) => e.stopPropagation()}>
          <button class={`btn small ${panel === 'send' ? 'primary' : ''}`} onClick={() => onPanel(panel === 'send' ? null : 'send')} data-action="send-more">
            {d.units.length === 0 ? t('dispatch.send') : t('dispatch.send_more')}
          </button>
          <button class={`btn small ${panel === 'reassign' ? 'primary' : ''}`} onClick={() => onPanel(panel === 'reassign' ? null : 'reassign')} disabled={active.length === 0} data-action="reassign">
            {t('dispatch.reassign')}
          </button>
          <button class={`btn small ${panel === 'close' ? 'danger' : ''}`} onClick={() => onPanel(panel === 'close' ? null : 'close')} data-action="close">
            {t('dispatch.close')}
          </button>
        </div>
      )}
      {open && panel && (
        <div class="action-panel" onClick={(e) => e.stopPropagation()} data-panel={panel}>
          {panel === 'send' && <SendMore d={d} onRecs={onRecs} onDone={onDone} onCancel={() => onPanel(null)} />}
          {panel === 'reassign' && <Reassign d={d} names={names} onRecs={onRecs} onDone={onDone} onCancel={() => onPanel(null)} />}
          {panel === 'close' && <Close d={d} onDone={onDone} onCancel={() => onPanel(null)} />}
        </div>
      )}
    </li>
  );
}

function UnitRow({ u, names, ackS, at }: { u: DispatchUnit; names: Names; ackS: number; at: (ms: number | null | undefined) => string }) {
  const late = unitOverdueText(u, ackS);
  return (
    <li class={`dunit ${u.withdrawn_ms != null ? 'withdrawn' : ''} ${late ? 'late' : ''}`} data-unit={u.device_id} data-unit-state={u.state} data-overdue={u.overdue ?? ''} data-resends={u.resends}>
      <UnitName id={u.device_id} names={names} />
      <StateChip state={u.state} />
      <span class="small">{t('dispatch.sent_at', { at: at(u.sent_ms) })}</span>
      <span class="small" data-delivered={u.delivered_ms ?? ''}>
        {u.delivered_ms != null ? t('dispatch.delivered_at', { at: at(u.delivered_ms) }) : <b class="warn-text">{t('dispatch.not_delivered')}</b>}
      </span>
      {u.resends > 0 && <span class="badge">{t('dispatch.resends', { n: u.resends, at: at(u.last_sent_ms) })}</span>}
      {late && <span class="badge overdue">{late}</span>}
      {u.steps.declined_ms != null && (
        <span class="small bad-text">
          {t('dispatch.declined_at', { at: at(u.steps.declined_ms) })}
          {u.steps.reason && <> · <span class="user">{u.steps.reason}</span></>}
        </span>
      )}
      {u.withdrawn_ms != null && (
        <span class="small muted">
          {t('dispatch.withdrawn_at', { at: at(u.withdrawn_ms) })}
          {u.withdrawn_reason && <> · <span class="user">{u.withdrawn_reason}</span></>}
        </span>
      )}
    </li>
  );
}

/** Units HQ ranks for the dispatch's point, reloaded when units move or dispatches change. */
function useRanking(d: DispatchView, onRecs: (r: Recommendation[]) => void) {
  const { ticks } = useApp();
  const recs = useLoad(() => hq.dispatch.recommend(d.target.lat, d.target.lon), [d.id, ticks.upload, ticks.dispatch]);
  useEffect(() => {
    onRecs(recs.data ?? []);
  }, [recs.data]);
  useEffect(() => () => onRecs([]), []);
  return recs;
}

function usePicks() {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return { chosen, toggle };
}

/** Run an action on the dispatch; HQ's refusal stays on the panel in the operator's language. */
function useAction(onDone: (v: DispatchView) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HqError | string | null>(null);
  const run = async (f: () => Promise<DispatchView>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await f());
    } catch (e) {
      setError(e instanceof HqError ? e : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

function SendMore({ d, onRecs, onDone, onCancel }: { d: DispatchView; onRecs: (r: Recommendation[]) => void; onDone: (v: DispatchView) => void; onCancel: () => void }) {
  const recs = useRanking(d, onRecs);
  const { chosen, toggle } = usePicks();
  const act = useAction(onDone);
  const on = activeUnits(d).map((u) => u.device_id);
  const picked = (recs.data ?? []).map((r) => r.device_id).filter((id) => chosen.has(id) && !on.includes(id));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (picked.length === 0) return act.setError(t('dispatch.error.pick_unit'));
        void act.run(() => hq.dispatch.send(d.id, { units: picked }));
      }}
    >
      <h4>{t('dispatch.ranked')}</h4>
      <ErrorLine error={recs.error} />
      <Loading on={recs.loading && !recs.data} />
      {recs.data && <RankList recs={recs.data} selected={chosen} onToggle={toggle} tier={d.tier} on={on} label={t('dispatch.ranked')} />}
      <DispatchErrorLine error={act.error} />
      <div class="row">
        <button type="submit" class="btn primary" disabled={act.busy} data-action="confirm-send">{t('dispatch.send_n', { n: picked.length })}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

function Reassign({ d, names, onRecs, onDone, onCancel }: { d: DispatchView; names: Names; onRecs: (r: Recommendation[]) => void; onDone: (v: DispatchView) => void; onCancel: () => void }) {
  const active = activeUnits(d);
  const [from, setFrom] = useState(active[0]?.device_id ?? '');
  const [reason, setReason] = useState('');
  const recs = useRanking(d, onRecs);
  const { chosen, toggle } = usePicks();
  const act = useAction(onDone);
  const on = active.map((u) => u.device_id).filter((id) => id !== from);
  const to = (recs.data ?? []).map((r) => r.device_id).filter((id) => chosen.has(id) && id !== from && !on.includes(id));
  const label = (id: string) => {
    const u = names.units.get(id);
    return u ? `${u.group} ${tk(`patrol.mode.${u.mode}`, undefined, u.mode)}` : (names.devices.get(id)?.name ?? id.slice(0, 8));
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return act.setError(t('dispatch.error.reason_required'));
        void act.run(() => hq.dispatch.reassign(d.id, { from, to, reason }));
      }}
    >
      <label>
        {t('dispatch.reassign_from')}
        <select value={from} onChange={(e) => setFrom((e.target as HTMLSelectElement).value)} data-field="from">
          {active.map((u) => <option key={u.device_id} value={u.device_id} class="user">{label(u.device_id)}</option>)}
        </select>
      </label>
      <h4>{t('dispatch.reassign_to')}</h4>
      <p class="muted small">{t('dispatch.reassign_to_hint')}</p>
      <ErrorLine error={recs.error} />
      {recs.data && <RankList recs={recs.data} selected={chosen} onToggle={toggle} tier={d.tier} on={on} exclude={[from]} label={t('dispatch.reassign_to')} />}
      <label>
        {t('dispatch.reason')}
        <input type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder={t('dispatch.reassign_reason_hint')} data-field="reason" />
      </label>
      <DispatchErrorLine error={act.error} />
      <div class="row">
        <button type="submit" class="btn primary" disabled={act.busy || !from} data-action="confirm-reassign">{t('dispatch.reassign_go', { n: to.length })}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

const CLOSE_REASONS: Key[] = ['dispatch.close_reason.done', 'dispatch.close_reason.false_alarm', 'dispatch.close_reason.duplicate', 'dispatch.close_reason.handed_over'];

function Close({ d, onDone, onCancel }: { d: DispatchView; onDone: (v: DispatchView) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const act = useAction(onDone);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return act.setError(t('dispatch.error.reason_required'));
        void act.run(() => hq.dispatch.close(d.id, { reason }));
      }}
    >
      <p class="small">{t('dispatch.close_lead', { n: activeUnits(d).length })}</p>
      <div class="row">
        {CLOSE_REASONS.map((k) => (
          <button type="button" key={k} class="btn small" onClick={() => setReason(t(k))}>{t(k)}</button>
        ))}
      </div>
      <label>
        {t('dispatch.reason')}
        <input type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} data-field="reason" />
      </label>
      <DispatchErrorLine error={act.error} />
      <div class="row">
        <button type="submit" class="btn danger" disabled={act.busy} data-action="confirm-close">{t('dispatch.close')}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}
