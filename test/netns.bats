#!/usr/bin/env bats
# netns.bats: several hosts on one LAN, built from network namespaces.
#
# Each test builds its own topology, all inside namespaces (nothing is
# created in the root namespace): a hub namespace holding a bridge br0
# (multicast snooping off, so it floods every group to every port), and
# hosts h1..h4, each with an eth0 that is one end of a veth pair whose
# other end is a port of br0.  Host i has 10.77.1.i/24 and fd77::i/64,
# addresses that exist only in these namespaces, and a route for
# 224.0.0.0/4 on eth0.  Names carry the bats PID and the test number, so
# parallel runs do not collide; teardown stops every process, then
# deletes the namespaces, which takes their links and the bridge along.

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

NHOSTS=4

# nsx I CMD...: run CMD in host I's namespace (exec, so a recorded PID is
# CMD's own).
nsx() {
	local i=$1
	shift
	ip netns exec "${NS_PREFIX}h$i" "$@"
}

# ns_recv NAME I ARGS...: start `netdemo ARGS` on host I and wait for its
# listening line (start_listener: L_PID, L_OUT, L_ERR, L_PORT).
ns_recv() {
	local name=$1 i=$2
	shift 2
	start_listener "$name" ip netns exec "${NS_PREFIX}h$i" "$ND" "$@"
}

# ns_send I ARGS...: run `netdemo ARGS` on host I to its end (at most
# 10 s); fail showing its stderr unless it exits 0.
ns_send() {
	local i=$1
	shift
	run --separate-stderr timeout 10 ip netns exec "${NS_PREFIX}h$i" \
	    "$ND" "$@"
	if [ "$status" -ne 0 ]; then
		echo "h$i: netdemo $*: status $status: $stderr" >&2
		return 1
	fi
}

build_topology() {
	local hub=${NS_PREFIX}hub i
	# Few processes: one `ip -batch` per namespace.
	for ((i = 1; i <= NHOSTS; i++)); do
		NS_LIST+=("${NS_PREFIX}h$i")
	done
	NS_LIST+=("$hub")
	printf 'netns add %s\n' "${NS_LIST[@]}" | ip -batch - || return 1
	for ((i = 1; i <= NHOSTS; i++)); do
		# No duplicate address detection: addresses usable at once.
		ip netns exec "${NS_PREFIX}h$i" sysctl -qw \
		    net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 || return 1
	done
	{
		echo 'link set lo up'
		echo 'link add br0 type bridge mcast_snooping 0'
		echo 'link set br0 up'
		for ((i = 1; i <= NHOSTS; i++)); do
			echo "link add v$i type veth peer name eth0 netns ${NS_PREFIX}h$i"
			echo "link set v$i master br0 up"
		done
	} | ip -n "$hub" -batch - || return 1
	for ((i = 1; i <= NHOSTS; i++)); do
		printf '%s\n' 'link set lo up' \
		    "addr add 10.77.1.$i/24 dev eth0" \
		    "addr add fd77::$i/64 dev eth0 nodad" \
		    'link set eth0 up' \
		    'route add 224.0.0.0/4 dev eth0' |
		    ip -n "${NS_PREFIX}h$i" -batch - || return 1
	done
	# Bounded wait: every bridge port forwarding, no tentative address.
	for ((i = 0; i < 50; i++)); do
		if [ "$(bridge -n "$hub" link | grep -c 'state forwarding')" \
		    -eq "$NHOSTS" ] && ! any_tentative; then
			return 0
		fi
		sleep 0.1
	done
	echo "topology not ready after 5 s:" >&2
	bridge -n "$hub" link >&2
	return 1
}

# any_tentative: some host still has an IPv6 address under DAD.
any_tentative() {
	local i
	for ((i = 1; i <= NHOSTS; i++)); do
		ip -n "${NS_PREFIX}h$i" -6 addr show tentative | grep -q inet6 &&
		    return 0
	done
	return 1
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	command -v bridge >/dev/null || skip "needs bridge (iproute2)"
	NS_PREFIX="nd${BATS_ROOT_PID}t${BATS_TEST_NUMBER}"
	NS_LIST=()
	local why
	if ! why=$(ip netns add "${NS_PREFIX}probe" 2>&1); then
		skip "cannot create network namespaces: $why"
	fi
	ip netns del "${NS_PREFIX}probe"
	build_topology
}

