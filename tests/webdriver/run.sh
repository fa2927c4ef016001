#!/usr/bin/env bash
# End-to-end test of the real app for CI: builds what is missing, then drives the debug app
# through tauri-driver under Xvfb against the real HQ. Assumes the system packages are installed
# (scripts/setup: libwebkit2gtk-4.1-dev … webkit2gtk-driver xvfb xauth fonts-noto-cjk).
# Ends with `e2e: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"

fail() { echo "e2e: $*" >&2; echo "e2e: 0 passed, 1 failed"; exit 1; }

for tool in xvfb-run node npm cargo; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (run scripts/setup --test)"
done
[ -x /usr/bin/WebKitWebDriver ] || fail "/usr/bin/WebKitWebDriver is missing (apt-get install webkit2gtk-driver)"

if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "== cargo install tauri-driver"
  cargo install tauri-driver --locked
fi

echo "== npm ci (tests/webdriver)"
npm ci --prefix "$here" --no-audit --no-fund

if [ ! -f ui/dist/index.html ]; then
  echo "== build the UI (ui/dist)"
  npm --prefix ui ci --no-audit --no-fund
  npm --prefix ui run build
fi

# Built one by one: together, Cargo would unify their features and rebuild every shared crate.
echo "== cargo build -p patrol-hq"
cargo build --locked -p patrol-hq
echo "== cargo build -p patrol-app"
cargo build --locked -p patrol-app

echo "== e2e under Xvfb"
export APP_BIN="$repo/target/debug/patrol-app"
export HQ_BIN="$repo/target/debug/patrol-hq"
export TAURI_DRIVER="$(command -v tauri-driver)"
# WebKitGTK under Xvfb: no GPU, no DMA-BUF renderer.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
exec xvfb-run -a -s "-screen 0 1280x1024x24" node "$here/run.mjs"
