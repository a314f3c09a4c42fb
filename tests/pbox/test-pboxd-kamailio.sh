#!/bin/bash
# SPDX-License-Identifier: MIT
# Interop with a real Kamailio as nutss-pboxd's next hop:
#
#   sipp uac :C --> nutss-pboxd :P --> kamailio :K --> sipp uas :U
#
# 100 calls (INVITE, 180, 200, ACK, BYE, 200) cross both proxies, each of
# which record-routes, so ACK and BYE do too. Kamailio runs in the
# foreground from ../shared/bench-harness and is stopped by PID.
# Usage: tests/pbox/test-pboxd-kamailio.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
pboxd=$top/$B/nutss-pboxd
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
tmp=$(mktemp -d)
chmod 755 "$tmp"
. "$top/tests/pbox/lib.sh"
trap pbox_cleanup EXIT

if ! command -v kamailio >/dev/null || ! command -v sipp >/dev/null; then
	echo "SKIP: kamailio or sipp not installed"
	echo "0 passed, 0 failed"
	exit 0
fi

K=$(free_port); U=$(free_port); P=$(free_port)
BENCH_PROXY_PORT=$K BENCH_UAS_PORT=$U BENCH_RUNDIR=$tmp/kam KAM_SHM_MB=128 KAM_CHILDREN=2 \
	KAM_TCP_CHILDREN=1 "$harness/kamailio/run-kamailio.sh" >"$tmp/kamailio.log" 2>&1 &
pids+=($!)
pbox_start "$tmp/pboxd.log" "$P" --domain example.com --auth off --next-hop "127.0.0.1:$K" \
	--data-dir "$tmp/data" || ko "pboxd start"
(cd "$tmp" && exec sipp -sf "$harness/sipp/uas.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin -timeout 60 \
	</dev/null >"$tmp/uas.out" 2>&1) &
pids+=($!)
# Kamailio is up when it listens on K
for _ in $(seq 50); do
	ss -uln | grep -q "127.0.0.1:$K " && break
	sleep 0.1
done
sleep 0.3
# chosen only now: the daemons above bind ephemeral ports of their own (pboxd's
# per-worker Via sockets), and one of them took a port chosen earlier once
C=$(free_port)
(cd "$tmp" && timeout 60 sipp -sf "$harness/sipp/uac.xml" -s service "127.0.0.1:$P" -i 127.0.0.1 \
	-p "$C" -t u1 -r 50 -m 100 -l 100 -recv_timeout 5000 -timeout 40 -timeout_error -nostdin \
	-trace_err -error_file "$tmp/uac.err" </dev/null >"$tmp/uac.out" 2>&1)
rc=$?
good=$(grep -E "^ +Successful call" "$tmp/uac.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
if [ $rc = 0 ] && [ "$good" = 100 ]; then
	ok "100 calls sipp -> nutss-pboxd -> kamailio -> sipp"
else
	ko "calls through kamailio (exit $rc, $good successful)"
	tail -5 "$tmp/uac.err" 2>/dev/null
	tail -5 "$tmp/kamailio.log"
fi
grep -h "runtime error\|AddressSanitizer" "$tmp/pboxd.log" && ko "sanitizer report in the daemon's log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