teardown() {
	nd_teardown
	local ns
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

@test "topology: hosts reach each other, addresses only in their namespaces" {
	ns_recv r 4 udp-recv -H 10.77.1.4 -c 1 -w 10
	ns_send 1 udp-send -H 10.77.1.4 -p "$L_PORT" -c 1 -q -m across
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" across
	# The root namespace has none of these addresses.
	run ip -o addr show
	[[ $output != *10.77.1.* && $output != *fd77::* ]]
}

@test "udp-send h1 -> udp-recv h2 over IPv6 (fd77::2), peer is fd77::1" {
	ns_recv r 2 udp-recv -H fd77::2 -c 2 -w 10 -f json
	ns_send 1 udp-send -H fd77::2 -p "$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	run dg_json get "$L_OUT" data
	[ "$output" = $'Hello world : 0\nHello world : 1' ]
	run dg_json get "$L_OUT" peer
	[[ ${lines[0]} == '[fd77::1]:'[0-9]* ]]
}

@test "a sender on h1, receivers on h2 and h3: both get every datagram" {
	ns_recv r2 2 mcast-recv -I eth0 -g 239.255.77.1 -c 5 -w 10 -f json \
	    --port 0
	local port=$L_PORT r2=$L_PID r2_out=$L_OUT
	# h3 names its interface by address.
	ns_recv r3 3 mcast-recv -I 10.77.1.3 -g 239.255.77.1 -c 5 -w 10 \
	    -f json --port "$port"
	ns_send 1 mcast-send -I eth0 -g 239.255.77.1 -p "$port" -c 5 -i 0 -q
	expect_exit 0 "$r2"
	expect_exit 0 "$L_PID"
	local out
	for out in "$r2_out" "$L_OUT"; do
		run dg_json get "$out" data
		[ "$output" = "$(printf 'Hello world : %d\n' 0 1 2 3 4)" ]
		run dg_json get "$out" peer
		[[ ${lines[0]} == 10.77.1.1:[0-9]* ]]
		run dg_json get "$out" group
		[ "${lines[4]}" = 239.255.77.1 ]
	done
}

@test "SSM: a --source receiver gets its source's datagrams, none from another" {
	ns_recv ssm 3 mcast-recv -I eth0 -g 232.7.7.7 --source 10.77.1.1 \
	    -c 3 -w 10 --port 0
	local port=$L_PORT ssm=$L_PID ssm_out=$L_OUT
	has_line "$L_ERR" \
	    'netdemo: mcast-recv: joined 232.7.7.7 from 10.77.1.1 on eth0'
	# Control: an any-source receiver of the same group on h4.
	ns_recv any 4 mcast-recv -I eth0 -g 232.7.7.7 -c 6 -w 10 \
	    --port "$port"
	# The other source first; then, paced, the allowed one.
	ns_send 2 mcast-send -I eth0 -g 232.7.7.7 -p "$port" -c 3 -i 0 -q \
	    -m 'from h2 {n}'
	ns_send 1 mcast-send -I eth0 -g 232.7.7.7 -p "$port" -c 3 -i 0.1 \
	    -q -m 'from h1 {n}'
	expect_exit 0 "$ssm"
	expect_exit 0 "$L_PID"
	same_lines "$ssm_out" 'from h1 0' 'from h1 1' 'from h1 2'
	# h2's datagrams were on the wire: the control got all six.
	same_lines "$L_OUT" 'from h2 0' 'from h2 1' 'from h2 2' \
	    'from h1 0' 'from h1 1' 'from h1 2'
}

@test "IPv6: the default group ff12::4e44 on eth0, h2 and h3 get every datagram" {
	ns_recv r2 2 mcast-recv -6 -I eth0 -c 3 -w 10 -f json --port 0
	local port=$L_PORT r2=$L_PID r2_out=$L_OUT
	has_line "$L_ERR" 'netdemo: mcast-recv: joined ff12::4e44 on eth0'
	has_line "$L_ERR" "netdemo: mcast-recv: listening on [::]:$port"
	ns_recv r3 3 mcast-recv -6 -I eth0 -c 3 -w 10 -f json --port "$port"
	ns_send 1 mcast-send -6 -I eth0 -p "$port" -c 3 -i 0 -q
	expect_exit 0 "$r2"
	expect_exit 0 "$L_PID"
	local out
	for out in "$r2_out" "$L_OUT"; do
		run dg_json get "$out" data
		[ "$output" = $'Hello world : 0\nHello world : 1\nHello world : 2' ]
		run dg_json get "$out" group
		[ "${lines[0]}" = ff12::4e44 ]
		run dg_json get "$out" ttl
		[ "${lines[0]}" = 1 ]
	done
}

@test "IPv6 SSM: --source fd77::1 gets h1's datagrams, none from h2" {
	ns_recv ssm 3 mcast-recv -I eth0 -g ff3e::77 --source fd77::1 -c 3 \
	    -w 10 -f json --port 0
	local port=$L_PORT ssm=$L_PID ssm_out=$L_OUT
	ns_recv any 4 mcast-recv -I eth0 -g ff3e::77 -c 6 -w 10 \
	    --port "$port"
	ns_send 2 mcast-send -I eth0 -g ff3e::77 -p "$port" -c 3 -i 0 -q \
	    -m 'from h2 {n}'
	ns_send 1 mcast-send -I eth0 -g ff3e::77 -p "$port" -c 3 -i 0.1 -q \
	    -m 'from h1 {n}'
	expect_exit 0 "$ssm"
	expect_exit 0 "$L_PID"
	run dg_json get "$ssm_out" data
	[ "$output" = $'from h1 0\nfrom h1 1\nfrom h1 2' ]
	run dg_json get "$ssm_out" peer
	[[ ${lines[0]} == '[fd77::1]:'[0-9]* ]]
	[ "$(grep -c 'from h2' "$L_OUT")" -eq 3 ]
}

@test "--ttl 4 is the TTL the receiving host sees (IPv4)" {
	ns_recv r 2 mcast-recv -I eth0 -g 239.255.77.4 -c 2 -w 10 -f json \
	    --port 0
	ns_send 1 mcast-send -I eth0 -g 239.255.77.4 -p "$L_PORT" -c 2 -i 0 \
	    -q --ttl 4
	expect_exit 0 "$L_PID"
	run dg_json get "$L_OUT" ttl
	[ "$output" = $'4\n4' ]
}

@test "--ttl 4 is the hop limit the receiving host sees (IPv6)" {
	ns_recv r 2 mcast-recv -6 -I eth0 -c 2 -w 10 -f json --port 0
	ns_send 1 mcast-send -6 -I eth0 -p "$L_PORT" -c 2 -i 0 -q --ttl 4
	expect_exit 0 "$L_PID"
	run dg_json get "$L_OUT" ttl
	[ "$output" = $'4\n4' ]
}

@test "--no-loop: nothing for a receiver on the sender's host (exit 3), all for another host" {
	ns_recv local 1 mcast-recv -I eth0 -g 239.255.77.5 -w 1 --port 0
	local port=$L_PORT lpid=$L_PID lout=$L_OUT lerr=$L_ERR
	ns_recv remote 2 mcast-recv -I eth0 -g 239.255.77.5 -c 3 -w 10 \
	    --port "$port"
	ns_send 1 mcast-send -I eth0 -g 239.255.77.5 -p "$port" -c 3 -i 0 \
	    -q --no-loop
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2'
	expect_exit 3 "$lpid" 50
	[ ! -s "$lout" ]
	has_line "$lerr" 'netdemo: mcast-recv: nothing received in 1 s'
}

@test "--loop (the default): a receiver on the sender's host gets its datagrams" {
	ns_recv local 1 mcast-recv -I eth0 -g 239.255.77.6 -c 3 -w 10 --port 0
	ns_send 1 mcast-send -I eth0 -g 239.255.77.6 -p "$L_PORT" -c 3 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2'
}

@test "silence on a host with no multicast route and no MULTICAST flag: both named" {
	ip -n "${NS_PREFIX}h4" route del 224.0.0.0/4 dev eth0
	ip -n "${NS_PREFIX}h4" link set eth0 multicast off
	ns_recv r 4 mcast-recv -I eth0 -g 239.255.77.7 -w 0.5 --port 0
	expect_exit 3 "$L_PID" 50
	has_line "$L_ERR" 'netdemo: mcast-recv: nothing received in 0.5 s'
	has_line "$L_ERR" \
	    "netdemo: mcast-recv: checks for IPv4 multicast on eth0 port $L_PORT:"
	grep -q '^netdemo: mcast-recv:   no route: ' "$L_ERR"
	grep -q '^netdemo: mcast-recv:   eth0 has no MULTICAST flag' "$L_ERR"
}

@test "a multicast route and the MULTICAST flag: the checks say the route is there" {
	ns_recv r 4 mcast-recv -I eth0 -g 239.255.77.7 -w 0.5 --port 0
	expect_exit 3 "$L_PID" 50
	has_line "$L_ERR" \
	    'netdemo: mcast-recv:   route: the host has a route for the group'
	run ! grep -q 'MULTICAST flag' "$L_ERR"
}

@test "tcp-connect -w 1 to a host that never answers: connect times out, exit 1" {
	# 10.77.1.99 is on h1's LAN but nobody has it: ARP goes unanswered, the
	# SYN never leaves, and the kernel would give up only after ~3 s.
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr timeout 10 ip netns exec "${NS_PREFIX}h1" \
	    "$ND" tcp-connect -H 10.77.1.99 -p 4000 -w 1 -m hello
	t1=$(date +%s%N)
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = 'netdemo: tcp-connect: connect 10.77.1.99:4000: Connection timed out' ]
	# The 1 s asked for, not the kernel's own give-up (which would say
	# "No route to host" after ~3 s).
	[ $(((t1 - t0) / 1000000)) -ge 900 ]
}
