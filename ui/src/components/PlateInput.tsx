//! A plate field for one hand, in gloves: the plate as character cells (湘 J · 1 2 3 4 5, the
//! eighth cell dashed for new energy) and an on-screen keypad as a bottom sheet — a province
//! page (湘 first, then 挂学警港澳) and a letters-and-digits page, a key to turn the page, clear,
//! backspace and done.
//! No system keyboard: the focusable control is a visually hidden input with `inputMode="none"`
//! that holds the plate as text, so the label, focus, a physical keyboard and paste work as
//! with any input (keys typed go into the cells, upper-cased). The sheet overlays the bottom of
//! the screen (nothing below moves); the page scrolls only so the cells stay above it.
//! The value handed out is the plate as the form sends it ("湘J12345"), or '' when the cells
//! hold nothing but the preset 湘J. The logic lives in lib/plate-keypad.ts.

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t, tIssue } from '../i18n';
import {
  backspace, cellCount, clear, fromValue, keyAllowed, moveTo, NEW_ENERGY_LEN, pageFor, paste, PLATE_DIGITS, PLATE_LETTERS,
  PLATE_PRESET, PLATE_SUFFIXES, plateFeedback, press, provinceKeys, toValue,
  type KeypadPage, type PlatePreset, type PlateState,
} from '../lib/plate-keypad';
import { Field } from './Field';

export type PlateInputProps = {
  /** The input's id and the field's path as the core names it (`plate`, `vehicles[1].plate`). */
  id: string;
  label: string;
  hint?: string;
  /** The form's or Rust's error for this field (the parent clears it when the plate changes). */
  error?: string | null;
  optional?: boolean;
  value: string;
  onChange: (v: string) => void;
  preset?: PlatePreset;
};

/** Keep the focus on the hidden input while keys and cells are tapped (no blur mid-plate). */
const keepFocus = (e: Event) => e.preventDefault();

