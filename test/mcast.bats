#!/usr/bin/env bats
# mcast.bats: mcast-send and mcast-recv on 127.0.0.1 (the tutorial's
# send_udp_multicast.py and recv_udp_multicast.py): shared ports, joined
# groups only, SSM, silence diagnostics, bad input.  TTL 1 throughout;
# what needs a real link (--no-loop, IPv6, TTL, several hosts) is in
# netns.bats.

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

HELLO3=('Hello world : 0' 'Hello world : 1' 'Hello world : 2')

@test "tutorial: mcast-send -> mcast-recv on 127.0.0.1" {
	start_server mcast-recv -c 3 -w 10
	run --separate-stderr timeout 10 "$ND" mcast-send -p "$PORT" -c 3 \
	    -i 0.05
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(printf '%s\n' "${HELLO3[@]}")" ]
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" "${HELLO3[@]}"
}

@test "mcast-recv: 'joined GROUP on IFACE', then 'listening on 0.0.0.0:PORT'" {
	start_server mcast-recv -q
	same_lines "$SERVER_ERR" \
	    'netdemo: mcast-recv: joined 239.255.0.1 on 127.0.0.1' \
	    "netdemo: mcast-recv: listening on 0.0.0.0:$PORT"
}

@test "json: group, peer and the received TTL (1 by default)" {
	start_server mcast-recv -c 2 -w 10 -f json
	timeout 10 "$ND" mcast-send -p "$PORT" -c 2 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" group
	[ "$output" = $'239.255.0.1\n239.255.0.1' ]
	run dg_json get "$SERVER_OUT" ttl
	[ "$output" = $'1\n1' ]
	run dg_json get "$SERVER_OUT" peer
	[[ ${lines[0]} == 127.0.0.1:[0-9]* ]]
}

@test "mcast-send -f json: each datagram sent, to GROUP:PORT" {
	start_server mcast-recv -c 1 -w 10 -q
	run --separate-stderr timeout 10 "$ND" mcast-send -p "$PORT" -c 1 \
	    -f json -m hi
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/sent"
	run dg_json get "$T/sent" peer
	[ "$output" = "239.255.0.1:$PORT" ]
	run dg_json get "$T/sent" data
	[ "$output" = hi ]
	expect_exit 0 "$SERVER_PID"
}

@test "-I lo (a name) works like -I 127.0.0.1" {
	start_server mcast-recv -I lo -c 2 -w 10
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: joined 239.255.0.1 on lo'
	timeout 10 "$ND" mcast-send -I lo -p "$PORT" -c 2 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1'
}

@test "two mcast-recv on one port both get every datagram" {
	start_server mcast-recv -c 5 -w 10
	start_listener second "$ND" mcast-recv -c 5 -w 10 --port "$PORT"
	[ "$L_PORT" = "$PORT" ]
	timeout 10 "$ND" mcast-send -p "$PORT" -c 5 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	expect_exit 0 "$L_PID"
	same_lines "$SERVER_OUT" "${HELLO3[@]}" 'Hello world : 3' \
	    'Hello world : 4'
	cmp "$SERVER_OUT" "$L_OUT"
}

@test "a group not joined is not printed, though another process joined it on this port" {
	# First: 239.255.0.1; second, same port: 239.255.0.2.
	start_server mcast-recv -g 239.255.0.1 -c 1 -w 10
	local first_pid=$SERVER_PID first_out=$SERVER_OUT
	start_listener second "$ND" mcast-recv -g 239.255.0.2 -c 3 -w 10 \
	    --port "$PORT"
	timeout 10 "$ND" mcast-send -g 239.255.0.2 -p "$PORT" -c 3 -i 0 -q \
	    -m 'to .2 #{n}'
	# The second one got them all: they were queued to the first too, if
	# at all, before the marker below is sent.
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" 'to .2 #0' 'to .2 #1' 'to .2 #2'
	timeout 10 "$ND" mcast-send -g 239.255.0.1 -p "$PORT" -c 1 -q \
	    -m marker
	expect_exit 0 "$first_pid"
	same_lines "$first_out" marker
}

