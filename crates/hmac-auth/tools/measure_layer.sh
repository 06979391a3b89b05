#!/usr/bin/env bash
# Layer overhead as a server-side measurement: requests per server CPU-second through
# HmacAuthLayer (compatible mode, global key) vs the same axum route without it.
#
#   crates/hmac-auth/tools/measure_layer.sh [SECONDS_PER_RUN] [ROUNDS]
#
# Builds examples/load_server.rs (release), starts it on 127.0.0.1, and drives it with wrk
# (apt-get install wrk) in another process: 1 thread, 16 keep-alive connections, POST bodies
# of 64 B and 4 KiB (the Signature header is the body's HMAC, so every request passes). For
# each run it reads the server's utime+stime from /proc/<pid>/stat before and after, and
# prints requests, server CPU seconds, requests per server CPU-second and requests per
# wall-clock second. Runs alternate bare/signed ROUNDS times per body size; the last line per
# size is the median ratio. Bounded: wrk runs SECONDS each, the server exits by itself.
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs=${1:-10}
rounds=${2:-3}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
cargo build -q --release -p hmac-auth --example load_server
work=$(mktemp -d)
budget=$(( (secs + 2) * rounds * 4 + 60 ))
target/release/examples/load_server "$budget" >"$work/out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q LISTEN "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/LISTEN/ {print $2}' "$work/out")
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
printf '%-6s %-7s %9s %8s %12s %9s\n' body path requests cpu_s req/cpu_s req/s
for size in 64 4096; do
    sig=$(python3 -c "import base64,hashlib,hmac,sys; print(base64.b64encode(hmac.new(b's3cr3tk3y', b'x'*$size, hashlib.sha256).digest()).decode())")
    cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", $size)
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Signature"] = "$sig"
LUA
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
            printf '%-6s %-7s %9s %8s %12s %9s\n' "$size" "/$path" "$n" "$cpus" "$pc" "$rps"
        done
        ratios+=("$(awk -v s="${per_cpu[signed]}" -v b="${per_cpu[bare]}" 'BEGIN {printf "%.3f", s / b}')")
    done
    median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "body $size: signed/bare requests per server CPU-second, per round: ${ratios[*]}; median $median"
done
