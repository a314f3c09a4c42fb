#!/bin/bash
# SPDX-License-Identifier: MIT
# nutss-pboxd over UDP on loopback, against real peers:
#
#   rfc4475_udp.py ──▶ pboxd :P ──▶ sink :S        (the RFC 4475 corpus)
#   sipp uac :C ─────▶ pboxd :P ──▶ sipp uas :U    (calls: INVITE..BYE)
#
# Every daemon is started fresh on free ports, stopped by PID, and every
# wait is bounded. Prints PASS/FAIL per case and "N passed, N failed".
# Usage: tests/pbox/test-pboxd-udp.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
corpus=${NUTSS_SHARED:-$top/../shared}/testdata/rfc4475
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT
# every daemon here keeps its data in the test's own directory
start_pboxd() { pbox_start "$1" "$2" --data-dir "$tmp/data" "${@:3}"; }

[ -x "$pboxd" ] || { ko "no $pboxd"; echo "$pass passed, $fail failed"; exit 1; }

# -n checks the configuration and exits
"$pboxd" -n --domain example.com >/dev/null 2>&1 && ok "-n with a domain" || ko "-n with a domain"
"$pboxd" -n >/dev/null 2>&1; [ $? = 2 ] && ok "-n without a domain exits 2" || ko "-n without a domain exits 2"
"$pboxd" --bogus >/dev/null 2>&1; [ $? = 2 ] && ok "unknown option exits 2" || ko "unknown option exits 2"

# RFC 4475 over UDP, auth off: every reaction but regaut01's (which needs auth).
P=$(free_port); S=$(free_port)
if start_pboxd "$tmp/pboxd1.log" "$P" --domain example.com --auth off --next-hop "127.0.0.1:$S"; then
	only=$(grep -v '^#' "$corpus/MANIFEST.tsv" | cut -f1 | grep -v '^regaut01.dat$')
	# shellcheck disable=SC2086
	timeout 120 python3 "$top/tests/pbox/rfc4475_udp.py" "$corpus" "$P" "$S" --only $only >"$tmp/rfc.out" 2>&1
	n=$(grep -c '^PASS' "$tmp/rfc.out"); f=$(grep -c '^FAIL' "$tmp/rfc.out")
	[ "$f" = 0 ] && [ "$n" -ge 48 ] && ok "RFC 4475 over UDP: $n reactions as the manifest says" ||
		{ ko "RFC 4475 over UDP ($n passed, $f failed)"; grep '^FAIL' "$tmp/rfc.out"; }
	# A second daemon on the same port must refuse to start (SO_REUSEPORT would split traffic).
	"$pboxd" --listen "udp:127.0.0.1:$P" --domain example.com --data-dir "$tmp/data" \
		>"$tmp/second.log" 2>&1
	[ $? != 0 ] && grep -q "in use" "$tmp/second.log" && ok "a second daemon on the port refuses" ||
		ko "a second daemon on the port refuses"
	kill "${pids[-1]}"
	wait "${pids[-1]}" 2>/dev/null
	[ $? = 0 ] && ok "SIGTERM stops the daemon cleanly" || ko "SIGTERM stops the daemon cleanly"
else
	ko "pboxd start (auth off)"
fi

# Calls through the P-Box with the bench harness's SIPp scenarios.
if command -v sipp >/dev/null; then
	P=$(free_port); U=$(free_port); C=$(free_port)
	if start_pboxd "$tmp/pboxd2.log" "$P" --domain example.com --auth off --next-hop "127.0.0.1:$U"; then
		(cd "$tmp" && exec sipp -sf "$harness/sipp/uas.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin \
			-timeout 60 </dev/null >"$tmp/uas.out" 2>&1) &
		pids+=($!)
		sleep 0.5
		(cd "$tmp" && timeout 60 sipp -sf "$harness/sipp/uac.xml" -s service "127.0.0.1:$P" \
			-i 127.0.0.1 -p "$C" -t u1 -r 100 -m 300 -l 300 -recv_timeout 5000 -timeout 40 \
			-timeout_error -nostdin </dev/null >"$tmp/uac.out" 2>&1)
		rc=$?
		good=$(grep -E "^ +Successful call" "$tmp/uac.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
		[ $rc = 0 ] && [ "$good" = 300 ] && ok "300 SIPp calls uac -> pboxd -> uas over UDP" ||
			{ ko "SIPp calls (exit $rc, $good successful)"; tail -20 "$tmp/uac.out"; }
	else
		ko "pboxd start (calls)"
	fi
else
	echo "SKIP SIPp calls: sipp not installed"
fi

# Listening on 0.0.0.0: Via and Record-Route name a real address. First the
# one advertised (127.0.0.1: the call is answered through it), then the one
# detected (only read: answering would send to a non-loopback address).
for mode in advertise detect; do
	P=$(free_port); W=$(free_port)
	if [ $mode = advertise ]; then
		printf 'advertise = 127.0.0.1\n' >"$tmp/wild.conf"
	else
		: >"$tmp/wild.conf"
	fi
	if start_pboxd "$tmp/pboxd-wild-$mode.log" "$P" -c "$tmp/wild.conf" --domain example.com \
		--auth off --listen "udp:0.0.0.0:$W"; then
		name=$(sed -n "s/.*udp:0.0.0.0:$W is named \([^ ]*\) in our Via.*/\1/p" \
			"$tmp/pboxd-wild-$mode.log")
		[ -n "$name" ] && [ "$name" != 0.0.0.0 ] &&
			ok "$mode: the wildcard listener is named $name (logged)" ||
			ko "$mode: the wildcard listener's name ($name)"
		[ $mode = advertise ] && [ "$name" = 127.0.0.1 ] && ans=--answer || ans=
		timeout 30 python3 "$top/tests/pbox/wildcard_udp.py" "$W" "${name:-?}" $ans \
			>"$tmp/wild-$mode.out" 2>&1
		driver_counts "$mode" "$tmp/wild-$mode.out"
	else
		ko "pboxd start ($mode, udp:0.0.0.0)"
	fi
done

# batch_wait_us: under load a worker pauses between turns, at most that long;
# at a light load, or with 0, nothing waits; new TCP connections and a
# client's close are not held for the batch (batch.py). 40 ms, so that a
# wait stands out from an ASan build's own delays.
for bw in 40000 0; do
	P=$(free_port)
	printf 'batch_wait_us = %s\nworkers = 1\n' "$bw" >"$tmp/batch-$bw.conf"
	if start_pboxd "$tmp/pboxd-batch-$bw.log" "$P" -c "$tmp/batch-$bw.conf" --domain example.com \
		--auth off --listen "tcp:127.0.0.1:$P"; then
		timeout 90 python3 "$top/tests/pbox/batch.py" "$P" 40 $([ $bw = 0 ] && echo --off) \
			>"$tmp/batch-$bw.out" 2>&1
		driver_counts "batch_wait_us=$bw" "$tmp/batch-$bw.out"
	else
		ko "pboxd start (batch_wait_us = $bw)"
	fi
done

grep -h "runtime error\|AddressSanitizer" "$tmp"/pboxd*.log && ko "sanitizer report in the daemon's log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
