#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-flow: flows by name, side by side with what they stand beside
# (issue 16; bench/README.md, "bench-flow"), all on loopback in one run:
#
#  setup       nutss_connect until the fd is usable vs socket+connect to a
#              plain server (bench_flow): median latency, isolated setups
#              (20 ms apart: the P-Box at no load) and back to back; CPU per
#              flow in the caller, the listener and the P-Box
#  throughput  bytes/s through a flow's fd vs plain TCP (bench_flow)
#  P-Box CPU   per SIPp call whose offer and answer are a NUTSS flow (the
#              P-Box checks both, makes a token, rewrites the answer) vs per
#              SIPp call with audio SDP (none of that), same auth (digest,
#              MD5), same rate, in turn
#  flows/s     the highest SIPp flow-call rate with no failed call
#
# Medians of REPEATS (default 5). Last line:
#   flow: setup_added_us=N pbox_flow_cpu_ratio=X flows_per_s=N throughput_ratio=X
# Usage: bench/bench-flow.sh BUILD_DIR      (REPEATS, RATE, DUR, SETUPS, MB in the environment)
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$top" && cd "$B" && pwd)
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
REPEATS=${REPEATS:-5}
RATE=${RATE:-2000}	# calls/s for the CPU comparison
DUR=${DUR:-10}		# seconds of calls per CPU run
SETUPS=${SETUPS:-300}
MB=${MB:-4096}
res=${BENCH_RESULTS:-$top/bench-results}/flow-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$res"
tmp=$res/run
mkdir -p "$tmp"
chmod 755 "$res" "$tmp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
}
trap cleanup EXIT
die() { echo "bench-flow: $*" >&2; exit 1; }
for f in nutss nutss-pboxd bench/bench_flow; do [ -x "$B/$f" ] || die "$B/$f not built"; done
command -v sipp >/dev/null || die "sipp not found (scripts/install-deps.sh bench)"
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)
echo "bench-flow: results in $res"

# --- the domain: 127.0.0.1, as the SIPp harness has it ---
data=$tmp/data
U=$(free_port)
for u in sipp alice bob; do
	echo "$u" | "$B/nutss" --data-dir "$data" user add "$u@127.0.0.1" --password-stdin >/dev/null
	echo "$u" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$B/nutss" --data-dir "$data" key new 127.0.0.1 >/dev/null
"$B/nutss" --data-dir "$data" reg add service@127.0.0.1 "sip:service@127.0.0.1:$U" --static >/dev/null
P=$(free_port)
cat >"$tmp/pboxd.conf" <<CONF
domain = 127.0.0.1
auth = on
auth_algorithms = MD5
# SIPp 3.6.1 prepends "sip:" to -auth_uri (bench/README.md)
auth_check_uri = off
log_level = info
data_dir = $data
CONF
"$B/nutss-pboxd" -c "$tmp/pboxd.conf" --listen "udp:127.0.0.1:$P" >"$res/pboxd.log" 2>&1 &
pbox=$!
pids+=($pbox)
for _ in $(seq 50); do grep -q "up:" "$res/pboxd.log" && break; sleep 0.1; done
grep -q "up:" "$res/pboxd.log" || die "pboxd did not start: $(cat "$res/pboxd.log")"

# --- setup and throughput ---
export NUTSS_USER=bob@127.0.0.1 NUTSS_PASSWORD_FILE=$tmp/bob.pw NUTSS_PBOX=udp:127.0.0.1:$P
name='alice@127.0.0.1;app=bench;type=server'
echo "== setup, isolated (20 ms apart), $REPEATS x $SETUPS"
"$B/bench/bench_flow" "$pbox" alice@127.0.0.1 "$tmp/alice.pw" "$name" "$SETUPS" 64 "$REPEATS" 20 \
	>"$res/setup-isolated.out" 2>&1 || die "bench_flow failed: $(tail -3 "$res/setup-isolated.out")"
echo "== setup back to back and throughput ($MB MB), $REPEATS x"
"$B/bench/bench_flow" "$pbox" alice@127.0.0.1 "$tmp/alice.pw" "$name" "$SETUPS" "$MB" "$REPEATS" 0 \
	>"$res/setup-b2b.out" 2>&1 || die "bench_flow failed: $(tail -3 "$res/setup-b2b.out")"
cat "$res/setup-isolated.out" "$res/setup-b2b.out"
unset NUTSS_USER NUTSS_PASSWORD_FILE NUTSS_PBOX

# --- SIPp: the harness's scenarios, and the same with a NUTSS flow for SDP ---
flowify() { # PORT FILE: a scenario with its audio SDP replaced by a NUTSS flow (SIPp's [media_port] is for m=audio only)
	sed -e "s/m=audio \[media_port\] RTP\/AVP 0/m=data $1 tcp bench/" -e '/a=rtpmap:0 PCMU\/8000/d' "$2"
}
cp "$harness/sipp/uac_auth.xml" "$tmp/uac-plain.xml"
cp "$harness/sipp/uas.xml" "$tmp/uas-plain.xml"
flowify 40000 "$harness/sipp/uac_auth.xml" >"$tmp/uac-flow.xml"
flowify 40002 "$harness/sipp/uas.xml" >"$tmp/uas-flow.xml"
grep -q "m=data" "$tmp/uac-flow.xml" && grep -q "m=data" "$tmp/uas-flow.xml" || die "cannot make the flow scenarios"

