//! Take a photo with the rear camera (`capture=environment`), hand it to Rust (`add_photo`),
//! keep the returned PhotoRef. One big button per shot; thumbnails with a remove button.

import { useRef, useState } from 'preact/hooks';
import { api, toApiError } from '../api';
import type { PhotoRef } from '../api/types';
import { fileToBase64, previewUrl, rememberPreview } from '../lib/photo';
import { t, tError } from '../i18n';

/** Invisible file input + the visible button that opens it; calls onPhoto once stored. */
export function CaptureButton(p: {
  id: string;
  label: string;
  onPhoto: (ref: PhotoRef) => void;
  onError: (msg: string) => void;
  disabled?: boolean;
  primary?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const onChange = async () => {
    const file = input.current?.files?.[0];
    if (input.current) input.current.value = '';
    if (!file) return;
    setBusy(true);
    try {
      const ref = await api().addPhoto(await fileToBase64(file));
      rememberPreview(ref.sha256, file);
      p.onPhoto(ref);
    } catch (e) {
      const err = toApiError(e);
      const te = tError(err);
      p.onError(te.reason ? `${te.title}: ${te.reason}` : err.kind === 'unknown' ? t('photo.read_failed') : te.title);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <input
        ref={input}
        id={p.id}
        type="file"
        accept="image/*"
        capture="environment"
        class="visually-hidden"
        tabIndex={-1}
        onChange={onChange}
      />
      <button
        type="button"
        class={'btn ' + (p.primary ? 'btn-strong' : 'btn-secondary') + ' btn-photo'}
        disabled={p.disabled || busy}
        onClick={() => input.current?.click()}
      >
        {busy ? t('photo.saving') : p.label}
      </button>
    </>
  );
}

export function PhotoThumb(p: { photo: PhotoRef; n: number; caption?: string; onRemove?: () => void }) {
  const url = previewUrl(p.photo.sha256);
  return (
    <figure class="thumb">
      {url ? (
        <img src={url} alt={t('photo.alt', { n: p.n })} />
      ) : (
        <div class="thumb-stored">{t('photo.stored', { kb: Math.max(1, Math.round(p.photo.size / 1024)) })}</div>
      )}
      {p.caption ? <figcaption>{p.caption}</figcaption> : null}
      {p.onRemove ? (
        <button type="button" class="thumb-remove" aria-label={t('photo.remove', { n: p.n })} onClick={p.onRemove}>
          {t('common.remove')}
        </button>
      ) : null}
    </figure>
  );
}

/** A simple list of photos (lost person, incident, violation) up to `max`. */
export function PhotoList(p: { id: string; photos: PhotoRef[]; onChange: (v: PhotoRef[]) => void; max: number; error?: string | null }) {
  const [err, setErr] = useState<string | null>(null);
  return (
    <div class="photos" data-field={p.id}>
      <div class="thumbs">
        {p.photos.map((ph, i) => (
          <PhotoThumb key={ph.sha256 + i} photo={ph} n={i + 1} onRemove={() => p.onChange(p.photos.filter((_, k) => k !== i))} />
        ))}
      </div>
      {p.photos.length < p.max ? (
        <CaptureButton
          id={p.id}
          label={t('photo.take')}
          onPhoto={(ref) => {
            setErr(null);
            p.onChange([...p.photos, ref]);
          }}
          onError={setErr}
        />
      ) : null}
      {err || p.error ? <p class="field-error" role="alert">{err ?? p.error}</p> : null}
    </div>
  );
}
