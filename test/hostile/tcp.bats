#!/usr/bin/env bats
# hostile/tcp.bats: TCP peers that close early, half-close, drain slowly or
# come and go in a crowd, and argv that tries to forge a line (issue 8,
# items 4, 5, 7, 15 and 18).

load ../helpers
load ../tcp_helpers

HOSTILE_PY=$ND_TOOLS/hostile_tcp.py
MiB=1048576

# start_peer NAME ARGS...: start a server of tools/hostile_tcp.py and wait
# for its "port N" line; sets PEER_PID and PEER_PORT.
start_peer() {
	local name=$1
	shift
	start_bg "$name" "$PYTHON" "$HOSTILE_PY" "$@"
	PEER_PID=$BG_PID
	wait_for_line "$T/$name.out" '^port [0-9]+$' || return 1
	PEER_PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$T/$name.out")
	[ -n "$PEER_PORT" ]
}

# last_line_is FILE REGEX: the last line of FILE matches REGEX (ERE);
# BASH_REMATCH holds the groups.
last_line_is() {
	local last
	last=$(tail -n 1 "$1")
	if ! [[ $last =~ $2 ]]; then
		echo "last line of $1: $last" >&2
		echo "want /$2/; all of it:" >&2
		cat "$1" >&2
		return 1
	fi
}

# --- item 4: the server replies and closes early ------------------------------

# The server reads 10 bytes, sends "ok\n" and closes with the rest unread:
# the reply is written out first, then one line on what was not sent,
# exit 1.  Which direction fails first (the send, or the receive that
# sees the reset) depends on timing; either way the line names the input
# that was not sent.
@test "server says ok and closes after 10 bytes: 50 MB file in, ok out, exit 1, bytes not sent named" {
	local st=0 n
	head -c $((50 * MiB)) /dev/zero >"$T/big"
	start_peer srv okserver
	timeout 20 "$ND" tcp-connect -p "$PEER_PORT" <"$T/big" >"$T/out" \
	    2>"$T/err" || st=$?
	[ "$st" -eq 1 ]
	printf 'ok\n' | cmp - "$T/out"
	last_line_is "$T/err" "^netdemo: tcp-connect: (send|recv) 127\\.0\\.0\\.1:$PEER_PORT: (Broken pipe|Connection reset by peer): ([0-9]+) of 52428800 bytes of standard input not sent\$"
	n=${BASH_REMATCH[3]}
	# At least the 10 bytes the server read were sent.
	[ "$n" -gt 0 ]
	[ "$n" -le $((50 * MiB - 10)) ]
	expect_exit 0 "$PEER_PID" 50
}

@test "server says ok and closes after 10 bytes: 50 MB pipe in, ok out, exit 1, the byte sending stopped at" {
	local st=0 n
	head -c $((50 * MiB)) /dev/zero >"$T/big"
	start_peer srv okserver
	timeout 20 cat "$T/big" 2>/dev/null |
	    timeout 20 "$ND" tcp-connect -p "$PEER_PORT" >"$T/out" 2>"$T/err" ||
	    st=$?
	[ "$st" -eq 1 ]
	printf 'ok\n' | cmp - "$T/out"
	last_line_is "$T/err" "^netdemo: tcp-connect: (send|recv) 127\\.0\\.0\\.1:$PEER_PORT: (Broken pipe|Connection reset by peer): standard input not sent past byte ([0-9]+)\$"
	n=${BASH_REMATCH[3]}
	[ "$n" -ge 10 ]
	[ "$n" -lt $((50 * MiB)) ]
	expect_exit 0 "$PEER_PID" 50
}

@test "server says ok and closes after 10 bytes, --stats: the summary comes before the not-sent line" {
	local st=0 nl
	head -c $((50 * MiB)) /dev/zero >"$T/big"
	start_peer srv okserver
	timeout 20 "$ND" tcp-connect --stats -p "$PEER_PORT" <"$T/big" \
	    >"$T/out" 2>"$T/err" || st=$?
	[ "$st" -eq 1 ]
	printf 'ok\n' | cmp - "$T/out"
	last_line_is "$T/err" "^netdemo: tcp-connect: (send|recv) 127\\.0\\.0\\.1:$PEER_PORT: (Broken pipe|Connection reset by peer): [0-9]+ of 52428800 bytes of standard input not sent\$"
	# The summary (3 bytes came back) is there, and above the last line.
	nl=$(wc -l <"$T/err")
	head -n $((nl - 1)) "$T/err" |
	    grep -qE '^netdemo: tcp-connect: summary: [0-9]+ messages?, 3 bytes in '
	expect_exit 0 "$PEER_PID" 50
}

