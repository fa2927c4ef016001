//! Camera files → base64 for `add_photo`, and object-URL previews (never data: URLs in the
//! DOM) remembered by SHA-256 for the session. The bytes live in Rust once added.

const previews = new Map<string, string>();

export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.onload = () => {
      const s = String(r.result ?? '');
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.readAsDataURL(file);
  });
}

export function rememberPreview(sha256: string, file: Blob): void {
  if (!previews.has(sha256) && typeof URL.createObjectURL === 'function') {
    previews.set(sha256, URL.createObjectURL(file));
  }
}

export function previewUrl(sha256: string): string | undefined {
  return previews.get(sha256);
}

/** The common reasons an accident's required photos are missing, offered as chips that fill in
 * the reason (translation keys `accident.missing_preset.*`, the text filled in being the label). */
export const MISSING_PHOTO_REASONS = ['injured', 'left', 'moved', 'camera', 'conditions'] as const;
