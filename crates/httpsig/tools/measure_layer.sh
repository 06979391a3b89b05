#!/usr/bin/env bash
# Layer overhead as a server-side measurement: requests per server CPU-second through
# HttpSigLayer vs the same axum route without it, 1 KiB POST bodies.
#
#   crates/httpsig/tools/measure_layer.sh [SECONDS_PER_RUN] [ROUNDS]
#
# Builds examples/httpsig_load_server.rs and the keyauth CLI (release), signs one request for the
# server's authority with `keyauth httpsig sign` (5 components: @method @target-uri
# @authority content-digest content-type), and drives the server with wrk (1 thread,
# 16 keep-alive connections) in another process, reading the server's utime+stime from
# /proc/<pid>/stat around each run. Bounded: wrk runs SECONDS each, the server exits by itself.
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs=${1:-10}
rounds=${2:-3}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
# LOAD_SERVER / KEYAUTH: prebuilt binaries (e.g. a copy of an older httpsig_load_server, to measure
# before and after a change with the same method); the keyauth CLI only signs one request.
server_bin=${LOAD_SERVER:-target/release/examples/httpsig_load_server}
keyauth_bin=${KEYAUTH:-target/release/keyauth}
[ -n "${LOAD_SERVER:-}" ] || cargo build -q --release -p keyauth-httpsig --features tower --example httpsig_load_server
[ -n "${KEYAUTH:-}" ] || cargo build -q --release -p keyauth-cli
work=$(mktemp -d)
budget=$(( (secs + 2) * rounds * 2 + 60 ))
"$server_bin" "$budget" >"$work/out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q LISTEN "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/LISTEN/ {print $2}' "$work/out")
body=$(head -c 1024 /dev/zero | tr '\0' x)
printf 's3cr3tk3y' >"$work/key"
printf 'POST http://127.0.0.1:%s/signed HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/octet-stream\r\n\r\n%s' "$port" "$port" "$body" >"$work/req"
"$keyauth_bin" httpsig sign --request "$work/req" --key-id load --key-file "$work/key" \
    --alg hmac-sha256 --no-nonce >"$work/signed"
header() { grep -i "^$1:" "$work/signed" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Content-Digest"] = [[$(header Content-Digest)]]
wrk.headers["Signature-Input"] = [[$(header Signature-Input)]]
wrk.headers["Signature"] = [[$(header Signature)]]
LUA
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
printf '%-7s %9s %8s %12s %9s\n' path requests cpu_s req/cpu_s req/s
ratios=()
for _ in $(seq "$rounds"); do
    declare -A per_cpu=()
    for path in bare signed; do
        c0=$(cpu)
        out=$(wrk -t1 -c16 -d"${secs}s" -s "$work/post.lua" "http://127.0.0.1:$port/$path")
        c1=$(cpu)
        if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; echo "non-2xx answers on /$path" >&2; exit 1; fi
        n=$(awk '/requests in/ {print $1}' <<<"$out")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        cpus=$(awk -v a="$c0" -v b="$c1" -v t="$tck" 'BEGIN {printf "%.2f", (b - a) / t}')
        pc=$(awk -v n="$n" -v c="$cpus" 'BEGIN {printf "%.0f", n / c}')
        per_cpu[$path]=$pc
        printf '%-7s %9s %8s %12s %9s\n' "/$path" "$n" "$cpus" "$pc" "$rps"
    done
    ratios+=("$(awk -v s="${per_cpu[signed]}" -v b="${per_cpu[bare]}" 'BEGIN {printf "%.3f", s / b}')")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "1 KiB POST: signed/bare requests per server CPU-second, per round: ${ratios[*]}; median $median"