# sipp_run KIND RATE SECONDS: calls through the P-Box; prints "ok fail us_per_call"
sipp_run() {
	local kind=$1 rate=$2 secs=$3 n=$(($2 * $3)) t0 t1 ok fl uas
	(cd "$tmp" && exec sipp -sf "$tmp/uas-$kind.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin \
		-timeout $((secs + 40)) </dev/null >"$res/uas-$kind.out" 2>&1) &
	uas=$!
	sleep 0.3
	t0=$(ticks "$pbox")
	(cd "$tmp" && timeout $((secs + 40)) sipp -sf "$tmp/uac-$kind.xml" -s service "127.0.0.1:$P" -i 127.0.0.1 \
		-p "$(free_port)" -t u1 -r "$rate" -m "$n" -l $((rate * 4)) -au sipp -ap sipp \
		-recv_timeout 8000 -timeout $((secs + 30)) -nostdin </dev/null >"$res/uac-$kind.out" 2>&1)
	t1=$(ticks "$pbox")
	kill $uas 2>/dev/null
	wait $uas 2>/dev/null
	ok=$(grep -E "^ +Successful call" "$res/uac-$kind.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
	fl=$(grep -E "^ +Failed call" "$res/uac-$kind.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
	awk -v ok="${ok:-0}" -v fl="${fl:-0}" -v t="$((t1 - t0))" -v hz="$CLK_TCK" \
		'BEGIN { printf "%d %d %.1f\n", ok, fl, (ok > 0 ? t / hz / ok * 1e6 : 0) }'
}

# the flow calls must really be flows: one, with its messages traced, must carry a token
(cd "$tmp" && exec sipp -sf "$tmp/uas-flow.xml" -i 127.0.0.1 -p "$U" -t u1 -nostdin -m 1 -timeout 20 \
	</dev/null >/dev/null 2>&1) &
uas=$!
sleep 0.3
(cd "$tmp" && timeout 20 sipp -sf "$tmp/uac-flow.xml" -s service "127.0.0.1:$P" -i 127.0.0.1 -p "$(free_port)" \
	-t u1 -m 1 -au sipp -ap sipp -trace_msg -message_file "$res/one-flow-call.msg" -timeout 15 -nostdin \
	</dev/null >/dev/null 2>&1)
wait $uas 2>/dev/null
grep -qE "a=nutss-token:127.0.0.1 [0-9a-f]{56}" "$res/one-flow-call.msg" ||
	die "a SIPp flow call got no token: see $res/one-flow-call.msg"
echo "== a SIPp flow call's 200 carries the P-Box's token: $(grep -oE "a=nutss-token:[^ ]+ [0-9a-f]{16}" "$res/one-flow-call.msg" | head -1)..."

echo "== P-Box CPU per call, $RATE calls/s x ${DUR}s, flow and plain in turn, $REPEATS x"
: >"$res/cpu.tsv"
for r in $(seq "$REPEATS"); do
	order="flow plain"
	[ $((r % 2)) = 0 ] && order="plain flow"
	for kind in $order; do
		read -r ok fl us <<<"$(sipp_run "$kind" "$RATE" "$DUR")"
		printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$kind" "$ok" "$fl" "$us" | tee -a "$res/cpu.tsv"
	done
done

echo "== flows/s: SIPp flow calls, rising rate, 5 s a step, until one fails"
best=0
for rate in 1000 2000 3000 4000 5000 6000 7000 8000 10000 12000; do
	read -r ok fl us <<<"$(sipp_run flow "$rate" 5)"
	echo "$rate calls/s: $ok ok, $fl failed, $us us/call"
	[ "$fl" = 0 ] && [ "$ok" -ge $((rate * 5)) ] || break
	best=$rate
done

# --- the figures ---
iso=$(field added_us <"$res/setup-isolated.out" | median)
b2b=$(field added_us <"$res/setup-b2b.out" | median)
iso_flow=$(field flow_us <"$res/setup-isolated.out" | median)
iso_plain=$(field plain_us <"$res/setup-isolated.out" | median)
cpu_caller=$(field cpu_us_caller <"$res/setup-isolated.out" | median)
cpu_listener=$(field cpu_us_listener <"$res/setup-isolated.out" | median)
cpu_pbox=$(field cpu_us_pbox <"$res/setup-isolated.out" | median)
tp=$(field ratio <"$res/setup-b2b.out" | median)
tp_flow=$(field flow_MBps <"$res/setup-b2b.out" | median)
tp_plain=$(field plain_MBps <"$res/setup-b2b.out" | median)
flow_us=$(awk -F'\t' '$2 == "flow" { print $5 }' "$res/cpu.tsv" | median)
plain_us=$(awk -F'\t' '$2 == "plain" { print $5 }' "$res/cpu.tsv" | median)
# the ratio paired per repeat, then the median of those
ratio=$(awk -F'\t' '{ v[$1, $2] = $5 } END { for (r = 1; v[r, "flow"] != ""; r++) if (v[r, "plain"] > 0) printf "%.3f ", v[r, "flow"] / v[r, "plain"] }' "$res/cpu.tsv")
ratio_med=$(echo "$ratio" | median)
cat <<EOF

bench-flow ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs; medians of $REPEATS)

  setup by name vs plain connect, isolated   ${iso_flow} vs ${iso_plain} us: added ${iso} us (target <= 1000)
  setup, back to back (P-Box batching)       added ${b2b} us
  CPU per flow (setup + BYE), isolated       caller ${cpu_caller} us, listener ${cpu_listener} us, P-Box ${cpu_pbox} us
  P-Box CPU per call, flow vs plain SDP      ${flow_us} vs ${plain_us} us: ratio ${ratio_med} (target <= 1.3; per repeat ${ratio})
  flows/s with no failed call (SIPp)         ${best}
  throughput, flow fd vs plain TCP           ${tp_flow} vs ${tp_plain} MB/s: ratio ${tp} (target >= 0.98)
flow: setup_added_us=${iso} pbox_flow_cpu_ratio=${ratio_med} flows_per_s=${best} throughput_ratio=${tp}
EOF
