# SPDX-License-Identifier: MIT
# The M-Box's test and demo topology (sourced, not run): three network
# namespaces, the router between a client and a private server.
#
#   ntc (client)          ntr (router)                          nts (server)
#   10.0.1.2  c0 ──veth── r0 10.0.1.1 │ r1 10.0.2.1 ──veth── s0 10.0.2.2
#   10.0.1.3 (a second address, to send from elsewhere)
#
# topo_up makes it (names fixed: one topology at a time); topo_down removes
# it, veths and all.

topo_down() {
	for n in ntc ntr nts; do ip netns del "$n" 2>/dev/null; done
	return 0
}

topo_up() {
	topo_down
	ip netns add ntc && ip netns add ntr && ip netns add nts || return 1
	ip link add c0 netns ntc type veth peer name r0 netns ntr
	ip link add r1 netns ntr type veth peer name s0 netns nts
	ip -n ntc addr add 10.0.1.2/24 dev c0
	ip -n ntc addr add 10.0.1.3/24 dev c0
	ip -n ntr addr add 10.0.1.1/24 dev r0
	ip -n ntr addr add 10.0.2.1/24 dev r1
	ip -n nts addr add 10.0.2.2/24 dev s0
	for x in "ntc c0" "ntr r0" "ntr r1" "nts s0"; do
		set -- $x
		ip -n "$1" link set "$2" up
		ip -n "$1" link set lo up
	done
	ip -n ntc route add default via 10.0.1.1
	ip -n nts route add default via 10.0.2.1
	ip netns exec ntr sysctl -qw net.ipv4.ip_forward=1
}
