#!/bin/bash
# SPDX-License-Identifier: MIT
# nutss-pboxd's transaction layer over UDP (RFC 3261 16, 17):
#
#   txn_udp.py   hand-made messages: 100 Trying, retransmissions absorbed,
#                timers A/B/E/F/G, CANCEL, hop-by-hop ACK, serial forking
#   sipp uac ──▶ pboxd ──▶ sipp uas   calls cancelled while ringing
#
# T1 is 50 ms here (sip_t1), so a timeout takes 3.2 s, not 32 s.
# Usage: tests/pbox/test-pboxd-txn.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
tmp=$(mktemp -d)
chmod 755 "$tmp" # the daemon drops to nobody and must reach its data dir
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

[ -x "$pboxd" ] || { ko "no $pboxd"; echo "$pass passed, $fail failed"; exit 1; }
printf 'domain = example.com\nauth = off\nsip_t1 = 50\n' >"$tmp/fast.conf"

P=$(free_port)
if pbox_start "$tmp/pboxd1.log" "$P" -c "$tmp/fast.conf" --data-dir "$tmp/data1"; then
	timeout 120 python3 "$top/tests/pbox/txn_udp.py" "$P" >"$tmp/txn.out" 2>&1
	cat "$tmp/txn.out" | grep -v '^[0-9]* passed'
	n=$(grep -c '^PASS' "$tmp/txn.out"); f=$(grep -c '^FAIL' "$tmp/txn.out")
	pass=$((pass + n)); fail=$((fail + f))
	[ "$n" -ge 25 ] || ko "transaction driver ran only $n checks"
else
	ko "pboxd start (transactions)"
fi

# IPv6: the same daemon code over udp:[::1].
P=$(free_port)
if pbox_start "$tmp/pboxd4.log" "$P" -c "$tmp/fast.conf" --data-dir "$tmp/data4" \
	--listen "udp:[::1]:$P"; then
	timeout 60 python3 "$top/tests/pbox/txn_udp.py" "$P" --ipv6 >"$tmp/v6.out" 2>&1
	grep -v '^[0-9]* passed' "$tmp/v6.out"
	n=$(grep -c '^PASS' "$tmp/v6.out"); f=$(grep -c '^FAIL' "$tmp/v6.out")
	pass=$((pass + n)); fail=$((fail + f))
	[ "$n" -ge 3 ] || ko "IPv6 driver ran only $n checks"
else
	ko "pboxd start (IPv6)"
fi

# The transaction table's cap (max_transactions): 503 past it, room again after.
P=$(free_port); U=$(free_port)
"$top/$B/nutss" --data-dir "$tmp/data5" reg add bob@example.com "sip:bob@127.0.0.1:$U" --static \
	>/dev/null || ko "nutss reg add (cap)"
printf 'domain = example.com\nauth = off\nsip_t1 = 50\nworkers = 1\nmax_transactions = 2\n' \
	>"$tmp/cap.conf"
if pbox_start "$tmp/pboxd5.log" "$P" -c "$tmp/cap.conf" --data-dir "$tmp/data5"; then
	timeout 60 python3 "$top/tests/pbox/txn_udp.py" "$P" --cap "$U" >"$tmp/cap.out" 2>&1
	grep -v '^[0-9]* passed' "$tmp/cap.out"
	n=$(grep -c '^PASS' "$tmp/cap.out"); f=$(grep -c '^FAIL' "$tmp/cap.out")
	pass=$((pass + n)); fail=$((fail + f))
	[ "$n" -ge 5 ] || ko "cap driver ran only $n checks"
	grep -q "transaction table full (2): 1 new request(s) answered 503" "$tmp/pboxd5.log" &&
		ok "the refusal is logged, naming max_transactions" ||
		ko "the refusal is logged, naming max_transactions"
else
	ko "pboxd start (transaction cap)"
fi

# Auth on: a request is authenticated once per transaction, not once per copy.
nutss=$top/$B/nutss
P=$(free_port); U=$(free_port)
echo secret | "$nutss" --data-dir "$tmp/data3" user add alice@example.com --password-stdin >/dev/null &&
	"$nutss" --data-dir "$tmp/data3" reg add bob@example.com "sip:bob@127.0.0.1:$U" --static >/dev/null ||
	ko "nutss user add / reg add"
printf 'domain = example.com\nauth = on\nauth_algorithms = MD5\nsip_t1 = 50\n' >"$tmp/auth.conf"
if pbox_start "$tmp/pboxd3.log" "$P" -c "$tmp/auth.conf" --data-dir "$tmp/data3"; then
	timeout 60 python3 "$top/tests/pbox/txn_udp.py" "$P" --auth alice@example.com:secret "$U" \
		>"$tmp/auth.out" 2>&1
	grep -v '^[0-9]* passed' "$tmp/auth.out"
	n=$(grep -c '^PASS' "$tmp/auth.out"); f=$(grep -c '^FAIL' "$tmp/auth.out")
	pass=$((pass + n)); fail=$((fail + f))
	[ "$n" -ge 10 ] || ko "auth driver ran only $n checks"
else
	ko "pboxd start (auth once per transaction)"
fi

# SIPp: 50 calls, each cancelled while ringing (INVITE, 180, CANCEL, 200, 487, ACK).
if command -v sipp >/dev/null; then
	P=$(free_port); U=$(free_port); C=$(free_port)
	if pbox_start "$tmp/pboxd2.log" "$P" -c "$tmp/fast.conf" --data-dir "$tmp/data2" \
		--next-hop "127.0.0.1:$U"; then
		(cd "$tmp" && exec sipp -sf "$top/tests/pbox/sipp/uas_cancel.xml" -i 127.0.0.1 -p "$U" \
			-t u1 -nostdin -timeout 60 </dev/null >"$tmp/uas.out" 2>&1) &
		pids+=($!)
		sleep 0.5
		# SIGHUP (users and policy reloaded) must not drop a transaction in flight
		pbox_pid=${pids[-2]}
		(for _ in $(seq 20); do sleep 0.2; kill -HUP "$pbox_pid" 2>/dev/null; done) &
		hup=$!
		(cd "$tmp" && timeout 60 sipp -sf "$top/tests/pbox/sipp/uac_cancel.xml" -s service \
			"127.0.0.1:$P" -i 127.0.0.1 -p "$C" -t u1 -r 20 -m 50 -l 50 -recv_timeout 5000 \
			-timeout 40 -timeout_error -nostdin </dev/null >"$tmp/uac.out" 2>&1)
		rc=$?
		good=$(grep -E "^ +Successful call" "$tmp/uac.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
		wait "$hup"
		hups=$(grep -c "reloaded:" "$tmp/pboxd2.log")
		[ $rc = 0 ] && [ "$good" = 50 ] && [ "$hups" -ge 5 ] &&
			ok "50 SIPp calls cancelled while ringing, 487 each, through $hups SIGHUP reloads" ||
			{ ko "SIPp CANCEL calls (exit $rc, $good successful)"; tail -20 "$tmp/uac.out"; }
	else
		ko "pboxd start (CANCEL calls)"
	fi
else
	echo "SKIP SIPp CANCEL calls: sipp not installed"
fi

grep -h "runtime error\|AddressSanitizer" "$tmp"/pboxd*.log && ko "sanitizer report in the daemon's log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
