#!/bin/bash
# SPDX-License-Identifier: MIT
# The agent's TLS relay (src/agent/tls.c) against stunnel4 doing the same
# job on loopback: BYTES (default 2 GiB) from a sender to a sink through a
# TLS client relay and a TLS server relay.
#
#   ours:    sender -> socketpair -> relay (TLS client) ==TCP== relay (TLS server) -> socketpair -> sink
#            (threads of one process: bench_tls ours)
#   stunnel: sender -TCP:A-> stunnel client ==TCP:B (TLS)==> stunnel server -TCP:C-> sink
#            (bench_tls send / sink, two stunnel4 processes)
#
# Both: TLS 1.3, TLS_AES_128_GCM_SHA256, a self-signed ECDSA P-256
# certificate on each side, each side verifying the other's (ours by
# fingerprint, stunnel by CAfile = that certificate). Throughput is the
# sink's (first byte to EOF, same code). CPU counts both relays and
# nothing else: for ours, the process's CPU less the sender's and sink's
# threads; for stunnel, utime+stime of both stunnel processes from
# /proc/PID/stat. MB = 10^6 bytes, GB = 10^9. Also measured (not in the
# ratios): ours with loopback TCP on its plain legs, as stunnel has them.
#
# Medians of REPEATS (default 5), ours and stunnel alternating. Last line:
#   tls: ours_MBps=.. stunnel_MBps=.. ratio=.. ours_cpu_s_per_GB=..
#        stunnel_cpu_s_per_GB=.. cpu_ratio=..
# (ratio = ours/stunnel throughput, above 1 is better; cpu_ratio =
# ours/stunnel CPU per GB, below 1 is better.)
# Usage: bench/bench-tls-stunnel.sh [BUILD_DIR] (default build/release;
#        REPEATS, BYTES in the environment)
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/stunnel.sh"
B=$(cd "$top" && cd "$B" && pwd)
REPEATS=${REPEATS:-5}
BYTES=${BYTES:-2147483648}
bench=$B/bench/bench_tls
[ -x "$bench" ] || { echo "no $bench: make MODE=release $B/bench/bench_tls" >&2; exit 1; }
if ! command -v stunnel4 >/dev/null; then
	apt-get install -y stunnel4 >/dev/null 2>&1 || { echo "cannot install stunnel4" >&2; exit 1; }
fi

tmp=$(mktemp -d /tmp/bench-tls.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Ports A, B, C: free ones, from the kernel's ephemeral choice.
read -r A B2 C < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

stunnel_pair "$tmp" "$tmp/stunnel.log" "$A" "$B2" "$C" || exit 1
cpid=$stunnel_client
spid=$stunnel_server

ticks=$(getconf CLK_TCK)
# utime + stime of both stunnel processes, in clock ticks.
stunnel_ticks() {
	local t=0 p f
	for p in "$cpid" "$spid"; do
		read -r -a f <"/proc/$p/stat" || return 1
		# comm "(stunnel4)" has no spaces, so fields split plainly: 14 utime, 15 stime.
		t=$((t + f[13] + f[14]))
	done
	echo "$t"
}

run_stunnel() {
	local t0 t1 out
	"$bench" sink "$C" >"$tmp/sink.out" &
	local sink=$!
	pids+=("$sink")
	for _ in $(seq 50); do
		grep -q ready "$tmp/sink.out" 2>/dev/null && break
		sleep 0.05
	done
	t0=$(stunnel_ticks)
	"$bench" send "$A" "$BYTES" || return 1
	wait "$sink"
	# stunnel closes its side after the sink's EOF: let its threads finish.
	sleep 0.2
	t1=$(stunnel_ticks)
	out=$(grep '^sink' "$tmp/sink.out")
	case $out in *"bytes=$BYTES") ;; *) echo "stunnel: short transfer: $out" >&2; return 1 ;; esac
	awk -v o="$out" -v d=$((t1 - t0)) -v hz="$ticks" -v b="$BYTES" 'BEGIN {
		split(o, a, /[ =]/); printf "stunnel MBps=%s cpu_s_per_GB=%.3f\n", a[3], d / hz / (b / 1e9) }'
}

val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$tmp/ours" >"$tmp/stunnel" >"$tmp/ours_tcp"
"$bench" ours $((BYTES / 8)) >/dev/null 2>&1 # warm up
for i in $(seq "$REPEATS"); do
	if [ $((i % 2)) = 1 ]; then order="ours stunnel"; else order="stunnel ours"; fi
	for who in $order; do
		if [ "$who" = ours ]; then
			r=$("$bench" ours "$BYTES" 2>/dev/null) || { echo "ours failed" >&2; exit 1; }
			echo "$r" >>"$tmp/ours"
		else
			r=$(run_stunnel) || exit 1
			echo "$r" >>"$tmp/stunnel"
		fi
		echo "  $i: $r"
	done
	r=$("$bench" ours "$BYTES" tcp 2>/dev/null) || { echo "ours (tcp) failed" >&2; exit 1; }
	echo "$r" >>"$tmp/ours_tcp"
	echo "  $i: $r (plain legs TCP)"
done

om=$(val MBps <"$tmp/ours" | median)
oc=$(val cpu_s_per_GB <"$tmp/ours" | median)
sm=$(val MBps <"$tmp/stunnel" | median)
sc=$(val cpu_s_per_GB <"$tmp/stunnel" | median)
tm=$(val MBps <"$tmp/ours_tcp" | median)
tc=$(val cpu_s_per_GB <"$tmp/ours_tcp" | median)
echo "ours with TCP plain legs: MBps=$tm cpu_s_per_GB=$tc"
awk -v om="$om" -v sm="$sm" -v oc="$oc" -v sc="$sc" 'BEGIN {
	printf "tls: ours_MBps=%.1f stunnel_MBps=%.1f ratio=%.2f ours_cpu_s_per_GB=%.3f stunnel_cpu_s_per_GB=%.3f cpu_ratio=%.2f\n",
		om, sm, om / sm, oc, sc, oc / sc }'
