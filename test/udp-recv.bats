#!/usr/bin/env bats
# udp-recv.bats: the tutorial's receiver (recv_udp.py): --count, --timeout,
# --bufsize truncation, formats on datagrams, --stats, signals.

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

@test "the listening line names the real port, even with -q" {
	start_server udp-recv -q
	has_line "$SERVER_ERR" "netdemo: udp-recv: listening on 127.0.0.1:$PORT"
	[ "$PORT" -gt 0 ]
}

@test "IPv6: listens on [::1]:PORT and names the peer in json" {
	start_server udp-recv -H ::1 -c 1 -w 10 -f json
	has_line "$SERVER_ERR" "netdemo: udp-recv: listening on [::1]:$PORT"
	timeout 10 "$ND" udp-send -H ::1 -p "$PORT" -c 1 -q -m six
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" data
	[ "$output" = six ]
	run dg_json get "$SERVER_OUT" peer
	[[ $output == '[::1]:'[0-9]* ]]
}

@test "-c N: exit 0 after exactly N datagrams, the rest not read" {
	start_server udp-recv -c 2 -w 10
	timeout 10 "$ND" udp-send -p "$PORT" -c 4 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1'
}

@test "-w: nothing at all arrives -> exit 3, the summary, then the reason" {
	start_server udp-recv -w 0.5
	expect_exit 3 "$SERVER_PID" 50
	[ ! -s "$SERVER_OUT" ]
	[ "$(wc -l <"$SERVER_ERR")" -eq 3 ]
	[ "$(sed -n 1p "$SERVER_ERR")" = "netdemo: udp-recv: listening on 127.0.0.1:$PORT" ]
	sed -n 2p "$SERVER_ERR" | grep -qx 'netdemo: udp-recv: summary: 0 messages, 0 bytes in .*'
	[ "$(sed -n 3p "$SERVER_ERR")" = 'netdemo: udp-recv: nothing received in 0.5 s' ]
}

@test "-w without -c: datagrams then silence -> exit 0" {
	start_server udp-recv -w 0.5
	timeout 10 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	expect_exit 0 "$SERVER_PID" 50
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1'
}

@test "-w is an idle limit, not a limit on the whole run" {
	start_server udp-recv -c 5 -w 1
	# 5 datagrams 0.4 s apart take 1.6 s, never 1 s without one.
	timeout 10 "$ND" udp-send -p "$PORT" -c 5 -i 0.4 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 5 ]
}

@test "-b N: a longer datagram is reported truncated on standard error" {
	start_server udp-recv -c 1 -w 10 -b 100
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -m x -s 200
	expect_exit 0 "$SERVER_PID"
	grep -qx "netdemo: udp-recv: datagram from 127.0.0.1:[0-9]* truncated: 200 bytes, --bufsize 100" \
	    "$SERVER_ERR"
	# The first 100 bytes are still printed.
	[ "$(cat "$SERVER_OUT")" = "x$(printf '%.0s.' {1..99})" ]
}

@test "-b N: json says truncated and the length on the wire" {
	start_server udp-recv -c 1 -w 10 -b 100 -f json
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -s 200
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" truncated
	[ "$output" = true ]
	run dg_json get "$SERVER_OUT" orig_len
	[ "$output" = 200 ]
	run dg_json get "$SERVER_OUT" len
	[ "$output" = 100 ]
}

@test "-b N: a datagram of exactly N bytes is not truncated" {
	start_server udp-recv -c 1 -w 10 -b 100 -f json
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -s 100
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" truncated
	[ -z "$output" ]
	run ! grep -q truncated "$SERVER_ERR"
}

@test "json: a binary payload round-trips through data_base64" {
	local bin
	bin=$T/bin
	# NUL, newline, 0xff, a lone continuation byte, and every other byte.
	printf 'A\000\n\377\200B' >"$bin"
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' \
	    >>"$bin"
	start_server udp-recv -c 1 -w 10 -f json
	dg_send 127.0.0.1 "$PORT" "$bin"
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" data_base64
	[ -n "$output" ]
	printf '%s' "$output" | base64 -d | cmp - "$bin"
	run dg_json get "$SERVER_OUT" len
	[ "$output" = 262 ]
}

