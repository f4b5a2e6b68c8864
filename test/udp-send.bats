#!/usr/bin/env bats
# udp-send.bats: the tutorial's sender (send_udp.py) and its options,
# checked through a udp-recv on 127.0.0.1 or ::1.

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

@test "tutorial: udp-send -> udp-recv shows Hello world : 0, : 1, : 2" {
	start_server udp-recv -c 3 -w 10
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 3 -i 0.05
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2'
}

@test "each datagram sent is printed on standard output" {
	start_server udp-recv -c 3 -w 10 -q
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 3 -i 0
	[ "$status" -eq 0 ]
	[ "$output" = $'Hello world : 0\nHello world : 1\nHello world : 2' ]
	expect_exit 0 "$SERVER_PID"
}

@test "-q: nothing on standard output, the datagrams still go" {
	start_server udp-recv -c 2 -w 10
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1'
}

@test "IPv6: udp-send -H ::1 -> udp-recv -H ::1" {
	start_server udp-recv -H ::1 -c 3 -w 10 -f json
	has_line "$SERVER_ERR" "netdemo: udp-recv: listening on [::1]:$PORT"
	run --separate-stderr timeout 10 "$ND" udp-send -H ::1 -p "$PORT" \
	    -c 3 -i 0 -q
	[ "$status" -eq 0 ]
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" data
	[ "$output" = $'Hello world : 0\nHello world : 1\nHello world : 2' ]
	run dg_json get "$SERVER_OUT" peer
	[[ ${lines[0]} == '[::1]:'* ]]
}

@test "-m TEMPLATE: every {n} is the counter from 0" {
	start_server udp-recv -c 3 -w 10
	timeout 10 "$ND" udp-send -p "$PORT" -c 3 -i 0 -q -m 'n={n}, again {n}; {x}'
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'n=0, again 0; {x}' 'n=1, again 1; {x}' \
	    'n=2, again 2; {x}'
}

@test "-s N pads with '.' to exactly N bytes" {
	start_server udp-recv -c 1 -w 10 -f raw
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -m abc -s 10
	expect_exit 0 "$SERVER_PID"
	printf 'abc.......' | cmp - "$SERVER_OUT"
}

@test "-s N cuts to exactly N bytes" {
	start_server udp-recv -c 1 -w 10 -f raw
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -m abcdefgh -s 3
	expect_exit 0 "$SERVER_PID"
	printf 'abc' | cmp - "$SERVER_OUT"
}

@test "-s 65507: the largest IPv4 datagram goes whole" {
	start_server udp-recv -c 1 -w 10 -f json -q --stats
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -s 65507
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" bytes
	[ "$output" = 65507 ]
}

@test "--stdin: one datagram per line, newline not sent, exit 0 at EOF" {
	start_server udp-recv -c 3 -w 10 -f json
	run --separate-stderr timeout 10 "$ND" udp-send --stdin -q \
	    -p "$PORT" < <(printf 'one\n\ntwo words\n')
	[ "$status" -eq 0 ]
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" len
	[ "$output" = $'3\n0\n9' ]
	run dg_json get "$SERVER_OUT" data
	[ "$output" = $'one\n\ntwo words' ]
}

@test "--stdin: a last line without a newline is sent too" {
	start_server udp-recv -c 2 -w 10
	printf 'a\nb' | timeout 10 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" a b
}

@test "--stdin is not paced by the default 1 s interval" {
	start_server udp-recv -c 20 -w 10 -q
	# At the default -i 1 these 20 lines would take 19 s.
	seq 1 20 | timeout 5 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
}

@test "--stdin -i 0.2: paced when -i is given" {
	start_server udp-recv -c 3 -w 10 -q
	local t0 t1
	t0=$(date +%s%N)
	printf '1\n2\n3\n' | timeout 10 "$ND" udp-send --stdin -i 0.2 -q \
	    -p "$PORT"
	t1=$(date +%s%N)
	expect_exit 0 "$SERVER_PID"
	(( t1 - t0 >= 380000000 ))
}

@test "--stdin -c 2: stops after 2 lines" {
	start_server udp-recv -w 0.5
	printf '1\n2\n3\n' | timeout 10 "$ND" udp-send --stdin -c 2 -q \
	    -p "$PORT"
	expect_exit 0 "$SERVER_PID" 50
	same_lines "$SERVER_OUT" 1 2
}

@test "the default interval is 1 s: -c 2 takes about a second" {
	start_server udp-recv -c 2 -w 10 -q
	local t0 t1
	t0=$(date +%s%N)
	timeout 10 "$ND" udp-send -p "$PORT" -c 2 -q
	t1=$(date +%s%N)
	expect_exit 0 "$SERVER_PID"
	(( t1 - t0 >= 950000000 && t1 - t0 < 3000000000 ))
}

@test "-i 0.1 -c 11: paced to about 1 s in all" {
	start_server udp-recv -c 11 -w 10 -q
	local t0 t1
	t0=$(date +%s%N)
	timeout 10 "$ND" udp-send -p "$PORT" -c 11 -i 0.1 -q
	t1=$(date +%s%N)
	expect_exit 0 "$SERVER_PID"
	(( t1 - t0 >= 950000000 && t1 - t0 < 3000000000 ))
}

@test "nobody listening (ICMP port unreachable): not fatal, every datagram sent" {
	# A port nobody listens on: one a receiver just gave back.
	start_server udp-recv -c 1 -w 10 -q
	stop_pid "$SERVER_PID" || true
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 5 \
	    -i 0.02 -v
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[4]}" = 'Hello world : 4' ]
	[[ $stderr == *'nobody listens; counted, not fatal'* ]]
}

@test "SIGTERM: udp-send stops, exit 0, summary on standard error" {
	start_server udp-recv -q
	start_bg sender "$ND" udp-send -p "$PORT" -i 0.05
	local pid=$BG_PID
	wait_for_line "$T/sender.out" '^Hello world : 1$'
	kill -TERM "$pid"
	expect_exit 0 "$pid" 50
	grep -q '^netdemo: udp-send: summary: [0-9]* messages, ' \
	    "$T/sender.err"
}

@test "usage: udp-send --size 70000" {
	usage_error 'netdemo: udp-send: --size 70000: out of range 0-65507' \
	    udp-send --size 70000
}

@test "usage: udp-send --seq --size 10" {
	usage_error 'netdemo: udp-send: --size 10: --seq needs at least 31 bytes' \
	    udp-send --seq --size 10
}

@test "usage: udp-send --ttl is a multicast option" {
	usage_error 'netdemo: udp-send: --ttl: not an option of udp-send' \
	    udp-send --ttl 3
}

@test "usage: udp-send --interval -1" {
	run --separate-stderr timeout 5 "$ND" udp-send --interval -1
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == 'netdemo: udp-send: --interval -1: '* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}