@test "-g twice: joins both, json names the group of each datagram" {
	start_server mcast-recv -g 239.255.0.1 -g 239.255.0.2 -c 2 -w 10 \
	    -f json
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: joined 239.255.0.1 on 127.0.0.1'
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: joined 239.255.0.2 on 127.0.0.1'
	timeout 10 "$ND" mcast-send -g 239.255.0.2 -p "$PORT" -c 1 -q -m two
	timeout 10 "$ND" mcast-send -g 239.255.0.1 -p "$PORT" -c 1 -q -m one
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" group
	[ "$output" = $'239.255.0.2\n239.255.0.1' ]
	run dg_json get "$SERVER_OUT" data
	[ "$output" = $'two\none' ]
}

@test "--source 127.0.0.1 (SSM): datagrams from that source arrive" {
	start_server mcast-recv -g 232.1.1.1 --source 127.0.0.1 -c 2 -w 10
	has_line "$SERVER_ERR" \
	    'netdemo: mcast-recv: joined 232.1.1.1 from 127.0.0.1 on 127.0.0.1'
	timeout 10 "$ND" mcast-send -g 232.1.1.1 -p "$PORT" -c 2 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1'
}

@test "--source another address (SSM): nothing arrives, exit 3 on -w" {
	start_server mcast-recv -g 232.1.1.1 --source 127.0.0.9 -w 0.5
	timeout 10 "$ND" mcast-send -g 232.1.1.1 -p "$PORT" -c 3 -i 0 -q
	expect_exit 3 "$SERVER_PID" 50
	[ ! -s "$SERVER_OUT" ]
}

@test "silence: -w passes with nothing received -> exit 3 and the checks" {
	start_server mcast-recv -g 239.255.0.9 -w 0.5
	expect_exit 3 "$SERVER_PID" 50
	[ ! -s "$SERVER_OUT" ]
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: nothing received in 0.5 s'
	has_line "$SERVER_ERR" \
	    "netdemo: mcast-recv: checks for IPv4 multicast on lo port $PORT:"
	grep -qE '^netdemo: mcast-recv:   (no )?route: ' "$SERVER_ERR"
	grep -qE '^netdemo: mcast-recv:   rp_filter' "$SERVER_ERR"
	# lo has no MULTICAST flag (0x1000) unless someone set it.
	if (( ! ($(cat /sys/class/net/lo/flags) & 0x1000) )); then
		has_line "$SERVER_ERR" \
		    'netdemo: mcast-recv:   lo has no MULTICAST flag (IPv4 on loopback works without it)'
	fi
}

@test "silence, IPv6: the route advice is for IPv6, not 224.0.0.0/4" {
	start_server mcast-recv -6 -w 0.3
	expect_exit 3 "$SERVER_PID" 50
	has_line "$SERVER_ERR" \
	    "netdemo: mcast-recv: checks for IPv6 multicast on lo port $PORT:"
	if grep -q '224\.0\.0\.0/4' "$SERVER_ERR"; then
		cat "$SERVER_ERR" >&2
		return 1
	fi
}

@test "silence: the MULTICAST flag advice names the interface" {
	start_server mcast-recv -6 -w 0.3
	expect_exit 3 "$SERVER_PID" 50
	if grep -q 'MULTICAST flag' "$SERVER_ERR"; then
		grep -q 'ip link set dev lo multicast on' "$SERVER_ERR"
	fi
}

@test "mcast-send -6 on lo: exit 1, one line (Linux gives lo no IPv6 multicast route)" {
	run --separate-stderr timeout 5 "$ND" mcast-send -6 -p 4000 -c 1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == 'netdemo: mcast-send: connect [ff12::4e44]:4000 via lo: '* ]]
}

