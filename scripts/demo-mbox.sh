#!/bin/bash
# SPDX-License-Identifier: MIT
# The M-Box, narrated (part of `make demo`): a private server behind it in
# a network namespace of its own, reached by name and by nothing else; then,
# in the same topology, unmodified programs on names: curl fetches a page
# from python3's http.server through the P-Box and the M-Box, in the clear
# and then encrypted because the domain's policy says so.
# Everything made here (namespaces, a bpffs mount, processes) is removed.
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$B
tmp=$(mktemp -d /tmp/nutss-demo-mbox.XXXXXX)
chmod 755 "$tmp"
pin=$tmp/bpf
pids=()
. "$top/tests/net/topo.sh"
cleanup() {
	# the endpoints first, so they unregister while the P-Box still answers
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null
		for _ in $(seq 30); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
		kill -9 "${pids[i]}" 2>/dev/null
	done
	wait 2>/dev/null
	topo_down
	umount "$pin" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

if [ "$(id -u)" != 0 ] || ! topo_up 2>/dev/null; then
	echo "(the M-Box and shim demos need root for network namespaces and BPF; skipped)"
	exit 0
fi
mkdir -p "$pin" && mount -t bpf bpf "$pin"
data=$tmp/data
for u in alice bob; do
	echo "$u-secret" | "$bin/nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
	echo "$u-secret" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$bin/nutss" --data-dir "$data" key new example.com >/dev/null
as() { echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:10.0.1.1:5060"; }

say "13. A private server behind an M-Box. Three network namespaces:"
sed -n '/^#   ntc/,/^#   10.0.1.3/p' "$top/tests/net/topo.sh" | sed 's/^#/  /'
echo "   The router runs example.com's P-Box (10.0.1.1:5060) and its M-Box on r0, the"
echo "   outside interface: every packet coming in there is dropped unless it is"
echo "   signalling with the P-Box or a flow a ticket admitted."
cat >"$tmp/domain.pol" <<'POL'
# the secret app must be encrypted (paper 2, Figure 5, line A)
if (to.app IS secret)
	require(ssl)
end
accept()
POL
printf 'policy = %s\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"
ip netns exec ntr "$bin/nutss-pboxd" -c "$tmp/pboxd.conf" --listen udp:10.0.1.1:5060 --domain example.com \
	--data-dir "$data" --workers 1 --log-level info >"$tmp/pboxd.log" 2>&1 &
pids+=($!)
wait_for "$tmp/pboxd.log" "up:"
show "nutss-mboxd --domain example.com --iface r0 --pbox 10.0.1.1:5060 --data-dir ..."
printf 'pin_dir = %s\n' "$pin" >"$tmp/mboxd.conf"
ip netns exec ntr "$bin/nutss-mboxd" -c "$tmp/mboxd.conf" --domain example.com --iface r0 \
	--pbox 10.0.1.1:5060 --data-dir "$data" >"$tmp/mboxd.log" 2>&1 &
pids+=($!)
wait_for "$tmp/mboxd.log" "M-Box for example.com up"
sed 's/^/   mboxd| /' "$tmp/mboxd.log" | cut -c1-150

say "14. alice's echo server, in the server's namespace, registers through the router:"
ip netns exec nts env $(as alice) "$bin/nutss" listen 'alice@example.com;app=echo;type=server' --exec cat \
	2>"$tmp/listen.log" >/dev/null </dev/null &
pids+=($!)
wait_for "$tmp/listen.log" "listening as"
sed 's/^/   alice| /' "$tmp/listen.log"
port=$(sed -n 's/.*(tcp port \([0-9]*\)).*/\1/p' "$tmp/listen.log")

say "15. From the client's namespace, a plain connection to the server's address and port:"
show "python3 -c 'socket.create_connection((\"10.0.2.2\", $port), timeout=2)'"
ip netns exec ntc python3 -c "
import socket
try: socket.create_connection(('10.0.2.2', $port), timeout=2); print('   connected (!)')
except socket.timeout: print('   nothing comes back: the M-Box dropped the SYN')
except OSError as e: print('   ', e)"
echo "   ...but the SYN drew a discovery reply: a small UDP datagram, from where the SYN"
echo "   was going, naming the P-Box. 'nutss discover' sends such a probe and reads it:"
show "nutss discover 10.0.2.2"
ip netns exec ntc "$bin/nutss" discover 10.0.2.2 2>&1 | sed 's/^/   /'

say "16. bob, on the client, opens a flow to alice's name instead, with no NUTSS_PBOX set:"
show "echo 'through the M-Box, by name' | nutss connect 'alice@example.com;app=echo;type=server'"
echo 'through the M-Box, by name' | ip netns exec ntc env $(as bob | sed 's/ NUTSS_PBOX=[^ ]*//') \
	timeout 20 "$bin/nutss" connect 'alice@example.com;app=echo;type=server' 2>/dev/null |
	sed 's/^/   bob got: /'
echo "   (his endpoint found the P-Box by discovery, got a token for the flow, and sent it in"
echo "   a ticket; the M-Box checked it in the kernel and admitted exactly that 5-tuple,"
echo "   both ways)"

say "17. Someone copies such a ticket and sends it from another address; someone else forges one:"
key=$(awk '$1 == "key" { print $4; exit }' "$data/keys")
for kind in copy forged; do
	ip netns exec ntc python3 - "$kind" <<PY
import socket, sys, time
sys.path.insert(0, "$top/tests/proto")
import vectors
tok = vectors.token(bytes.fromhex("$key"), "example.com", 1, int(time.time()) + 60, 6,
                    "10.0.1.2", 42000, "10.0.2.2", $port)[2]
if sys.argv[1] == "forged":
    tok = tok[:-1] + bytes([tok[-1] ^ 1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.3" if sys.argv[1] == "copy" else "10.0.1.2", 42000))
s.sendto(vectors.ticket(1, 6, "10.0.1.2", 42000, "10.0.2.2", $port, 9, [tok]), ("10.0.2.2", $port))
PY
done
sleep 0.2
show "nutss mbox stats"
"$bin/nutss" mbox --pin-dir "$pin" stats | grep -vE ' 0$' | sed 's/^/   /'
show "nutss mbox flows"
"$bin/nutss" mbox --pin-dir "$pin" flows | sed 's/^/   /' | cut -c1-140

say "18. Unmodified programs. The same topology, P-Box and M-Box; the domain's policy:"
sed 's/^/   /' "$tmp/domain.pol"
mkdir -p "$tmp/www"
echo "a page alice serves by name" >"$tmp/www/index.html"
head -c 4000000 /dev/urandom >"$tmp/www/blob"
echo "   alice runs python3's own web server, unmodified, twice, in the server's namespace:"
show "nutss run --serve 8000=app=web -- python3 -m http.server 8000"
show "nutss run --serve 8443=app=secret -- python3 -m http.server 8443"
for s in 8000=app=web 8443=app=secret; do
	(cd "$tmp/www" && exec ip netns exec nts env $(as alice) "$bin/nutss" run --log-level info \
		--serve "$s" -- python3 -m http.server "${s%%=*}") >"$tmp/srv-${s%%=*}.log" 2>&1 </dev/null &
	pids+=($!)
done
wait_for "$tmp/srv-8000.log" "registered" && wait_for "$tmp/srv-8443.log" "registered"
grep -h "registered" "$tmp"/srv-*.log | sed 's/.*\] /   agent| /'

say "19. bob, in the client's namespace, runs curl, unmodified, on the name (APP.TYPE.USER.DOMAIN.nutss):"
show "nutss run -- curl -s http://web.server.alice.example.com.nutss:8000/"
ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run -- curl -s http://web.server.alice.example.com.nutss:8000/ |
	sed 's/^/   curl: /'
show "nutss run -- curl -s -w '%{remote_ip}' -o /dev/null http://web.server.alice.example.com.nutss:8000/blob"
ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run -- curl -s -o "$tmp/blob.got" \
	-w '   %{size_download} bytes from %{remote_ip} (the name'"'"'s address in this session)\n' \
	http://web.server.alice.example.com.nutss:8000/blob
cmp -s "$tmp/www/blob" "$tmp/blob.got" && echo "   identical to alice's file"
echo "   curl resolved the name and connected; the shim in it asked the session's agent,"
echo "   which got the flow authorized by the P-Box and admitted by the M-Box, and curl's"
echo "   own socket carried it. Without nutss run, the same server's address gets nothing:"
show "curl -s -m 3 http://10.0.2.2:8000/"
ip netns exec ntc curl -s -m 3 http://10.0.2.2:8000/ >/dev/null
echo "   curl exit $? (timed out: the M-Box dropped it)"

say "20. The secret app: the P-Box added a=enc:ssl to the offer, so the flow runs TLS between"
echo "   the two agents, each side's certificate named by its fingerprint in the signalling;"
echo "   curl and python still read and write plain HTTP. On the router's wire, both fetches:"
for p in 8000:web 8443:secret; do
	ip netns exec ntr python3 "$top/tests/net/sniff.py" r1 "${p%%:*}" 3 "a page alice serves" \
		>"$tmp/sniff-${p%%:*}" &
	sleep 0.3
	ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run --log-level info -- \
		curl -s "http://${p#*:}.server.alice.example.com.nutss:${p%%:*}/" 2>"$tmp/curl-${p%%:*}.err" |
		sed "s/^/   curl ${p#*:}: /"
	wait $!
	read -r how n <"$tmp/sniff-${p%%:*}"
	[ "$how" = clear ] && echo "   on the wire: the page in the clear ($n bytes of TCP payload)" ||
		echo "   on the wire: $n bytes of TCP payload, the page nowhere in them"
done
grep -h "TLS" "$tmp/curl-8443.err" | sed 's/.*\] /   agent| /'

say "21. What nutss run refuses, because the shim could not see its connections:"
show "nutss run -- su"
env $(as bob) "$bin/nutss" run -- su 2>&1 | sed 's/^/   /'
if printf 'int main(void){return 0;}\n' | cc -static -x c -o "$tmp/static" - 2>/dev/null; then
	show "nutss run -- ./static"
	env $(as bob) "$bin/nutss" run -- "$tmp/static" 2>&1 | sed "s|$tmp/|./|; s/^/   /"
fi