@test "json: one object per datagram, even with a newline inside" {
	local a b
	a=$T/a b=$T/b
	printf 'two\nlines' >"$a"
	printf 'plain' >"$b"
	start_server udp-recv -c 2 -w 10 -f json
	dg_send 127.0.0.1 "$PORT" "$a" "$b"
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 2 ]
	dg_json payload "$SERVER_OUT" 0 "$T/got"
	cmp "$a" "$T/got"
}

@test "raw: the datagrams' bytes exactly, nothing added" {
	local a b
	a=$T/a b=$T/b
	printf 'x\000y\377\n' >"$a"
	printf 'second' >"$b"
	start_server udp-recv -c 2 -w 10 -f raw
	dg_send 127.0.0.1 "$PORT" "$a" "$b"
	expect_exit 0 "$SERVER_PID"
	cat "$a" "$b" | cmp - "$SERVER_OUT"
}

@test "text: a datagram with a newline and a NUL is one escaped line" {
	local a
	a=$T/a
	printf 'a\nb\000c' >"$a"
	start_server udp-recv -c 1 -w 10
	dg_send 127.0.0.1 "$PORT" "$a"
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'a\nb\x00c'
}

@test "an empty datagram is a message (json len 0)" {
	local e
	e=$T/empty
	: >"$e"
	start_server udp-recv -c 1 -w 10 -f json
	dg_send 127.0.0.1 "$PORT" "$e"
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" len
	[ "$output" = 0 ]
}

@test "--stats: messages and bytes in the summary on standard error" {
	start_server udp-recv -c 3 -w 10 -q --stats
	timeout 10 "$ND" udp-send -p "$PORT" -c 3 -i 0 -q -s 10
	expect_exit 0 "$SERVER_PID"
	[ ! -s "$SERVER_OUT" ]
	grep -q '^netdemo: udp-recv: summary: 3 messages, 30 bytes in ' \
	    "$SERVER_ERR"
}

@test "json --stats: the summary is the last object on standard output" {
	start_server udp-recv -c 2 -w 10 -f json --stats
	timeout 10 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q -s 7
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 3 ]
	run dg_json get "$SERVER_OUT" event
	[ "$output" = summary ]
	run dg_json get "$SERVER_OUT" messages
	[ "$output" = 2 ]
	run dg_json get "$SERVER_OUT" bytes
	[ "$output" = 14 ]
	tail -n 1 "$SERVER_OUT" | grep -q '"event":"summary"'
	run ! grep -q summary "$SERVER_ERR"
}

@test "SIGTERM: exit 0 with the summary, no --stats needed" {
	start_server udp-recv
	timeout 10 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	wait_for_line "$SERVER_OUT" '^Hello world : 1$'
	kill -TERM "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 50
	grep -q '^netdemo: udp-recv: summary: 2 messages, ' "$SERVER_ERR"
}

@test "SIGINT: exit 0 with the summary" {
	start_server udp-recv -q
	kill -INT "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 50
	grep -q '^netdemo: udp-recv: summary: 0 messages, ' "$SERVER_ERR"
}

@test "run time: udp-recv on a port in use -> exit 1, one line" {
	start_server udp-recv -q
	run --separate-stderr timeout 5 "$ND" udp-recv -p "$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "netdemo: udp-recv: bind 127.0.0.1:$PORT: Address already in use" ]
}

@test "usage: udp-recv --max-loss without --seq" {
	usage_error 'netdemo: udp-recv: --max-loss: needs --seq' \
	    udp-recv --max-loss 5
}

@test "usage: udp-recv --group is a multicast option" {
	usage_error 'netdemo: udp-recv: --group: not an option of udp-recv' \
	    udp-recv --group 239.1.1.1
}