# --- item 5: the server half-closes at once but keeps reading -----------------

@test "server shuts down writing at once: tcp-connect still sends all of a 3 MiB pipe, exit 0" {
	local st=0
	head -c $((3 * MiB)) /dev/urandom >"$T/in"
	start_peer srv halfclose
	timeout 20 cat "$T/in" |
	    timeout 20 "$ND" tcp-connect -p "$PEER_PORT" >"$T/out" 2>"$T/err" ||
	    st=$?
	cat "$T/err" >&2
	[ "$st" -eq 0 ]
	[ ! -s "$T/out" ]
	[ ! -s "$T/err" ]
	expect_exit 0 "$PEER_PID" 100
	grep -qx "read $((3 * MiB))" "$T/srv.out"
}

@test "server shuts down writing at once: tcp-connect still sends all of a 32 MiB file, exit 0" {
	local st=0
	head -c $((32 * MiB)) /dev/zero >"$T/in"
	start_peer srv halfclose
	timeout 30 "$ND" tcp-connect -p "$PEER_PORT" <"$T/in" >"$T/out" \
	    2>"$T/err" || st=$?
	cat "$T/err" >&2
	[ "$st" -eq 0 ]
	[ ! -s "$T/out" ]
	[ ! -s "$T/err" ]
	expect_exit 0 "$PEER_PID" 100
	grep -qx "read $((32 * MiB))" "$T/srv.out"
}

# --- item 7: -w counts activity in both directions ----------------------------

