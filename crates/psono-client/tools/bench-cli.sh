#!/usr/bin/env bash
# Per-process timings of `keyauth psono` beside psonoci against the test server (example
# `test_server`, 127.0.0.1), with hyperfine (Debian's `hyperfine` package).
#
#   cargo build --release -p keyauth-cli
#   cargo build --release -p psono-client --features reqwest --example test_server
#   PSONOCI=/path/to/psonoci crates/psono-client/tools/bench-cli.sh [RUNS]
#
# Prints a markdown table (median, mean, min, CPU). Every run is bounded (RUNS, default 200, at most 2000;
# the server exits by itself after 600 s).
set -euo pipefail
RUNS=${1:-200}
[ "$RUNS" -le 2000 ] || RUNS=2000
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
KEYAUTH=${KEYAUTH:-$ROOT/target/release/keyauth}
SERVER=${SERVER:-$ROOT/target/release/examples/test_server}
OUT=$(mktemp -d /tmp/keyauth-bench-cli.XXXXXX)
"$SERVER" 600 >"$OUT/server.json" 2>"$OUT/server.log" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null; rm -rf "$OUT"' EXIT
for _ in $(seq 1 100); do [ -s "$OUT/server.json" ] && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open('$OUT/server.json')); print($1)"; }
export PSONO_CI_SERVER_URL; PSONO_CI_SERVER_URL=$(j 'd["url"]')
WEB=$(j 'd["secrets"]["web"]'); TOTP=$(j 'd["secrets"]["totp"]')
restricted="PSONO_CI_API_KEY_ID=$(j 'd["keys"]["restricted_write"]["id"]') PSONO_CI_API_SECRET_KEY_HEX=$(j 'd["keys"]["restricted_write"]["secret_key_hex"]')"
full="PSONO_CI_API_KEY_ID=$(j 'd["keys"]["full"]["id"]') PSONO_CI_API_SECRET_KEY_HEX=$(j 'd["keys"]["full"]["secret_key_hex"]') PSONO_CI_API_PRIVATE_KEY_HEX=$(j 'd["keys"]["full"]["private_key_hex"]') PSONO_CI_SERVER_SIGNATURE_HEX=$(j 'd["server_signature_hex"]')"
cmds=(
  -n "keyauth secret get (access)" "env $restricted $KEYAUTH psono secret get $WEB password"
)
if [ -n "${PSONOCI:-}" ]; then
  cmds+=(-n "psonoci secret get" "env $restricted $PSONOCI secret get $WEB password")
fi
cmds+=(-n "keyauth full session read (login, datastores, datastore, 2 shares, secret, logout)"
  "env $full $KEYAUTH psono secret get --via session $TOTP title")
# Each command must succeed once before it is timed.
for ((i = 2; i < ${#cmds[@]}; i += 3)); do sh -c "${cmds[$i]}" >/dev/null; done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$OUT/runs.json" "${cmds[@]}" >&2
python3 - "$OUT/runs.json" <<'PY'
import json, statistics, sys
print("| command | median ms | mean ms | min ms | user ms | system ms |")
print("|---|---:|---:|---:|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    t = [x * 1000 for x in r["times"]]
    print(f"| {r['command']} | {statistics.median(t):.1f} | {statistics.mean(t):.1f} | {min(t):.1f} "
          f"| {r['user'] * 1000:.1f} | {r['system'] * 1000:.1f} |")
PY
