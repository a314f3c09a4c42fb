#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-shim: unmodified programs under `nutss run` (issue 18; bench/README.md,
# "bench-shim"), side by side with what they stand beside, on loopback in one run.
# bench_shim (bench/bench_shim.c) is the program: plain socket code.
#
#  plain    get ──TCP, the program's own socket (the flow)──▶ serve        both under nutss run
#           get ──TCP──────────────────────────────────────▶ serve        no shim (a second server)
#  tls      get ─unix─▶ agent ══TLS/TCP══▶ agent ─unix─▶ serve           both under nutss run
#           get ─TCP─▶ stunnel4 ══TLS/TCP══▶ stunnel4 ─TCP─▶ serve        no shim (the second server)
#  connect  getaddrinfo(name) + connect until writable, vs 127.0.0.1:port, in turn, GAP_MS apart
#
# Throughput is the client's, wall clock from before getaddrinfo to EOF, BYTES
# (2 GiB) a transfer; MB = 10^6 bytes, GB = 10^9. TLS CPU is both agents'
# (utime+stime from /proc/PID/stat: the client's agent read by the client
# itself, found by SO_PEERCRED on $NUTSS_AGENT; the server's likewise, read
# here) against both stunnel4 processes', over the same window. TLS 1.3,
# TLS_AES_128_GCM_SHA256 on both (checked in a capture of the first transfer
# when tcpdump is there). The four transfers run in turn within each repeat,
# in reverse order every other repeat; ratios are paired per repeat, then the
# median over REPEATS (default 5). Last line:
#   shim: plain_ratio=X tls_vs_stunnel=X tls_cpu_vs_stunnel=X connect_added_us=N
# Usage: bench/bench-shim.sh BUILD_DIR   (REPEATS, BYTES, CONNECTS, GAP_MS in the environment)
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/stunnel.sh"
B=$(cd "$top" && cd "$B" && pwd)
REPEATS=${REPEATS:-5}
BYTES=${BYTES:-2147483648}
CONNECTS=${CONNECTS:-200}
GAP_MS=${GAP_MS:-20}
res=${BENCH_RESULTS:-$top/bench-results}/shim-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$res"
tmp=$res/run
mkdir -p "$tmp"
chmod 700 "$tmp"
pids=()
cleanup() { # the last started first: programs and agents before the P-Box they deregister from
	local i p
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		p=${pids[i]}
		kill "$p" 2>/dev/null || continue
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench-shim: $*" >&2; exit 1; }
for f in nutss nutss-pboxd libnutss-preload.so bench/bench_shim; do [ -x "$B/$f" ] || [ -r "$B/$f" ] || die "$B/$f not built"; done
command -v stunnel4 >/dev/null || die "stunnel4 not found (scripts/install-deps.sh bench)"
# What is measured, copied once: a rebuild of BUILD_DIR meanwhile changes nothing here
# (nutss run finds the shim beside itself)
mkdir -p "$tmp/bin"
for f in nutss nutss-pboxd libnutss-preload.so bench/bench_shim; do cp "$B/$f" "$tmp/bin/" || die "cannot copy $B/$f"; done
B=$tmp/bin
bs=$B/bench_shim
free_ports() { python3 -c '
import socket
ss = [socket.socket() for _ in range('"$1"')]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p"; }
cpu_s() { # PID...: utime+stime of all their threads, in seconds (comm has no spaces: nutss, stunnel4)
	local f=() p
	for p; do f+=("/proc/$p/stat"); done
	awk -v hz="$(getconf CLK_TCK)" '{ t += $14 + $15 } END { printf "%.2f", t / hz }' "${f[@]}"
}
echo "bench-shim: results in $res"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the domain: a P-Box, alice serves, bob connects ---
data=$tmp/data
for u in alice bob; do
	echo "$u-pw" | "$B/nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null ||
		die "cannot add $u"
	echo "$u-pw" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$B/nutss" --data-dir "$data" key new example.com >/dev/null || die "cannot make a key"
printf 'if (to.app IS secure)\n\trequire(ssl)\nend\naccept()\n' >"$tmp/domain.pol"
printf 'policy = %s\nauth_algorithms = MD5\nlog_level = info\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"
read -r P PB PS PP SA SB < <(free_ports 6)
"$B/nutss-pboxd" -c "$tmp/pboxd.conf" --listen "udp:127.0.0.1:$P" --domain example.com --data-dir "$data" \
	>"$res/pboxd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "up:" "$res/pboxd.log" && break; sleep 0.1; done
grep -q "up:" "$res/pboxd.log" || die "pboxd did not start: $(tail -3 "$res/pboxd.log")"
as() { echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:127.0.0.1:$P"; }
run() { env $(as bob) "$B/nutss" run -- "$@"; } # bob's program under the shim

# serve NAME PORT [ATTRS]: a server, under the shim as alice when ATTRS; its agent's PID in agent_NAME
serve() {
	local out=$res/serve-$1.out
	if [ -n "${3:-}" ]; then
		env $(as alice) "$B/nutss" run --serve "$2=$3" -- "$bs" serve "$2" >"$out" 2>"$res/serve-$1.err" &
	else
		"$bs" serve "$2" >"$out" 2>"$res/serve-$1.err" &
	fi
	pids+=($!)
	for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
	grep -q ready "$out" || die "server $1 did not start: $(cat "$res/serve-$1.err")"
	local a
	a=$(field agent_pid <"$out")
	[ -n "${3:-}" ] && { [ "$a" -gt 0 ] || die "server $1: no agent found"; }
	[ "$a" -gt 0 ] && pids+=("$a")
	eval "agent_$1=$a"
}
serve bulk "$PB" app=bulk
serve secure "$PS" app=secure
serve plain "$PP"
bulk=bulk.server.alice.example.com.nutss
secure=secure.server.alice.example.com.nutss

# --- stunnel4: the same job as the two agents, in front of the plain server ---
stunnel_pair "$tmp" "$res/stunnel.log" "$SA" "$SB" "$PP" || die "stunnel4 did not start"
st_c=$stunnel_client
st_s=$stunnel_server

# served NAME COUNT: the server's line for its COUNT-th transfer (it prints after its close)
served() {
	for _ in $(seq 100); do
		[ "$(grep -c '^served' "$res/serve-$1.out")" -ge "$2" ] && break
		sleep 0.02
	done
	grep '^served' "$res/serve-$1.out" | sed -n "$2p"
}
declare -A nserved=([bulk]=0 [secure]=0 [plain]=0)
# xfer KIND: one transfer; xv="MBps client_cpu_s server_cpu_s relay_cpu_s" (no subshell: nserved counts)
xfer() {
	local out srv=plain relay=0 r0 r1 sv
	case $1 in
	plain) out=$(run timeout 120 "$bs" get "$bulk" "$PB" "$BYTES") srv=bulk ;;
	noshim) out=$(timeout 120 "$bs" get 127.0.0.1 "$PP" "$BYTES") ;;
	tls)
		r0=$(cpu_s "$agent_secure")
		out=$(run timeout 120 "$bs" get "$secure" "$PS" "$BYTES")
		r1=$(cpu_s "$agent_secure")
		relay=$(awk -v a="$(echo "$out" | field agent_cpu_s)" -v b="$r0" -v c="$r1" 'BEGIN { print a + c - b }')
		srv=secure
		;;
	stunnel)
		r0=$(cpu_s "$st_c" "$st_s")
		out=$(timeout 120 "$bs" get 127.0.0.1 "$SA" "$BYTES")
		sleep 0.2 # as the client waits for its agent: stunnel's last records and close_notify
		r1=$(cpu_s "$st_c" "$st_s")
		relay=$(awk -v b="$r0" -v c="$r1" 'BEGIN { print c - b }')
		;;
	esac
	echo "$out" >>"$res/get-$1.out"
	[ "$(echo "$out" | field bytes)" = "$BYTES" ] || { echo "$1: short transfer: $out" >&2; return 1; }
	nserved[$srv]=$((nserved[$srv] + 1))
	sv=$(served $srv "${nserved[$srv]}" | field cpu_s)
	xv="$(echo "$out" | field MBps) $(echo "$out" | field cpu_s) ${sv:-nan} $relay"
}

