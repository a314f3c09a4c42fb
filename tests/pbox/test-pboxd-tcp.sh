#!/bin/bash
# SPDX-License-Identifier: MIT
# nutss-pboxd over TCP (RFC 3261 18) on loopback, against real peers:
#
#   sipp uac -t tn ──▶ pboxd :P ──▶ sipp uas -t t1   calls, a new connection each
#   sipp uac (UDP) ──▶ pboxd :P ──▶ sipp uas -t t1   UDP in, TCP out
#   tcp_limits.py ───▶ pboxd :L                       framing, keep-alive, IPv6,
#                                                     per-peer and total limits,
#                                                     a connection flood, idle
#                                                     time, oversized messages
#   tcp_steer.py ────▶ pboxd :S                       which worker accepts: one at
#                                                     a light load, all under load
# Usage: tests/pbox/test-pboxd-tcp.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

[ -x "$pboxd" ] || { ko "no $pboxd"; echo "$pass passed, $fail failed"; exit 1; }
# SIPp -t tn opens a socket per call
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# calls: UAC -> pboxd over TCP (a new connection per call, or UDP), pboxd -> UAS over TCP
sipp_calls() { # NAME UAC_TRANSPORT CALLS
	local name=$1 t=$2 n=$3 P U C rc good
	P=$(free_port); U=$(free_port); C=$(free_port)
	if ! pbox_start "$tmp/pboxd-$name.log" "$P" --listen "tcp:127.0.0.1:$P" --domain example.com \
		--auth off --next-hop "tcp:127.0.0.1:$U" --data-dir "$tmp/data-$name"; then
		ko "pboxd start ($name)"
		return
	fi
	(cd "$tmp" && exec sipp -sf "$harness/sipp/uas.xml" -i 127.0.0.1 -p "$U" -t t1 -nostdin \
		-timeout 60 </dev/null >"$tmp/uas-$name.out" 2>&1) &
	pids+=($!)
	sleep 0.5
	(cd "$tmp" && timeout 60 sipp -sf "$harness/sipp/uac.xml" -s service "127.0.0.1:$P" \
		-i 127.0.0.1 -p "$C" -t "$t" -max_socket 2000 -r 50 -m "$n" -l "$n" \
		-recv_timeout 5000 -timeout 40 -timeout_error -nostdin </dev/null >"$tmp/uac-$name.out" 2>&1)
	rc=$?
	good=$(grep -E "^ +Successful call" "$tmp/uac-$name.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
	[ $rc = 0 ] && [ "$good" = "$n" ] && ok "$n SIPp calls, $name" ||
		{ ko "SIPp calls $name (exit $rc, $good successful)"; tail -20 "$tmp/uac-$name.out"; }
}

if command -v sipp >/dev/null; then
	sipp_calls "uac -t tn -> pboxd -> uas over TCP" tn 200
	sipp_calls "uac over UDP -> pboxd -> uas over TCP" u1 100
else
	echo "SKIP SIPp TCP calls: sipp not installed"
fi

L=$(free_port)
printf 'domain = example.com\nauth = off\nmax_tcp_connections = 24\nmax_tcp_per_peer = 8\ntcp_idle_timeout = 2\nmax_message_size = 2048\n' \
	>"$tmp/limits.conf"
if pbox_start "$tmp/pboxd-limits.log" "$L" -c "$tmp/limits.conf" --listen "tcp:127.0.0.1:$L" \
	--listen "tcp:[::1]:$L" --data-dir "$tmp/data-limits"; then
	timeout 120 python3 "$top/tests/pbox/tcp_limits.py" "$L" >"$tmp/limits.out" 2>&1
	grep -v '^[0-9]* passed' "$tmp/limits.out"
	n=$(grep -c '^PASS' "$tmp/limits.out"); f=$(grep -c '^FAIL' "$tmp/limits.out")
	pass=$((pass + n)); fail=$((fail + f))
	[ "$n" -ge 13 ] || ko "TCP limits driver ran only $n checks"
	grep -q "TCP: refused .* (max_tcp_per_peer reached)" "$tmp/pboxd-limits.log" &&
		ok "the daemon logs the connections it refuses" || ko "no log of refused connections"
	kill -0 "${pids[-1]}" 2>/dev/null && ok "the daemon survived the connection flood" ||
		ko "the daemon died under the connection flood"
else
	ko "pboxd start (TCP limits)"
fi

# where new connections go: gathered on worker-0 at a light load, spread under load
S=$(free_port)
if pbox_start "$tmp/pboxd-steer.log" "$S" --listen "tcp:127.0.0.1:$S" --domain example.com \
	--auth off --log-level debug --data-dir "$tmp/data-steer"; then
	timeout 120 python3 "$top/tests/pbox/tcp_steer.py" "$S" "$tmp/pboxd-steer.log" >"$tmp/steer.out" 2>&1
	driver_counts "steering" "$tmp/steer.out"
else
	ko "pboxd start (steering)"
fi

grep -h "runtime error\|AddressSanitizer" "$tmp"/pboxd*.log && ko "sanitizer report in the daemon's log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