export function PlateInput(p: PlateInputProps) {
  const preset = p.preset ?? PLATE_PRESET;
  const [s, setS] = useState<PlateState>(() => fromValue(p.value, preset));
  const [page, setPage] = useState<KeypadPage>(() => pageFor(s.cursor));
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const cells = useRef<HTMLDivElement>(null);
  const sheet = useRef<HTMLDivElement>(null);

  // A value set from outside (a draft or a correction loaded, 与上次相同) replaces the cells; the
  // value this field handed out itself does not (so a lone 湘 stays a lone 湘).
  const seen = useRef(p.value);
  let state = s;
  if (p.value !== seen.current) {
    seen.current = p.value;
    if (p.value !== toValue(s, preset)) {
      state = fromValue(p.value, preset);
      setS(state);
      setPage(pageFor(state.cursor));
    }
  }
  const shown = state.chars.join('');

  const apply = (next: PlateState) => {
    setS(next);
    setPage(pageFor(next.cursor));
    setEditing(true);
    const v = toValue(next, preset);
    seen.current = v;
    if (v !== p.value) p.onChange(v);
    if (input.current) input.current.value = next.chars.join('');
  };

  const openKeypad = () => {
    if (open) return;
    setOpen(true);
    setEditing(true);
    setPage(pageFor(state.cursor));
  };
  const finish = () => {
    setOpen(false);
    setEditing(false);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const k = e.key;
    const move = (cell: number) => {
      setS(moveTo(state, cell));
      setPage(pageFor(moveTo(state, cell).cursor));
    };
    if (k === 'Backspace' || k === 'Delete') apply(backspace(state));
    else if (k === 'ArrowLeft') move(state.cursor - 1);
    else if (k === 'ArrowRight') move(state.cursor + 1);
    else if (k === 'Home') move(0);
    else if (k === 'End') move(state.chars.length);
    else if (k === 'Enter' || (k === 'Escape' && open)) finish();
    else if (k.length === 1) apply(press(state, k));
    else return;
    e.preventDefault();
  };

  // Text that reached the input without a key we handled: an input method's character, or the
  // whole field set at once (autofill, a test's fill): a character goes in at the cursor; a
  // whole value replaces the plate.
  const onInput = (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const ev = e as InputEvent;
    if (ev.isComposing) return;
    const data = ev.data ?? '';
    const next =
      data && el.value === shown + data ? ([...data].length === 1 ? press(state, data) : paste(state, data)) : fromValue(el.value, preset);
    apply(next);
  };
  const onCompositionEnd = (e: CompositionEvent) => {
    const data = e.data ?? '';
    apply([...data].length === 1 ? press(state, data) : paste(state, data));
  };
  const onPaste = (e: ClipboardEvent) => {
    e.preventDefault();
    apply(paste(state, e.clipboardData?.getData('text') ?? ''));
  };

  const tapCell = (i: number) => {
    // Focus first: its handler opens the keypad on the old cursor, the lines below move it.
    if (document.activeElement !== input.current) input.current?.focus({ preventScroll: true });
    const next = moveTo(state, i);
    setS(next);
    setPage(pageFor(next.cursor));
    setOpen(true);
    setEditing(true);
  };

  // Leaving the field (focus outside it, or a tap on the page) closes the keypad: done.
  const onFocusOut = (e: FocusEvent) => {
    if (!wrap.current?.contains(e.relatedTarget as Node | null)) finish();
  };

  // With the sheet up, the page gets room below (so any field can scroll above the sheet) and
  // scrolls only as far as needed to keep the cells and their error line in sight.
  useLayoutEffect(() => {
    if (!open || !sheet.current || !cells.current) return;
    const h = sheet.current.getBoundingClientRect().height;
    document.body.style.paddingBottom = `${Math.ceil(h)}px`;
    const room = sheet.current.getBoundingClientRect().top - 12;
    const field = (wrap.current?.closest('.field') ?? cells.current).getBoundingClientRect();
    const box = cells.current.getBoundingClientRect();
    const header = document.querySelector('.appbar')?.getBoundingClientRect().bottom ?? 0;
    // Lift the cells (and an error under them) above the sheet, never the cells under the header.
    const bottom = wrap.current?.closest('.has-error') ? field.bottom : box.bottom;
    const up = Math.min(bottom - room, box.top - header - 8);
    if (up > 0) window.scrollBy(0, up);
    else if (box.top < header + 8) window.scrollBy(0, box.top - header - 8);
    return () => {
      document.body.style.paddingBottom = '';
    };
  }, [open]);

  const issue = plateFeedback(state, editing, p.id, preset);
  const error = p.error ?? (issue ? tIssue(issue) : null);
  const n = cellCount(state);
  const keys = (list: readonly string[], cls = '') =>
    list.map((ch) => (
      <button
        type="button"
        key={ch}
        class={'plate-key' + cls}
        data-testid={`plate-key-${ch}`}
        disabled={!keyAllowed(state.cursor, ch)}
        onClick={() => apply(press(state, ch))}
      >
        {ch}
      </button>
    ));

  return (
    <Field id={p.id} label={p.label} hint={p.hint} error={error} optional={p.optional}>
      <div class={'plate-input' + (open ? ' is-open' : '')} ref={wrap} onFocusOut={onFocusOut}>
        <input
          ref={input}
          id={p.id}
          name={p.id}
          class="visually-hidden plate-native"
          type="text"
          inputMode="none"
          value={state.chars.join('')}
          autoComplete="off"
          autoCapitalize="characters"
          spellcheck={false}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? p.id + '-error' : p.hint ? p.id + '-hint' : undefined}
          aria-haspopup="true"
          aria-expanded={open}
          data-testid="plate-input"
          onFocus={openKeypad}
          onClick={openKeypad}
          onKeyDown={onKeyDown}
          onInput={onInput}
          onCompositionEnd={onCompositionEnd}
          onPaste={onPaste}
        />
        <div
          ref={cells}
          class={'plate-cells' + (error ? ' is-invalid' : '') + (state.chars.length >= NEW_ENERGY_LEN ? ' is-new-energy' : '')}
          data-testid="plate-cells"
          onMouseDown={keepFocus}
          onClick={(e) => e.target === e.currentTarget && tapCell(state.chars.length)}
        >
          {Array.from({ length: n }, (_, i) => {
            const ch = state.chars[i] ?? '';
            const optional = i === NEW_ENERGY_LEN - 1 && n === NEW_ENERGY_LEN;
            const label = t(optional ? 'plate.cell_optional' : 'plate.cell', { n: i + 1, value: ch || t('plate.cell_empty') });
            return (
              <button
                type="button"
                key={i}
                tabIndex={-1}
                class={
                  'plate-cell' +
                  (i === 1 ? ' is-office' : '') +
                  (optional ? ' is-optional' : '') +
                  (ch ? ' is-filled' : '') +
                  (open && i === state.cursor ? ' is-active' : '')
                }
                data-testid={`plate-cell-${i}`}
                aria-label={label}
                aria-current={open && i === state.cursor ? 'true' : undefined}
                onMouseDown={keepFocus}
                onClick={() => tapCell(i)}
              >
                {ch}
              </button>
            );
          })}
        </div>
        {open ? (
          <div class="plate-sheet" ref={sheet} role="group" aria-label={t('plate.keypad')} data-testid="plate-keypad" onMouseDown={keepFocus}>
            <div class="plate-keys" data-page={page}>
              {page === 'province' ? (
                <>
                  {keys(provinceKeys(preset))}
                  {keys(PLATE_SUFFIXES, ' is-suffix')}
                </>
              ) : (
                <>
                  {keys(PLATE_DIGITS, ' is-digit')}
                  {keys(PLATE_LETTERS)}
                </>
              )}
            </div>
            <div class="plate-actions">
              {/* One key turns the page: to the provinces (挂学警港澳 with them), or back. */}
              {page === 'letters' ? (
                <button type="button" class="plate-action plate-page" data-testid="plate-province-page" onClick={() => setPage('province')}>
                  {t('plate.page_province')}
                </button>
              ) : (
                <button type="button" class="plate-action plate-page" data-testid="plate-letters-page" onClick={() => setPage('letters')}>
                  {t('plate.page_letters')}
                </button>
              )}
              <button type="button" class="plate-action" data-testid="plate-clear" onClick={() => apply(clear(preset))}>
                {t('plate.clear')}
              </button>
              <button
                type="button"
                class="plate-action"
                data-testid="plate-backspace"
                aria-label={t('plate.backspace')}
                onClick={() => apply(backspace(state))}
              >
                <span aria-hidden="true" class="plate-backspace-icon">
                  ⌫
                </span>
              </button>
              <button type="button" class="plate-action plate-done" data-testid="plate-done" onClick={finish}>
                {t('plate.done')}
              </button>
            </div>
          </div>
        ) : null}
      </div>
    </Field>
  );
}