# --- a first transfer of each, not counted; the TLS ones captured to read the cipher off the ServerHello ---
echo "== warm-up (and the cipher each TLS path agreed on)"
cap=
if command -v tcpdump >/dev/null; then
	# ServerHellos only (a payload opening with a handshake record, version 3.x, type 2), from the two servers' ports
	tcpdump -i lo -s 256 -c 20 -w "$tmp/hello.pcap" \
		"tcp src port ($PS or $SB) and tcp[((tcp[12] & 0xf0) >> 2)] = 0x16 and tcp[((tcp[12] & 0xf0) >> 2) + 1] = 3 and tcp[((tcp[12] & 0xf0) >> 2) + 5] = 2" \
		>/dev/null 2>&1 &
	cap=$!
	pids+=($cap)
	sleep 0.5
fi
for k in plain noshim tls stunnel; do
	xfer $k || die "the warm-up $k transfer failed: $(tail -2 "$res/get-$k.out")"
done
if [ -n "$cap" ]; then
	kill "$cap" 2>/dev/null
	wait "$cap" 2>/dev/null
	python3 - "$tmp/hello.pcap" "$PS" "$SB" <<'PY' | tee "$res/ciphers.txt"
# The cipher suite of the first ServerHello from each server port (TLS 1.3 puts it in the clear).
import struct, sys
names = {0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256"}
d = open(sys.argv[1], "rb").read()
ports = {int(sys.argv[2]): "ours (agent)", int(sys.argv[3]): "stunnel4"}
seen, off = {}, 24
while off + 16 <= len(d):
    caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
    pkt, off = d[off + 16:off + 16 + caplen], off + 16 + caplen
    ip = pkt[14:] if pkt[12:14] == b"\x08\x00" else pkt[16:]  # ethernet (lo) or linux cooked
    if len(ip) < 20 or ip[0] >> 4 != 4:
        continue
    tcp = ip[(ip[0] & 15) * 4:]
    sport = struct.unpack(">H", tcp[:2])[0]
    p = tcp[(tcp[12] >> 4) * 4:]
    if sport in ports and sport not in seen and len(p) > 46 and p[0] == 0x16 and p[1] == 3 and p[5] == 0x02:
        sid = p[43]
        seen[sport] = struct.unpack(">H", p[44 + sid:46 + sid])[0]
for port, who in ports.items():
    c = seen.get(port)
    print("   %-13s %s" % (who, names.get(c, "0x%04x" % c) if c is not None else "not seen"))
PY
fi

echo "== throughput, $REPEATS x $BYTES bytes: shim plain, no shim, shim TLS, stunnel4 in turn"
printf 'repeat\tkind\tMB/s\tclient CPU s\tserver CPU s\trelay CPU s\n'
: >"$res/xfer.tsv"
for r in $(seq "$REPEATS"); do
	order="plain noshim tls stunnel"
	[ $((r % 2)) = 0 ] && order="stunnel tls noshim plain"
	for k in $order; do
		xfer $k || die "the $k transfer failed"
		printf '%s\t%s\t%s\n' "$r" "$k" "$xv" | tr ' ' '\t' | tee -a "$res/xfer.tsv"
	done
done

echo "== connect by name vs 127.0.0.1, $REPEATS x $CONNECTS each, ${GAP_MS} ms apart"
: >"$res/connect.out"
for r in $(seq "$REPEATS"); do
	BENCH_SHIM_SAMPLES=$res/connect-samples.$r run timeout 120 "$bs" connect "$bulk" "$PB" 127.0.0.1 "$PP" \
		"$CONNECTS" "$GAP_MS" | tee -a "$res/connect.out"
done
# a new process for each connect, as curl in a loop: one session, so the agent is warm and the
# process is not (its first getaddrinfo asks the agent; a process's later ones do not)
echo "== a new process per connect, $CONNECTS in one session, ${GAP_MS} ms apart"
run sh -c 'i=0; while [ $i -lt "$1" ]; do "$2" connect "$3" "$4" 127.0.0.1 "$5" 1 0 || exit 1;
	sleep "$6"; i=$((i + 1)); done' sh "$CONNECTS" "$bs" "$bulk" "$PB" "$PP" \
	"$(awk -v g="$GAP_MS" 'BEGIN { printf "%.3f", g / 1000 }')" >"$res/connect-fresh.out" ||
	die "the connects by new processes failed"
# the plain connect without the shim at all, for reference: the hooks' cost on an address not ours
nos=$(timeout 120 "$bs" connect 127.0.0.1 "$PP" 127.0.0.1 "$PP" $((CONNECTS / 2)) "$GAP_MS")
echo "$nos" >"$res/connect-noshim.out"

# --- the figures ---
# paired KIND_A KIND_B COLUMN [per-GB]: A's / B's within each repeat, every repeat's
paired() {
	awk -F'\t' -v a="$1" -v b="$2" -v c="$3" -v g="${4:-}" -v by="$BYTES" '
		{ v[$1, $2] = (g ? $c / (by / 1e9) : $c) }
		END { for (r = 1; (r, a) in v; r++) if (v[r, b] > 0) printf "%.3f ", v[r, a] / v[r, b] }' "$res/xfer.tsv"
}
col() { # KIND COLUMN [per-GB]: the median over repeats
	awk -F'\t' -v k="$1" -v c="$2" -v by="$BYTES" -v g="${3:-}" '$2 == k { print (g ? $c / (by / 1e9) : $c) }' \
		"$res/xfer.tsv" | median | awk -v g="${3:-}" '{ printf(g ? "%.3f" : "%s", $1) }'
}
pr=$(paired plain noshim 3)
tr_=$(paired tls stunnel 3)
tc=$(paired tls stunnel 6 1)
pc=$(awk -F'\t' '{ v[$1, $2] = $4 + $5 } END { for (r = 1; (r, "plain") in v; r++) if (v[r, "noshim"] > 0) printf "%.3f ", v[r, "plain"] / v[r, "noshim"] }' "$res/xfer.tsv")
plain_ratio=$(echo "$pr" | median)
tls_vs=$(echo "$tr_" | median)
tls_cpu=$(echo "$tc" | median)
added=$(field added_us <"$res/connect.out" | median)
cat <<EOF

bench-shim ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after;
            medians of $REPEATS; $BYTES bytes a transfer)

  plain, under the shim vs not              $(col plain 3) vs $(col noshim 3) MB/s: ratio $plain_ratio (target >= 0.98; per repeat $pr)
    CPU, client + server, s per GB          $(col plain 4 1) + $(col plain 5 1) vs $(col noshim 4 1) + $(col noshim 5 1) (ratio per repeat $pc)
  TLS, both agents vs both stunnel4         $(col tls 3) vs $(col stunnel 3) MB/s: ratio $tls_vs (target >= 1; per repeat $tr_)
    CPU of the relays, s per GB             $(col tls 6 1) vs $(col stunnel 6 1): ratio $tls_cpu (target <= 1; per repeat $tc)
    CPU of the programs, s per GB           client $(col tls 4 1) vs $(col stunnel 4 1), server $(col tls 5 1) vs $(col stunnel 5 1)
  connect by name vs 127.0.0.1, isolated    $(field name_us <"$res/connect.out" | median) vs $(field plain_us <"$res/connect.out" | median) us: added $added us (target <= 1000; per repeat $(field added_us <"$res/connect.out" | tr '\n' ' '))
    of which getaddrinfo                    $(field name_gai_us <"$res/connect.out" | median) vs $(field plain_gai_us <"$res/connect.out" | median) us (a process asks the agent for a name once)
    90th percentiles                        $(field name_p90_us <"$res/connect.out" | median) vs $(field plain_p90_us <"$res/connect.out" | median) us
    plain connect with no shim at all       $(echo "$nos" | field plain_us) us
  a new process per connect (curl in a loop) $(field name_us <"$res/connect-fresh.out" | median) vs $(field plain_us <"$res/connect-fresh.out" | median) us: added $(field added_us <"$res/connect-fresh.out" | median) us, getaddrinfo $(field name_gai_us <"$res/connect-fresh.out" | median) us ($CONNECTS processes)
EOF
echo "shim: plain_ratio=${plain_ratio} tls_vs_stunnel=${tls_vs} tls_cpu_vs_stunnel=${tls_cpu} connect_added_us=${added}" |
	tee "$res/summary"
