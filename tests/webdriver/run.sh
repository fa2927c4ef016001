#!/usr/bin/env bash
# End-to-end test of the real app for CI: builds what is missing, then drives the debug app
# through Debian's WebKitWebDriver (no tauri-driver) under Xvfb against the real HQ. Assumes the
# system packages are installed (scripts/setup --test: libwebkit2gtk-4.1-dev … webkit2gtk-driver
# xvfb xauth fonts-noto-cjk).
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

# run.mjs needs Node's built-ins only: no npm ci here (package.json's Tauri CLI is for icons and
# bundles, not for this test).

# patrol-app embeds ui/dist when it compiles.
if [ ! -f ui/dist/index.html ]; then
  echo "== build the UI (ui/dist)"
  npm --prefix ui ci --no-audit --no-fund
  npm --prefix ui run build
fi

# The very build `cargo test --workspace` makes (scripts/test has just run it, so this is a no-op
# there): target/debug/patrol-app and patrol-hq are built for the packages' integration tests, with
# the workspace's test features. A separate `cargo build -p …` would resolve other features (no
# `tauri/test`) and compile the whole Tauri tree a second time.
echo "== cargo test --workspace --no-run"
cargo test --workspace --locked --no-run

echo "== e2e under Xvfb"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
export APP_BIN="$target/debug/patrol-app"
export HQ_BIN="$target/debug/patrol-hq"
export NATIVE_DRIVER=/usr/bin/WebKitWebDriver
# WebKitGTK under Xvfb: no GPU, no DMA-BUF renderer.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
exec xvfb-run -a -s "-screen 0 1280x1024x24" node "$here/run.mjs"
