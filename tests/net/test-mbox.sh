#!/bin/bash
# SPDX-License-Identifier: MIT
# The M-Box between a client and a private server (issue 17), in network
# namespaces this script makes and removes:
#
#   ntc (client)          ntr (router)                          nts (server)
#   10.0.1.2  c0 ──veth── r0 10.0.1.1 │ r1 10.0.2.1 ──veth── s0 10.0.2.2
#                         ▲ nutss-mboxd guards r0 (ingress)      nutss listen
#                         nutss-pboxd on 10.0.1.1:5060           (alice's echo)
#
# A flow by name passes with data both ways; a plain connection to the
# server's address does not, and draws a discovery reply naming the P-Box,
# which an endpoint with no NUTSS_PBOX uses; a valid ticket sent from another source, a
# forged one and one for another domain are dropped and counted; a ticket
# lost on the way is sent again and the flow opens; a key rotation keeps
# the flow; the daemon killed with -9 leaves the interface guarded (fail
# closed) and a restart takes the flow table back; every namespace, mount
# and process is removed at the end.
# Usage: tests/net/test-mbox.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/$B
tmp=$(mktemp -d)
chmod 755 "$tmp"
pin=$tmp/bpf
pass=0
fail=0
pids=()
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
skip() { echo "SKIP: $1"; echo "$pass passed, $fail failed"; exit 0; }
. "$top/tests/net/topo.sh"
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	topo_down
	umount "$pin" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "network namespaces and BPF need root"
for f in nutss nutss-pboxd nutss-mboxd; do [ -x "$bin/$f" ] || { ko "no $bin/$f"; echo "$pass passed, $fail failed"; exit 1; }; done
# --- the topology (tests/net/topo.sh, shared with the demo) ---
topo_up || skip "this kernel or container cannot make network namespaces"
mkdir -p "$pin" && mount -t bpf bpf "$pin" || skip "cannot mount bpffs"

data=$tmp/data
for u in alice bob; do
	echo "$u-pw" | "$bin/nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
	echo "$u-pw" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$bin/nutss" --data-dir "$data" key new example.com >/dev/null
as() { echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:10.0.1.1:5060"; }
wait_for() { # FILE PATTERN
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

ip netns exec ntr "$bin/nutss-pboxd" --listen udp:10.0.1.1:5060 --domain example.com --data-dir "$data" \
	--workers 1 --log-level debug >"$tmp/pboxd.log" 2>&1 &
pids+=($!)
wait_for "$tmp/pboxd.log" "up:" || ko "pboxd start"
printf 'pin_dir = %s\nidle_timeout = 60\n' "$pin" >"$tmp/mboxd.conf"
start_mboxd() {
	ip netns exec ntr "$bin/nutss-mboxd" -c "$tmp/mboxd.conf" --domain example.com --iface r0 \
		--pbox 10.0.1.1:5060 --data-dir "$data" --log-level debug >>"$tmp/mboxd.log" 2>&1 &
	mboxd=$!
	pids+=($mboxd)
}
start_mboxd
wait_for "$tmp/mboxd.log" "M-Box for example.com up" && ok "nutss-mboxd guards r0 ($(sed -n 's/.*guarding r0 (\([a-z]*\).*/\1/p' "$tmp/mboxd.log"))" ||
	{ ko "mboxd start"; cat "$tmp/mboxd.log"; }
stat() { "$bin/nutss" mbox --pin-dir "$pin" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

ip netns exec nts env $(as alice) "$bin/nutss" listen 'alice@example.com;app=echo;type=server' --exec cat \
	2>"$tmp/listen.log" >/dev/null </dev/null &
pids+=($!)
wait_for "$tmp/listen.log" "listening as" || ko "listener start (registration through the M-Box)"
port=$(sed -n 's/.*(tcp port \([0-9]*\)).*/\1/p' "$tmp/listen.log")

# --- default off ---
dropped=$(stat drop_not_admitted)
ip netns exec ntc timeout 3 python3 -c "
import socket,sys
s=socket.socket(); s.settimeout(2)
try: s.connect(('10.0.2.2', $port)); sys.exit(1)
except socket.timeout: sys.exit(0)
except OSError: sys.exit(1)" && ok "a plain TCP connection to the server's address gets nowhere (dropped, not refused)" ||
	ko "plain connection reached the server"
[ "$(stat drop_not_admitted)" -gt "$dropped" ] && ok "and the M-Box counted it (drop_not_admitted)" || ko "no drop counted"

# --- discovery: a dropped sender is told where the P-Box is ---
[ "$(stat discovery_sent)" -ge 1 ] && ok "the dropped SYN drew a discovery reply (discovery_sent $(stat discovery_sent))" ||
	ko "no discovery reply counted"
got=$(ip netns exec ntc "$bin/nutss" discover 10.0.2.2 2>"$tmp/disc.err")
[ "$got" = udp:10.0.1.1:5060 ] && ok "nutss discover 10.0.2.2: the M-Box names the P-Box ($got)" ||
	{ ko "discover toward the server ($got)"; cat "$tmp/disc.err"; }
got=$(ip netns exec ntc "$bin/nutss" discover 2>"$tmp/disc.err")
[ "$got" = udp:10.0.1.1:5060 ] && ok "nutss discover with no address probes the default gateway ($got)" ||
	{ ko "discover toward the gateway ($got)"; cat "$tmp/disc.err"; }
ip netns exec nts timeout 5 "$bin/nutss" discover 10.0.2.1 >/dev/null 2>"$tmp/disc.err"
[ $? = 1 ] && grep -q "no M-Box answered" "$tmp/disc.err" && ok "from the inside (no M-Box on the path) discovery says none answered" ||
	{ ko "discover from the inside"; cat "$tmp/disc.err"; }

# --- a flow by name ---
head -c 1000000 /dev/urandom >"$tmp/blob"
ip netns exec ntc env $(as bob) timeout 30 "$bin/nutss" connect 'alice@example.com;app=echo;type=server' \
	<"$tmp/blob" >"$tmp/blob.back" 2>"$tmp/c1.err"
rc=$?
[ $rc = 0 ] && cmp -s "$tmp/blob" "$tmp/blob.back" && ok "a flow by name through the M-Box: 1 MB each way, identical" ||
	{ ko "flow by name (exit $rc)"; cat "$tmp/c1.err"; }
[ "$(stat ticket_admit)" -ge 1 ] && [ "$(stat pass_flow)" -gt 10 ] && ok "its ticket admitted it; its packets passed as an admitted flow" ||
	ko "counters: admit $(stat ticket_admit), pass_flow $(stat pass_flow)"
"$bin/nutss" mbox --pin-dir "$pin" flows >"$tmp/flows.out"
grep -qE "^tcp +10\.0\.1\.2:[0-9]+ +10\.0\.2\.2:$port " "$tmp/flows.out" && ok "nutss mbox flows lists it with its time left" ||
	{ ko "flows list"; cat "$tmp/flows.out"; }

echo found | ip netns exec ntc env NUTSS_USER=bob@example.com NUTSS_PASSWORD_FILE="$tmp/bob.pw" timeout 20 \
	"$bin/nutss" connect 'alice@example.com;app=echo;type=server' >"$tmp/disc.out" 2>"$tmp/disc.err"
[ "$(cat "$tmp/disc.out")" = found ] && ok "with no NUTSS_PBOX the endpoint finds the P-Box by discovery, and the flow opens" ||
	{ ko "flow with a discovered P-Box"; cat "$tmp/disc.err"; }

# --- hand-made tickets: a copy from elsewhere, a forgery, another domain's ---
key=$(awk '$1 == "key" { print $4; exit }' "$data/keys")
cat >"$tmp/tickets.py" <<PY
import socket, struct, sys, time
sys.path.insert(0, "$top/tests/proto")
import vectors
key = bytes.fromhex("$key")
kind, src, sport = sys.argv[1], sys.argv[2], int(sys.argv[3])
flow_src, dst, dport = "10.0.1.2", "10.0.2.2", $port
exp = int(time.time()) + 60
domain, k = ("example.net", bytes(16)) if kind == "otherdomain" else ("example.com", key)
_, _, tok = vectors.token(k, domain, 1, exp, 6, flow_src, sport, dst, dport)
if kind == "forged":
    tok = tok[:-1] + bytes([tok[-1] ^ 1])
t = vectors.ticket(1, 6, flow_src, sport, dst, dport, 7, [tok])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, sport))
s.sendto(t, (dst, dport))
PY
try_flow() { # SPORT: does a TCP connection from 10.0.1.2:SPORT reach the server (accepted, then closed by it)?
	ip netns exec ntc timeout 3 python3 -c "
import socket,sys
s=socket.socket(); s.settimeout(2); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.0.1.2', $1))
try: s.connect(('10.0.2.2', $port)); sys.exit(0)
except OSError: sys.exit(1)"
}
for case in "replayed 10.0.1.3 41001 drop_ticket_wrong_path" "forged 10.0.1.2 41002 drop_ticket_bad_mac" \
	"otherdomain 10.0.1.2 41003 drop_ticket_no_token"; do
	set -- $case
	before=$(stat "$4")
	ip netns exec ntc python3 "$tmp/tickets.py" "$1" "$2" "$3"
	sleep 0.2
	after=$(stat "$4")
	! try_flow "$3" && [ "$after" -gt "$before" ] && ok "a $1 ticket is dropped ($4) and admits nothing" ||
		ko "$1 ticket ($4: $before -> $after)"
done
ip netns exec ntc python3 "$tmp/tickets.py" good 10.0.1.2 41004
sleep 0.2
try_flow 41004 && ok "a good hand-made ticket (Python, from the keys file) admits its 5-tuple" ||
	ko "good hand-made ticket"

# --- a ticket lost on the way: sent again, and the flow opens ---
ip netns exec ntc nft -f - <<'NFT'
table ip losetest {
	chain out {
		type filter hook output priority 0;
		udp dport != 5060 @th,64,32 0x4e544b54 numgen inc mod 2 0 counter drop
	}
}
NFT
s=$(date +%s%N)
echo again | ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" connect 'alice@example.com;app=echo;type=server' \
	>"$tmp/lost.out" 2>"$tmp/lost.err"
ms=$((($(date +%s%N) - s) / 1000000))
lost=$(ip netns exec ntc nft list table ip losetest | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$(cat "$tmp/lost.out")" = again ] && [ "${lost:-0}" -ge 1 ] &&
	ok "the first ticket lost on the way ($lost dropped): sent again, the flow opened ($ms ms)" ||
	{ ko "lost ticket (dropped ${lost:-?})"; cat "$tmp/lost.err"; }
ip netns exec ntc nft delete table ip losetest

# --- key rotation mid-flow; the daemon killed with -9; a restart ---
coproc FLOW { ip netns exec ntc env $(as bob) timeout 60 "$bin/nutss" connect 'alice@example.com;app=echo;type=server' 2>"$tmp/long.err"; }
echo one >&"${FLOW[1]}"
read -r -t 10 line <&"${FLOW[0]}"
[ "$line" = one ] && ok "a long flow echoes" || ko "long flow ($line)"
"$bin/nutss" --data-dir "$data" key rotate >/dev/null
wait_for "$tmp/mboxd.log" "2 domain key(s) live (serial 2 newest)" && ok "nutss key rotate reaches the M-Box (2 keys live)" || ko "rotation not seen"
echo two >&"${FLOW[1]}"
read -r -t 10 line <&"${FLOW[0]}"
[ "$line" = two ] && ok "the flow goes on across the rotation" || ko "flow after rotation ($line)"
kill -9 "$mboxd"
sleep 0.5
echo three >&"${FLOW[1]}"
read -r -t 10 line <&"${FLOW[0]}"
[ "$line" = three ] && ok "nutss-mboxd killed with -9: the admitted flow still passes" || ko "flow after kill -9 ($line)"
! try_flow 41010 && ok "and the interface stays guarded (fail closed)" || ko "open after the daemon died"
start_mboxd
wait_for "$tmp/mboxd.log" "guarding r0" || ko "restart"
echo four >&"${FLOW[1]}"
read -r -t 10 line <&"${FLOW[0]}"
[ "$line" = four ] && "$bin/nutss" mbox --pin-dir "$pin" flows | grep -q "10.0.2.2:$port" &&
	ok "a restart takes the pinned flow table back: the flow goes on" || ko "after restart ($line)"
exec {FLOW[1]}>&-
echo new | ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" connect 'alice@example.com;app=echo;type=server' \
	>"$tmp/new.out" 2>/dev/null
[ "$(cat "$tmp/new.out")" = new ] && ok "new flows open after the restart, with the new key" || ko "new flow after restart"

# --- the XDP hook holds one program: never replace someone else's ---
if command -v clang >/dev/null; then
	# no headers: XDP_PASS is 2, the context is not read
	printf '%s\n' '__attribute__((section("xdp"), used)) int other_xdp(void *ctx) { return 2; }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' >"$tmp/pass.c"
	if clang -O2 -target bpf -c "$tmp/pass.c" -o "$tmp/pass.o" 2>"$tmp/clang.err" &&
		ip -n ntr link set dev r1 xdpgeneric obj "$tmp/pass.o" sec xdp 2>"$tmp/iplink.err"; then
		mkdir -p "$pin/other"
		printf 'pin_dir = %s\n' "$pin/other" >"$tmp/other.conf"
		ip netns exec ntr timeout 10 "$bin/nutss-mboxd" -c "$tmp/other.conf" --domain example.com \
			--iface r1 --mode xdp --pbox 10.0.1.1:5060 --data-dir "$data" >"$tmp/other.log" 2>&1
		rc=$?
		[ "$rc" != 0 ] && grep -q "another XDP program" "$tmp/other.log" &&
			ip -n ntr link show dev r1 | grep -q xdpgeneric &&
			ok "--mode xdp refuses an interface whose XDP hook holds another program (exit $rc)" ||
			{ ko "another XDP program replaced (exit $rc)"; cat "$tmp/other.log"; }
		ip -n ntr link set dev r1 xdpgeneric off
		rm -rf "$pin/other"
	else
		ko "could not attach a test XDP program: $(cat "$tmp/clang.err" "$tmp/iplink.err")"
	fi
else
	ko "clang missing (make test installs it)"
fi

# --- detach: everything passes again ---
ip netns exec ntr "$bin/nutss" mbox detach r0 >/dev/null && try_flow 41020 &&
	ok "nutss mbox detach r0: the interface is open again" || ko "detach"
grep -qE 'AddressSanitizer|runtime error:' "$tmp"/*.log "$tmp"/*.err 2>/dev/null &&
	{ ko "sanitizer report"; grep -E "AddressSanitizer|runtime error:" "$tmp"/*.log "$tmp"/*.err; } || ok "no sanitizer report"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