# A client sends 6,000,000 bytes and drains the echo at 800 kB/s (40,000
# bytes every 0.05 s), slower than the server could send: the server
# stops reading it (its echo queue is full) for about a second at a time,
# yet the echo flows to it all along, so -w 0.5 must not drop it.  An idle
# client (connected, sends and reads nothing) is still dropped: at once
# with --select, --poll and --epoll; plain serves one client at a time,
# so there it waits in the backlog until the slow one has gone.
slow_drain() {
	local slow idle sport iport t
	start_server tcp-serve -q -w 0.5 "$@"
	start_bg slow "$PYTHON" "$HOSTILE_PY" slowdrain 127.0.0.1 "$PORT" \
	    6000000 40000 0.05
	slow=$BG_PID
	wait_for_line "$T/slow.out" '^port [0-9]+$'
	sport=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$T/slow.out")
	start_bg idle "$PYTHON" "$HOSTILE_PY" idle 127.0.0.1 "$PORT" 20
	idle=$BG_PID
	wait_for_line "$T/idle.out" '^port [0-9]+$'
	iport=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$T/idle.out")
	expect_exit 0 "$slow" 150 || {
		cat "$T/slow.out" "$SERVER_ERR" >&2
		return 1
	}
	grep -qE '^ok 6000000 in [0-9.]+ s$' "$T/slow.out"
	expect_exit 0 "$idle" 150 || {
		cat "$T/idle.out" "$SERVER_ERR" >&2
		return 1
	}
	t=$(sed -n 's/^closed.* after \([0-9]*\)\.[0-9] s$/\1/p' "$T/idle.out")
	[ -n "$t" ]
	if [ $# -gt 0 ]; then
		# Dropped after 0.5 s, while the slow client was still there.
		[ "$t" -lt 3 ]
	fi
	grep -qx "netdemo: tcp-serve: 127\\.0\\.0\\.1:$iport: idle for 0\\.5 s: dropped" \
	    "$SERVER_ERR"
	run ! grep -q "127\\.0\\.0\\.1:$sport: idle" "$SERVER_ERR"
	kill -0 "$SERVER_PID"
}

@test "plain -w 0.5: a client draining its echo slowly is not dropped; an idle one is" {
	slow_drain
}

@test "--select -w 0.5: a client draining its echo slowly is not dropped; an idle one is" {
	slow_drain --select
}

@test "--poll -w 0.5: a client draining its echo slowly is not dropped; an idle one is" {
	slow_drain --poll
}

@test "--epoll -w 0.5: a client draining its echo slowly is not dropped; an idle one is" {
	slow_drain --epoll
}

# --- item 15: user values in messages are escaped -----------------------------

# one_line_starting STATUS PREFIX CMD...: CMD exits STATUS, nothing on
# standard output, and one line on standard error that starts with PREFIX
# and holds no control character or invalid byte.
one_line_starting() {
	local want_st=$1 prefix=$2
	shift 2
	run --separate-stderr timeout 5 "$@"
	if [ "$status" -ne "$want_st" ] || [ -n "$output" ] ||
	    [[ $stderr != "$prefix"* ]] ||
	    [ "${#stderr_lines[@]}" -ne 1 ] ||
	    printf '%s' "$stderr" | LC_ALL=C grep -q '[^ -~]'; then
		echo "$*: status $status (want $want_st)" >&2
		printf 'stdout: %q\nstderr: %q\nwant a line starting %q\n' \
		    "$output" "$stderr" "$prefix" >&2
		return 1
	fi
}

@test "-p with a newline: one line with \\n, exit 2; a forged 'listening on' line cannot get out" {
	usage_error 'netdemo: tcp-serve: --port 48100\nnetdemo: x: not a number' \
	    tcp-serve -p $'48100\nnetdemo: x'
	usage_error 'netdemo: tcp-serve: --port 48100\nnetdemo: tcp-serve: listening on 127.0.0.1:48100: not a number' \
	    tcp-serve -p $'48100\nnetdemo: tcp-serve: listening on 127.0.0.1:48100'
}

@test "-p with an escape sequence: ESC appears as \\x1b" {
	usage_error 'netdemo: tcp-serve: --port 48100\x1b[31mred\x1b[0m: not a number' \
	    tcp-serve -p $'48100\e[31mred\e[0m'
	usage_error 'netdemo: tcp-connect: --port 1\x1b]0;title\x07: not a number' \
	    tcp-connect -p $'1\e]0;title\a'
}

@test "tab, CR, backslash, invalid bytes in option values are escaped as text does" {
	usage_error 'netdemo: tcp-serve: --max-clients 1\tx: not a number' \
	    tcp-serve --max-clients $'1\tx'
	usage_error 'netdemo: tcp-serve: --count 1\rx: not a number' \
	    tcp-serve -c $'1\rx'
	usage_error 'netdemo: tcp-connect: --bufsize 1\\x: not a size' \
	    tcp-connect -b '1\x'
	usage_error 'netdemo: tcp-serve: --backlog 1\nx: not a number' \
	    tcp-serve --backlog $'1\nx'
	usage_error 'netdemo: tcp-serve: --timeout 1\x1bx: not a number' \
	    tcp-serve -w $'1\ex'
	usage_error 'netdemo: tcp-connect: --port 1\xff2: not a number' \
	    tcp-connect -p $'1\xff2'
}

# The host names hold control bytes: the resolver refuses them without
# asking DNS (glibc's res_hnok; strace shows no query), so no traffic
# leaves the machine.
@test "host names, formats, option and mode names are escaped in their messages too" {
	one_line_starting 1 'netdemo: tcp-serve: resolve bad\nhost: ' \
	    "$ND" tcp-serve -H $'bad\nhost' -p 0
	one_line_starting 1 'netdemo: tcp-connect: resolve a\xffb\x1b[2J: ' \
	    "$ND" tcp-connect -H $'a\xffb\e[2J' -p 9
	one_line_starting 2 'netdemo: tcp-serve: --format x\ny: ' \
	    "$ND" tcp-serve -f $'x\ny'
	one_line_starting 2 'netdemo: tcp-serve: --bo\ngus: ' \
	    "$ND" tcp-serve $'--bo\ngus'
	one_line_starting 2 'netdemo: tcp\nx: ' "$ND" $'tcp\nx'
}

# --- item 18: closes are handled before accepts -------------------------------

# Under ulimit -n 64, 150 clients connect and stay (some served, the rest
# turned away for want of a descriptor); all of them close, and a new
# client connects at once: it must be served, every round.
emfile_churn() {
	local rounds=30
	start_limited 64 tcp-serve -q "$@"
	run --separate-stderr timeout 100 "$PYTHON" "$HOSTILE_PY" churn \
	    127.0.0.1 "$PORT" "$rounds" 150
	echo "$output" >&2
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "rounds $rounds echoed $rounds lost 0" ]
	# Every round did run out of descriptors: some served, some not.
	[ "$(grep -cE '^round [0-9]+: [1-9][0-9]* served, [1-9][0-9]* turned away, 0 silent; new client echoed$' <<<"$output")" -eq "$rounds" ]
	kill -0 "$SERVER_PID"
}

@test "--select, ulimit -n 64: after 150 clients close, the next one is served (30 rounds)" {
	emfile_churn --select
}

@test "--poll, ulimit -n 64: after 150 clients close, the next one is served (30 rounds)" {
	emfile_churn --poll
}

@test "--epoll, ulimit -n 64: after 150 clients close, the next one is served (30 rounds)" {
	emfile_churn --epoll
}