@test "-v: mcast-recv says it left its groups at exit" {
	start_server mcast-recv -g 239.255.0.1 -g 239.255.0.2 -c 1 -w 10 -v -q
	timeout 10 "$ND" mcast-send -p "$PORT" -c 1 -q
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: left 2 groups on 127.0.0.1'
}

@test "mcast-send: the default interval is 0.5 s" {
	start_server mcast-recv -c 3 -w 10 -q
	local t0 t1
	t0=$(date +%s%N)
	timeout 10 "$ND" mcast-send -p "$PORT" -c 3 -q
	t1=$(date +%s%N)
	expect_exit 0 "$SERVER_PID"
	(( t1 - t0 >= 950000000 && t1 - t0 < 3000000000 ))
}

@test "bad: mcast-send --group 10.1.1.1 (not multicast)" {
	usage_error 'netdemo: mcast-send: --group 10.1.1.1: not a multicast address (224.0.0.0/4)' \
	    mcast-send --group 10.1.1.1
}

@test "bad: mcast-recv --group 10.1.1.1 (not multicast)" {
	usage_error 'netdemo: mcast-recv: --group 10.1.1.1: not a multicast address (224.0.0.0/4)' \
	    mcast-recv --group 10.1.1.1
}

@test "bad: mcast-recv -g fd00::1 (not multicast, IPv6)" {
	usage_error 'netdemo: mcast-recv: --group fd00::1: not a multicast address (ff00::/8)' \
	    mcast-recv -g fd00::1
}

@test "bad: mcast-send -I eth9 (no such interface)" {
	usage_error 1 'netdemo: mcast-send: interface eth9: no such interface' \
	    mcast-send -I eth9
}

@test "bad: mcast-recv -I eth9 (no such interface)" {
	usage_error 1 'netdemo: mcast-recv: interface eth9: no such interface' \
	    mcast-recv -I eth9
}

@test "bad: mcast-send -I 10.9.9.9 (an address the host does not have)" {
	usage_error 1 'netdemo: mcast-send: interface 10.9.9.9: no interface has this address' \
	    mcast-send -I 10.9.9.9
}

@test "bad: mcast-recv -I 10.9.9.9 (an address the host does not have)" {
	usage_error 1 'netdemo: mcast-recv: interface 10.9.9.9: no interface has this address' \
	    mcast-recv -I 10.9.9.9
}

@test "bad: mcast-send --ttl 256" {
	usage_error 'netdemo: mcast-send: --ttl 256: out of range 0-255' \
	    mcast-send --ttl 256
}

@test "bad: mcast-send --ttl -1" {
	usage_error 'netdemo: mcast-send: --ttl -1: out of range 0-255' \
	    mcast-send --ttl -1
}

@test "bad: mcast-recv --source ::1 with an IPv4 group" {
	usage_error 'netdemo: mcast-recv: --source ::1: not an IPv4 address like the group' \
	    mcast-recv --source ::1
}

@test "bad: mcast-recv -6 --source 127.0.0.1 with an IPv6 group" {
	usage_error 'netdemo: mcast-recv: --source 127.0.0.1: not an IPv6 address like the group' \
	    mcast-recv -6 --source 127.0.0.1
}

@test "bad: mcast-send -g ff12::1 -I 127.0.0.1 (interface of the other family)" {
	usage_error 'netdemo: mcast-send: --interface 127.0.0.1: not an IPv6 address like the group' \
	    mcast-send -g ff12::1 -I 127.0.0.1
}

@test "bad: mcast-send --size 70000" {
	usage_error 'netdemo: mcast-send: --size 70000: out of range 0-65507' \
	    mcast-send --size 70000
}

@test "bad: mcast-send -g twice (sends to one group)" {
	usage_error 'netdemo: mcast-send: --group: mcast-send sends to one group' \
	    mcast-send -g 239.1.1.1 -g 239.1.1.2
}

@test "bad: mcast-send --source (a receiver option)" {
	usage_error 'netdemo: mcast-send: --source: not an option of mcast-send' \
	    mcast-send --source 127.0.0.1
}
