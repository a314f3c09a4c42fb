#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-mbox: the M-Box side by side with what an operator would use
# instead (issue 17; bench/README.md, "bench-mbox"), in two network
# namespaces this script makes and removes:
#
#   nbs (sender)  10.0.9.1 bs0 ──veth── br0 10.0.9.2  nbr (receiver)
#                                       ▲ the filter under test, on ingress;
#                                         RPS steers br0's receive work to CPU 1,
#                                         every sender is pinned to CPU 0
#
#  drop       CPU 1's time per dropped packet under a paced 64-byte UDP
#             flood (DROP_RATE a second), measured as the time a SCHED_IDLE
#             spinner on CPU 1 loses to the receive work (the tick-sampled
#             softirq column of /proc/stat aliased with the paced flood and
#             swung 4x between repeats), with N = 10, 1,000, 100,000 grants:
#             the M-Box (N admitted flows), nftables with the grants in a
#             set with timeouts (one lookup), nftables with a rule per grant
#             (as fwknop adds them), and the floor: a bare nft drop rule at
#             the same hook
#  tickets    ns per ticket verification (bpf_prog_test_run, 10^6 runs);
#             forged tickets (well formed, this domain's key id, wrong MAC)
#             at the highest rate one sender reaches, at least 1,000,000:
#             how many per second the M-Box verifies, and how many admitted
#  grant      authorization to first packet: a ticket, then data packets
#             100 us apart; vs fwknop (fwknop-server's single-packet
#             authorization, default configuration, iptables): its SPA
#             packet, then the same data packets
#  tcp        iperf3 through the M-Box (an admitted flow) vs no filter, in
#             tc and XDP mode (the attach-mode choice); and both again while
#             a forged-ticket flood (FLOOD_RATE a second, from CPU 0) runs:
#             flood_throughput_ratio is the M-Box's path vs no filter under
#             the same flood (the ratio to no filter without it is printed too)
#  memory     the flow table's kernel memory with 1,000,000 flows in it
#
# Medians of REPEATS (default 5), the contenders interleaved in each repeat.
# Last line:
#   mbox: drop_ns=N drop_vs_nftset=X rule_per_grant_vs_us_100k=X ticket_ns=N
#         forged_admitted=N grant_vs_fwknop=X tcp_throughput_ratio=X
#         flood_throughput_ratio=X bytes_per_flow=N
# Usage: bench/bench-mbox.sh BUILD_DIR (REPEATS, DROP_SECONDS, DROP_RATE,
#        TCP_SECONDS, FLOOD_RATE, PARTS="drop tickets grant tcp memory" in
#        the environment)
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$top" && cd "$B" && pwd)
REPEATS=${REPEATS:-5}
DROP_SECONDS=${DROP_SECONDS:-4}
DROP_RATE=${DROP_RATE:-400000} # below what CPU 1 can drop (so no queue overflows), enough to keep it half busy
TCP_SECONDS=${TCP_SECONDS:-5}
FLOOD_RATE=${FLOOD_RATE:-100000}
PARTS=${PARTS:-drop tickets grant tcp memory} # which measurements; the others print nan
res=${BENCH_RESULTS:-$top/bench-results}/mbox-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$res"
tmp=$res/run
mkdir -p "$tmp"
chmod 755 "$res" "$tmp"
pin=$tmp/bpf
pids=()
mboxd=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del nbs 2>/dev/null
	ip netns del nbr 2>/dev/null
	umount "$pin" 2>/dev/null
}
trap cleanup EXIT
die() { echo "bench-mbox: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, BPF)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (the flood on one, the receive work on the other)"
for f in nutss nutss-mboxd bench/bench_mbox; do [ -x "$B/$f" ] || die "$B/$f not built"; done
for c in nft iperf3 fwknop fwknopd iptables bpftool taskset; do
	command -v $c >/dev/null || die "$c not found (scripts/install-deps.sh bench)"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3g", a / b; else print "nan" }'; }
S() { ip netns exec nbs "$@"; }
R() { ip netns exec nbr "$@"; }
echo "bench-mbox: results in $res"

# --- the topology ---
ip netns del nbs 2>/dev/null
ip netns del nbr 2>/dev/null
ip netns add nbs && ip netns add nbr || die "cannot make network namespaces"
ip link add bs0 netns nbs type veth peer name br0 netns nbr
S ip addr add 10.0.9.1/24 dev bs0
R ip addr add 10.0.9.2/24 dev br0
for x in "nbs bs0" "nbr br0"; do
	set -- $x
	ip -n "$1" link set "$2" up
	ip -n "$1" link set lo up
done
R sh -c 'echo 2 >/sys/class/net/br0/queues/rx-0/rps_cpus' || die "cannot set RPS"
# iperf3's control connections leave from known ports (data: --cport), so tickets can admit them
S sysctl -qw net.ipv4.ip_local_port_range="40000 40009"
S sysctl -qw net.ipv4.tcp_tw_reuse=1
mkdir -p "$pin" && mount -t bpf bpf "$pin" || die "cannot mount bpffs"
data=$tmp/data
"$B/nutss" --data-dir "$data" key new example.com >/dev/null
key=$(awk '$1 == "key" { print $4; exit }' "$data/keys")

# the M-Box on br0 (tc unless MODE says otherwise); off: detached, its maps kept
mbox_on() { # [MODE]
	printf 'pin_dir = %s\nflows = 1048576\nidle_timeout = 3600\n' "$pin" >"$tmp/mboxd.conf"
	R "$B/nutss-mboxd" -c "$tmp/mboxd.conf" --domain example.com --iface br0 --pbox 10.0.9.2:5060 \
		--data-dir "$data" --mode "${1:-tc}" >>"$res/mboxd.log" 2>&1 &
	mboxd=$!
	pids+=($mboxd)
	for _ in $(seq 100); do
		[ "$(grep -c "M-Box for example.com up" "$res/mboxd.log")" -ge "$mbox_starts" ] && break
		sleep 0.05
	done
}
mbox_starts=0
mbox_start() { mbox_starts=$((mbox_starts + 1)); mbox_on "$@"; }
mbox_off() {
	[ -n "$mboxd" ] || return 0
	kill "$mboxd" 2>/dev/null
	wait "$mboxd" 2>/dev/null
	mboxd=
	R "$B/nutss" mbox detach br0 >/dev/null 2>&1
}
stat() { "$B/nutss" mbox --pin-dir "$pin" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# nftables in nbr: one table, its base chain pointed at the contender in turn
nft_load() { # N: the grants as a set and as a rule each
	python3 - "$1" >"$tmp/grants.nft" <<'PY'
import sys
n = int(sys.argv[1])
grants = [("10.%d.%d.%d" % (64 + (j >> 16), (j >> 8) & 255, j & 255), 20000 + j % 1000) for j in range(n)]
print("table netdev nb {")
print("set grants { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags timeout; size 1048576; }")
print("chain c_floor {\ncounter drop\n}")
print("chain c_set {\nip saddr . ip daddr . ip protocol . th sport . th dport @grants accept\ncounter drop\n}")
print("chain c_rules {")
for a, p in grants:
    print("ip saddr %s tcp dport %d accept" % (a, p))
print("counter drop\n}")
print("chain in {\ntype filter hook ingress device br0 priority 0; policy accept;\n}\n}")
for i in range(0, n, 10000):
    print("add element netdev nb grants { " + ", ".join(
        "%s . 192.168.0.1 . tcp . %d . 443 timeout 1h" % g for g in grants[i:i + 10000]) + " }")
PY
	R nft delete table netdev nb 2>/dev/null
	R nft -f "$tmp/grants.nft" || die "nft cannot load $1 grants"
}
nft_use() { # floor|set|rules|none
	R nft flush chain netdev nb in
	[ "$1" = none ] || R nft add rule netdev nb in meta protocol ip jump "c_$1"
}
nft_drops() { R nft list chain netdev nb "c_$1" | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p' | tail -1; }

soak() { "$B/bench/bench_mbox" soak 1 "$1" | sed -n 's/soak: loops_per_s=//p'; }
# drop_ns CONTENDER: CPU 1's ns per packet the contender dropped: the share of
# CPU 1 a spinner there lost to the receive work while the flood ran, over the
# packets dropped a second
drop_ns() {
	local before after quiet quiet2 busy fl out
	if [ "$1" = mbox ]; then before=$(stat drop_not_admitted); else before=$(nft_drops "$1"); fi
	quiet=$(soak 0.5)
	S taskset -c 0 "$B/bench/bench_mbox" flood 10.0.9.1 10.0.9.2 9999 "$DROP_SECONDS" plain example.com \
		"$DROP_RATE" >"$tmp/flood.last" &
	fl=$!
	sleep 0.3
	busy=$(soak "$(awk -v d="$DROP_SECONDS" 'BEGIN { print d - 0.8 }')")
	wait $fl
	quiet2=$(soak 0.5) # before and after: the VM's speed drifts over seconds
	cat "$tmp/flood.last" >>"$res/flood.out"
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$tmp/flood.last")
	if [ "$1" = mbox ]; then after=$(stat drop_not_admitted); else after=$(nft_drops "$1"); fi
	awk -v q="$(((quiet + quiet2) / 2))" -v b="$busy" -v n=$((after - before)) -v s="$secs" \
		'BEGIN { if (n > 0 && q > 0) printf "%.0f", (1 - b / q) * 1e9 / (n / s); else print "nan" }'
}

drop_mbox=nan drop_vs_nftset=nan rpg=nan ticket_ns=nan forged_admitted=nan grant_vs_fwknop=nan
tcp_ratio=nan flood_ratio=nan bytes_per_flow=nan
part() { [[ " $PARTS " = *" $1 "* ]]; }
paired() { # N|all A B: the median over repeats of A's ns / B's ns in the same repeat and N
	awk -v n="$1" -v a="$2" -v b="$3" '($1 == n || n == "all") && ($2 == a || $2 == b) { v[$1 " " $4 " " $2] = $3 }
		END { for (k in v) { split(k, f, " "); if (f[3] == a && v[f[1] " " f[2] " " b] > 0) print v[k] / v[f[1] " " f[2] " " b] } }' \
		"$res/drop.tsv" | median | awk '{ printf "%.3g", $1 }'
}
if part drop; then
echo "== drop: CPU 1 ns per dropped packet, ${DROP_RATE}/s for ${DROP_SECONDS}s, $REPEATS x"
mbox_start
# a first flood, not counted: the first seconds of a run measure the VM waking up
S taskset -c 0 "$B/bench/bench_mbox" flood 10.0.9.1 10.0.9.2 9999 3 plain example.com "$DROP_RATE" >/dev/null
: >"$res/drop.tsv"
for n in 10 1000 100000; do
	nft_load "$n"
	"$B/nutss" mbox --pin-dir "$pin" flush >/dev/null
	"$B/bench/bench_mbox" fill "$pin" "$n" >/dev/null || die "cannot fill the flow table"
	mbox_off
	for r in $(seq "$REPEATS"); do
		order="mbox set rules floor"
		[ $((r % 2)) = 0 ] && order="floor rules set mbox"
		for c in $order; do
			if [ $c = mbox ]; then nft_use none; mbox_start; sleep 0.5; else mbox_off; nft_use $c; fi
			v=$(drop_ns $c)
			printf '%s\t%s\t%s\t%s\n' "$n" "$c" "$v" "$r" >>"$res/drop.tsv"
		done
	done
	mbox_off
	nft_use none
	printf '   N=%-6s' "$n"
	for c in mbox set rules floor; do
		printf '  %s %6s ns' "$c" "$(awk -v n="$n" -v c=$c '$1 == n && $2 == c { print $3 }' "$res/drop.tsv" | median)"
	done
	printf '  (M-Box / set, paired per repeat: %s)\n' "$(paired "$n" mbox set)"
done
R nft delete table netdev nb
fi

if part drop; then
dm() { awk -v n="$1" -v c="$2" '$1 == n && $2 == c { print $3 }' "$res/drop.tsv" | median; }
drop_mbox=$(dm 100000 mbox)
echo "   M-Box at N=100000 / N=10: $(ratio "$drop_mbox" "$(dm 10 mbox)"); nft set: $(ratio "$(dm 100000 set)" "$(dm 10 set)"); rule per grant: $(ratio "$(dm 100000 rules)" "$(dm 10 rules)")"
# the VM's speed drifts between repeats (all contenders move together): compare within a repeat
drop_vs_nftset=$(paired all mbox set)
rpg=$(paired 100000 rules mbox)
echo "   paired per repeat, all N: M-Box / nft set $drop_vs_nftset, M-Box / bare drop $(paired all mbox floor); at N=100000 a rule per grant / M-Box: $rpg"
fi

if part tickets; then
echo "== tickets: verification in the program, and a forged-ticket flood through br0"
"$B/bench/bench_mbox" prog 1000000 | tee "$res/prog.out"
ticket_ns=$(sed -n 's/.*ticket_ns=\([0-9.]*\).*/\1/p' "$res/prog.out")
mbox_start
admit0=$(stat ticket_admit)
bad0=$(stat drop_ticket_bad_mac)
sent=0
secs=0
for _ in $(seq 10); do # at least 1,000,000 forged tickets, bounded
	out=$(S taskset -c 0 "$B/bench/bench_mbox" flood 10.0.9.1 10.0.9.2 9999 5 forged example.com)
	echo "$out" >>"$res/flood.out"
	sent=$((sent + $(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')))
	secs=$(awk -v a="$secs" -v b="$(echo "$out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')" 'BEGIN { print a + b }')
	[ "$sent" -ge 1000000 ] && break
done
forged_admitted=$(($(stat ticket_admit) - admit0))
verified=$(($(stat drop_ticket_bad_mac) - bad0))
vps=$(awk -v v="$verified" -v s="$secs" 'BEGIN { printf "%.0f", v / s }')
echo "   $sent forged tickets sent in ${secs}s; the M-Box verified and dropped $verified (${vps}/s$([ "$verified" = "$sent" ] && echo ": every one sent, the sender was the limit")), admitted $forged_admitted"

fi

if part grant; then
echo "== grant: authorization to first data packet, ours vs fwknop, $REPEATS x"
cat >"$tmp/grant.py" <<PY
# sender: send the grant (a ticket, or fwknop's SPA packet), then a data
# packet every 100 us; print the ns from the grant to the first data packet
# the receiver got (it answers the first one).
import socket, sys, time
sys.path.insert(0, "$top/tests/proto")
kind, sport = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.9.1", sport))
s.setblocking(False)
if kind == "ticket":
    import vectors
    tok = vectors.token(bytes.fromhex("$key"), "example.com", 1, int(time.time()) + 60, 17,
                        "10.0.9.1", sport, "10.0.9.2", 7000)[2]
    grant, to = vectors.ticket(1, 17, "10.0.9.1", sport, "10.0.9.2", 7000, 1, [tok]), ("10.0.9.2", 7000)
else:
    grant, to = open(sys.argv[3], "rb").read().strip(), ("10.0.9.2", 62201)
t0 = time.monotonic_ns()
s.sendto(grant, to)
seq = 0
while time.monotonic_ns() - t0 < 5e9:
    seq += 1
    s.sendto(b"DATA%d" % seq, ("10.0.9.2", 7000))
    try:
        t1, first = s.recv(64).split()
        print(int(t1) - t0, int(first), seq)  # ns, the first data packet through, packets sent
        sys.exit(0)
    except BlockingIOError:
        pass
    time.sleep(0.0001)
print("nan 0", seq)
PY
cat >"$tmp/first.py" <<'PY'
# receiver: the arrival time of the first data packet (tickets pass through too: skip them)
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.9.2", 7000))
s.settimeout(8)
while True:
    d, a = s.recvfrom(2048)
    if d.startswith(b"DATA"):
        s.sendto(b"%d %s" % (time.monotonic_ns(), d[4:]), a)
        break
PY
# fwknop: keys, a server sniffing br0 that opens udp/7000 with iptables, which drops it otherwise
fwk=$(fwknop --key-gen)
kb=$(echo "$fwk" | sed -n 's/^KEY_BASE64: *//p')
hb=$(echo "$fwk" | sed -n 's/^HMAC_KEY_BASE64: *//p')
mkdir -p "$tmp/fwknop"
printf 'PCAP_INTF br0;\nFWKNOP_RUN_DIR %s;\n' "$tmp/fwknop" >"$tmp/fwknop/fwknopd.conf"
printf 'SOURCE ANY\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nOPEN_PORTS udp/7000\nFW_ACCESS_TIMEOUT 30\n' "$kb" "$hb" \
	>"$tmp/fwknop/access.conf"
chmod 600 "$tmp/fwknop/"*.conf
R fwknopd -f -c "$tmp/fwknop/fwknopd.conf" -a "$tmp/fwknop/access.conf" -i br0 \
	-p "$tmp/fwknop/fwknopd.pid" -d "$tmp/fwknop/digest.cache" >"$res/fwknopd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do R iptables -S 2>/dev/null | grep -q FWKNOP_INPUT && break; sleep 0.1; done
R iptables -S | grep -q FWKNOP_INPUT || die "fwknopd did not start: $(tail -3 "$res/fwknopd.log")"
: >"$res/grant.tsv"
for r in $(seq "$REPEATS"); do
	for c in ticket fwknop; do
		sport=$((41000 + r * 2))
		spa=$tmp/spa.$r
		if [ $c = ticket ]; then
			mbox_start
		else
			sport=$((sport + 1))
			mbox_off
			R iptables -A INPUT -p udp --dport 7000 -j DROP
			fwknop -A udp/7000 -a 10.0.9.1 -D 10.0.9.2 --key-base64-rijndael "$kb" \
				--key-base64-hmac "$hb" --test --save-packet "$spa" --use-hmac >/dev/null 2>&1 ||
				die "fwknop cannot make an SPA packet"
		fi
		R timeout 10 python3 "$tmp/first.py" &
		rcv=$!
		sleep 0.3
		v=$(S timeout 10 python3 "$tmp/grant.py" $c "$sport" "$spa")
		wait $rcv 2>/dev/null
		printf '%s\t%s\n' "$c" "$v" >>"$res/grant.tsv"
		if [ $c = fwknop ]; then
			R iptables -D INPUT -p udp --dport 7000 -j DROP
			R iptables -F FWKNOP_INPUT
		fi
		sleep 0.2
	done
done
mbox_off
R iptables -F
grant_ours=$(awk '$1 == "ticket" { print $2 / 1000 }' "$res/grant.tsv" | median)
grant_fwknop=$(awk '$1 == "fwknop" { print $2 / 1000 }' "$res/grant.tsv" | median)
grant_vs_fwknop=$(ratio "$grant_fwknop" "$grant_ours")
echo "   ticket ${grant_ours} us, fwknop ${grant_fwknop} us (medians): fwknop takes ${grant_vs_fwknop}x as long"
echo "   (the first data packet through, of those sent 100 us apart: ticket #$(awk '$1 == "ticket" { print $3 }' "$res/grant.tsv" | median), fwknop #$(awk '$1 == "fwknop" { print $3 }' "$res/grant.tsv" | median))"

fi

if part tcp; then
echo "== tcp: iperf3 ${TCP_SECONDS}s through br0, $REPEATS x"
# tickets for iperf3's connections: control from 40000-40009, data from CPORT
admit_iperf() { # CPORT
	S python3 - <<PY
import socket, sys, time
sys.path.insert(0, "$top/tests/proto")
import vectors
for sport in list(range(40000, 40010)) + [$1]:
    tok = vectors.token(bytes.fromhex("$key"), "example.com", 1, int(time.time()) + 600, 6,
                        "10.0.9.1", sport, "10.0.9.2", 5201)[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.0.9.1", sport))
    s.sendto(vectors.ticket(1, 6, "10.0.9.1", sport, "10.0.9.2", 5201, 1, [tok]), ("10.0.9.2", 5201))
    s.close()
PY
}
iperf() { # CPORT: prints Gb/s
	R iperf3 -s -1 -B 10.0.9.2 >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	S timeout $((TCP_SECONDS + 15)) iperf3 -c 10.0.9.2 -t "$TCP_SECONDS" --cport "$1" -J >"$tmp/iperf.json" 2>&1
	wait $srv 2>/dev/null
	python3 -c "import json; print('%.2f' % (json.load(open('$tmp/iperf.json'))['end']['sum_received']['bits_per_second'] / 1e9))" 2>/dev/null || echo nan
}
: >"$res/tcp.tsv"
cport=40100
for r in $(seq "$REPEATS"); do
	for c in none tc xdp tc+flood none+flood; do
		cport=$((cport + 1))
		mbox_off
		case $c in tc | tc+flood) mbox_start tc ;; xdp) mbox_start xdp ;; esac
		case $c in tc* | xdp) "$B/nutss" mbox --pin-dir "$pin" flush >/dev/null; admit_iperf $cport ;; esac
		fl=
		if [[ $c = *flood ]]; then
			S taskset -c 0 "$B/bench/bench_mbox" flood 10.0.9.1 10.0.9.2 9999 $((TCP_SECONDS + 3)) forged \
				example.com "$FLOOD_RATE" >>"$res/flood.out" &
			fl=$!
		fi
		printf '%s\t%s\n' "$c" "$(iperf $cport)" >>"$res/tcp.tsv"
		[ -n "$fl" ] && wait "$fl"
	done
done
mbox_off
grep -h "guarding br0" "$res/mboxd.log" | sed 's/.*guarding/   mboxd: guarding/' | sort -u
tm() { awk -v c="$1" '$1 == c { print $2 }' "$res/tcp.tsv" | median; }
printf '   Gb/s: none %s  tc %s  xdp %s  tc+flood %s  none+flood %s\n' "$(tm none)" "$(tm tc)" "$(tm xdp)" \
	"$(tm tc+flood)" "$(tm none+flood)"
tcp_ratio=$(ratio "$(tm tc)" "$(tm none)")
# under the same flood: the M-Box's path vs the path with no filter (the flood's CPU is spent either way)
flood_ratio=$(ratio "$(tm tc+flood)" "$(tm none+flood)")
echo "   M-Box (tc) / none: $tcp_ratio; xdp / none: $(ratio "$(tm xdp)" "$(tm none)"); under a ${FLOOD_RATE}/s forged-ticket flood, M-Box / none: $flood_ratio (M-Box with the flood / none without: $(ratio "$(tm tc+flood)" "$(tm none)"))"

fi

if part memory; then
echo "== memory: the flow table with 1,000,000 flows"
mbox_start
"$B/nutss" mbox --pin-dir "$pin" flush >/dev/null
"$B/bench/bench_mbox" fill "$pin" 1000000 >/dev/null || die "cannot fill 1,000,000 flows"
count=$("$B/bench/bench_mbox" count "$pin" | sed -n 's/count: //p')
memlock=$(bpftool -j map show pinned "$pin/flows" | python3 -c "import json,sys; print(json.load(sys.stdin)['bytes_memlock'])")
bytes_per_flow=$(awk -v m="$memlock" -v c="$count" 'BEGIN { printf "%.0f", m / c }')
echo "   $count flows, $memlock bytes of kernel memory (bpftool memlock): $bytes_per_flow bytes a flow"
mbox_off
fi

echo "mbox: drop_ns=${drop_mbox} drop_vs_nftset=${drop_vs_nftset} rule_per_grant_vs_us_100k=${rpg} ticket_ns=${ticket_ns} forged_admitted=${forged_admitted} grant_vs_fwknop=${grant_vs_fwknop} tcp_throughput_ratio=${tcp_ratio} flood_throughput_ratio=${flood_ratio} bytes_per_flow=${bytes_per_flow}" |
	tee "$res/summary"
