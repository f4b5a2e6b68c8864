#!/usr/bin/env bats
# events.bats: -v with -f json puts connect, close, turned-away, join,
# leave and new-sender events on standard output as json objects; -T
# starts each text line with the time and the peer.

load helpers

# events FILE: the "event" of each object of FILE that has one, in order.
events() {
	jq -r 'select(.event != null and .event != "summary") | .event' "$1"
}

# serve_events ARGS...: tcp-serve ARGS -v -f json -c 1 and one client.
serve_events() {
	start_server tcp-serve "$@" -v -f json -c 1
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" \
	    -m 'Hello world'
	[ "$output" = 'Hello world' ]
	expect_exit 0 "$SERVER_PID"
	[ "$(events "$SERVER_OUT" | tr '\n' ' ')" = 'connect close ' ]
	[ "$(jq -r 'select(.event == "close") | "\(.bytes_in) \(.bytes_out) \(.why) \(.mode)"' \
	    "$SERVER_OUT")" = '11 11 closed tcp-serve' ]
	# The peer of the events is the peer of the data.
	[ "$(jq -r '.peer' "$SERVER_OUT" | sort -u | wc -l)" -eq 1 ]
	# Standard error has the start-up line only.
	[ "$(wc -l <"$SERVER_ERR")" -eq 1 ]
}

@test "tcp-serve -v -f json: connect, the data, close with its bytes, all on stdout" {
	serve_events --poll
}

@test "tcp-serve --epoll -v -f json: connect, the data, close with its bytes, all on stdout" {
	serve_events --epoll
}

# turned_away_event ARGS...: tcp-serve ARGS -v -f json --max-clients 1.
turned_away_event() {
	start_server tcp-serve "$@" -v -f json --max-clients 1
	start_bg idle "$PYTHON" "$ND_TOOLS/hostile_tcp.py" idle 127.0.0.1 \
	    "$PORT" 30
	wait_for_line "$T/idle.out" '^port '
	run timeout 10 "$ND" tcp-connect -p "$PORT" -m x -q
	wait_for_line "$SERVER_OUT" '"event":"turned_away"'
	[ "$(jq -r 'select(.event == "turned_away") | .why' "$SERVER_OUT")" = \
	    '--max-clients reached' ]
}

@test "tcp-serve -v -f json --max-clients 1: a turned_away object for the second" {
	turned_away_event --poll
}

@test "tcp-serve --epoll -v -f json --max-clients 1: a turned_away object for the second" {
	turned_away_event --epoll
}

@test "udp-recv -v -f json: one new_sender object per sender" {
	start_server udp-recv -v -f json -c 3
	timeout 5 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	timeout 5 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(events "$SERVER_OUT" | tr '\n' ' ')" = 'new_sender new_sender ' ]
	[ "$(jq -r 'select(.event == null) | .data' "$SERVER_OUT" | wc -l)" -eq 3 ]
}

@test "mcast-recv -v -f json: join and leave objects with the group and interface" {
	start_server mcast-recv -v -f json -c 1 -g 239.255.0.9
	timeout 5 "$ND" mcast-send -p "$PORT" -g 239.255.0.9 -c 3 -i 0.1 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(events "$SERVER_OUT" | tr '\n' ' ')" = 'join new_sender leave ' ]
	[ "$(jq -r 'select(.event == "join") | "\(.group) \(.interface)"' \
	    "$SERVER_OUT")" = '239.255.0.9 127.0.0.1' ]
}

@test "-v without json: the events stay on standard error" {
	start_server udp-recv -v -c 1
	timeout 5 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(cat "$SERVER_OUT")" = 'Hello world : 0' ]
	grep -qE '^netdemo: udp-recv: 127\.0\.0\.1:[0-9]+: new sender$' "$SERVER_ERR"
}

# serve_stamped ARGS...: tcp-serve ARGS -T -c 1: the line of its one
# client starts with the time and the peer.
serve_stamped() {
	local sport
	start_server tcp-serve "$@" -T -c 1
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -m 'a\b'
	expect_exit 0 "$SERVER_PID"
	sport=$(sed -n 's/^[^ ]* 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$SERVER_OUT")
	[ -n "$sport" ]
	# The payload is escaped as text is, after the stamp.
	grep -qxE "[0-9T:.Z-]+ 127\.0\.0\.1:$sport a\\\\\\\\b" "$SERVER_OUT"
}

@test "-T: text lines start with the time and the peer" {
	start_server udp-recv -T -c 1
	timeout 5 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	grep -qxE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z 127\.0\.0\.1:[0-9]+ Hello world : 0' \
	    "$SERVER_OUT"
	serve_stamped --poll
}

@test "tcp-serve --epoll -T: text lines start with the time and the peer" {
	serve_stamped --epoll
}

@test "-T leaves json and raw as they are" {
	start_server udp-recv -T -f raw -c 1
	timeout 5 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q -m hello
	expect_exit 0 "$SERVER_PID"
	[ "$(cat "$SERVER_OUT")" = hello ]
}
