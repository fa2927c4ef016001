#!/usr/bin/env bash
# The command-centre page in real Chromium against the real HQ populated by the simulator:
# starts target/debug/patrol-hq (the very binary `cargo test --workspace` built, with the page
# embedded) on 127.0.0.1 with a fresh data folder, imports the demo city, simulates one patrol
# day with target/debug/patrol-sim, then runs hq-web/scripts/pages.mjs. The page test gets:
#   HQ_URL, HQ_TOKEN          where HQ is and an admin token to sign in with
#   HQ_REVOKE_TOKEN           a second operator's token, and HQ_REVOKE_CMD revokes it
#   HQ_UPLOAD_CMD             one more device starts a patrol and uploads its position
#   HQ_DEVICE_CLI             that device's `patrol --data …` (takes dispatches: sync, accept, arrive)
#   HQ_SIM_DATE               the local day the simulator filled (yesterday in the city)
# With HQ_WEB_DIR_DEV=1, HQ serves the page from hq-web/dist (`npm run build` there first)
# instead of the copy built into the binary: for testing the page before the binary is rebuilt.
# Screenshots land in artifacts/hq-web/. Ends with `hq-web: N passed, M failed`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
hq_bin="$target/debug/patrol-hq"
sim_bin="$target/debug/patrol-sim"
cli_bin="$target/debug/patrol"
fail() { echo "hq-web: $*" >&2; echo "hq-web: 0 passed, 1 failed"; exit 1; }
for b in "$hq_bin" "$sim_bin" "$cli_bin"; do
  [ -x "$b" ] || fail "$b is missing (cargo test --workspace --no-run builds it)"
done
[ -d hq-web/node_modules ] || npm --prefix hq-web ci --no-audit --no-fund
web_args=()
if [ "${HQ_WEB_DIR_DEV:-}" = 1 ]; then
  [ -f hq-web/dist/index.html ] || fail "hq-web/dist is not built (npm --prefix hq-web run build)"
  web_args=(--web-dir "$repo/hq-web/dist")
  echo "== serving the page from $repo/hq-web/dist (HQ_WEB_DIR_DEV=1)"
fi

data=$(mktemp -d)
hq_log="$data/hq.log"
hq_pid=
# Stop HQ and remove its folder, keeping the test's exit status (not HQ's SIGTERM one).
cleanup() {
  local rc=$?
  if [ -n "$hq_pid" ]; then
    kill "$hq_pid" 2>/dev/null || true
    wait "$hq_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
  exit "$rc"
}
trap cleanup EXIT
hq() { "$hq_bin" --data "$data/hq" "$@"; }

hq city import demo/changde-city.json 2>/dev/null
token=$(hq operator add 指挥中心 2>/dev/null)
revoke_token=$(hq operator add 夜班值班员 --role viewer 2>/dev/null)
revoke_id=$(hq operator list | awk '/夜班值班员/ { print $1 }')

# The binary itself in the background (not through the `hq` function, whose subshell would be
# what $! names and the cleanup would kill, leaving HQ running).
"$hq_bin" --data "$data/hq" serve --listen 127.0.0.1:0 ${web_args[@]+"${web_args[@]}"} 2>"$hq_log" &
hq_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$hq_log" | head -1 || true)
  [ -n "$url" ] && curl -fs "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ -n "$url" ] || fail "HQ did not start: $(cat "$hq_log")"

# Yesterday in the city, whole, whatever the hour: the checks need a full day of reports (the
# reports list pages through them) and units still out (its last night sorties stay open). The
# simulator's own default, today up to now, holds a handful of reports at 02:00.
sim_date=$(TZ=Asia/Shanghai date -d yesterday +%F)
echo "== simulating a patrol day ($sim_date) against $url"
"$sim_bin" --hq "$url" --operator-token "$token" --data "$data/devices" --date "$sim_date" --days 1 >"$data/stats.json"

# One more device: enrols, starts a car patrol in the city centre and uploads two fixes 31 s
# apart (a sealed segment), so a new unit appears on the live map.
code=$(hq device add --name "新上线终端" 2>/dev/null)
upload_cmd="set -e
d=$data/late-device
$cli_bin --data \$d enroll --hq $url --code $code >/dev/null
$cli_bin --data \$d start --mode car --group G01 --officer 王强 --lat 29.031 --lon 111.695 >/dev/null
$cli_bin --data \$d fix 29.031 111.695 --accuracy 5 --at \$(date -u -d '-31 seconds' +%Y-%m-%dT%H:%M:%SZ) >/dev/null
$cli_bin --data \$d fix 29.0312 111.6952 --accuracy 5 >/dev/null
$cli_bin --data \$d sync >/dev/null"

export HQ_URL="$url" HQ_TOKEN="$token" HQ_REVOKE_TOKEN="$revoke_token"
export HQ_REVOKE_CMD="'$hq_bin' --data '$data/hq' operator revoke $revoke_id"
export HQ_UPLOAD_CMD="$upload_cmd"
export HQ_DEVICE_CLI="'$cli_bin' --data '$data/late-device'"
export HQ_SIM_DATE="$(sed -n 's/^  "date": "\([0-9-]*\)",$/\1/p' "$data/stats.json" | head -1)"
export SCREENS_DIR="${SCREENS_DIR:-$repo/artifacts/hq-web/}"
node hq-web/scripts/pages.mjs
