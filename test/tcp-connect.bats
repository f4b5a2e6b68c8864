#!/usr/bin/env bats
# tcp-connect.bats: the TCP client, against tcp-serve.

load helpers
load tcp_helpers

MiB=1048576

# closed_port: a port on 127.0.0.1 that nothing listens on (one that a
# server just had), in $PORT.
closed_port() {
	local st=0
	start_server tcp-serve --poll
	stop_pid "$SERVER_PID" || st=$?
	[ "$st" -eq 0 ]
}

@test "-m sends the text as is, no newline added, and writes the echo raw" {
	start_server tcp-serve -f hex --count 1
	timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO" >"$T/out" 2>"$T/err"
	printf '%s' "$HELLO" >"$T/want"
	cmp "$T/want" "$T/out"
	[ ! -s "$T/err" ]
	expect_exit 0 "$SERVER_PID" 50
	# What reached the server: 11 bytes, no newline.
	[ "$(cat "$SERVER_OUT")" = '00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64                 |Hello world|' ]
}

@test "streams a 16 MiB file through the echo server byte-exactly" {
	head -c $((16 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve --poll -q
	timeout 30 "$ND" tcp-connect -p "$PORT" <"$T/big" >"$T/out" 2>"$T/err"
	cmp "$T/big" "$T/out"
	[ ! -s "$T/err" ]
}

# A file on standard input goes by sendfile(2) and raw output to a file or
# a pipe by splice(2) on Linux; a pipe in, an appended file or a format
# other than raw out take the copying path.  Every path is byte-exact.
@test "16 MiB: pipe in and pipe out, the copying paths, byte-exact" {
	head -c $((16 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve --poll -q
	# shellcheck disable=SC2002  # the point: a pipe, not a file, as input
	cat "$T/big" | timeout 30 "$ND" tcp-connect -p "$PORT" | cat >"$T/out"
	cmp "$T/big" "$T/out"
}

@test "16 MiB: file in, output appended to a file (no splice), byte-exact" {
	head -c $((16 * MiB)) /dev/urandom >"$T/big"
	printf 'head:' >"$T/out"
	start_server tcp-serve --poll -q
	timeout 30 "$ND" tcp-connect -p "$PORT" <"$T/big" >>"$T/out"
	{ printf 'head:'; cat "$T/big"; } | cmp - "$T/out"
}

@test "1 MiB: file in, -f hex out: the dump holds every byte" {
	head -c $((1 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve --poll -q
	timeout 30 "$ND" tcp-connect -p "$PORT" -f hex <"$T/big" >"$T/out"
	# Each read is dumped from offset 0, 16 bytes a line; the hex columns
	# put back together are the file.
	cut -c11-58 "$T/out" | tr -d ' \n' | xxd -r -p | cmp - "$T/big"
}

@test "streams 16 MiB through the plain server too" {
	head -c $((16 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve -q
	timeout 30 "$ND" tcp-connect -p "$PORT" <"$T/big" >"$T/out"
	cmp "$T/big" "$T/out"
}

@test "standard input is streamed: the echo comes back before input ends" {
	start_server tcp-serve --poll
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	feed c1 'two\n'
	wait_for_line "$T/c1.out" '^two$'
	kill -0 "$c1"
	end_feed c1
	expect_exit 0 "$c1" 50
	[ "$(cat "$T/c1.out")" = "$(printf 'one\ntwo')" ]
}

@test "at end of input it shuts down writing and exits 0 when the server closes" {
	start_server tcp-serve --poll -v
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" \
	    <<<"$HELLO"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO" ]
	# The server saw the end of the stream and closed its side.
	wait_for_line "$SERVER_ERR" '^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: closed: 12 bytes in, 12 bytes out in [0-9.]+ s$'
}

@test "empty standard input: connects, sends nothing, exits 0" {
	start_server tcp-serve --poll --stats
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "16 MiB into a --sink server: exit 0 once all is sent and the server closes" {
	head -c $((16 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve --poll --sink -q --stats
	run --separate-stderr timeout 30 "$ND" tcp-connect -p "$PORT" <"$T/big"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local st=0
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	grep -q "summary: 1 client served, peak 1 at once, $((16 * MiB)) bytes (16.8 MB) in, 0 bytes out" \
	    "$SERVER_ERR"
}

@test "--timeout 0.5: gives up after 0.5 s with nothing coming back, exit 0" {
	start_server tcp-serve --poll --sink
	local t0 t1
	t0=$(date +%s%N)
	start_fed c1 "$ND" tcp-connect -p "$PORT" --timeout 0.5
	local c1=$BG_PID
	feed c1 'one\n'
	expect_exit 0 "$c1" 50
	t1=$(date +%s%N)
	echo "exited after $(((t1 - t0) / 1000000)) ms" >&2
	[ $(((t1 - t0) / 1000000)) -ge 400 ]
	[ ! -s "$T/c1.out" ]
	[ ! -s "$T/c1.err" ]
}

@test "--count 1: exits 0 after one message back, input still open" {
	start_server tcp-serve --poll
	start_fed c1 "$ND" tcp-connect -p "$PORT" --count 1
	local c1=$BG_PID
	feed c1 'one\n'
	expect_exit 0 "$c1" 50
	[ "$(cat "$T/c1.out")" = one ]
}

@test "-q writes nothing on standard output" {
	start_server tcp-serve --poll
	run --separate-stderr timeout 10 "$ND" tcp-connect -q -p "$PORT" -m "$HELLO"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "-f json: one object, mode tcp-connect, peer the server" {
	start_server tcp-serve --poll
	run --separate-stderr timeout 10 "$ND" tcp-connect -f json -p "$PORT" \
	    -m "$HELLO"
	[ "$status" -eq 0 ]
	[[ $output =~ ^'{"time":"'[0-9T:.-]+'Z","mode":"tcp-connect","peer":"127.0.0.1:'"$PORT"'","len":11,"data":"Hello world"}'$ ]]
}

@test "--stats: a summary on standard error at the end" {
	start_server tcp-serve --poll
	run --separate-stderr timeout 10 "$ND" tcp-connect --stats -p "$PORT" \
	    -m "$HELLO"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO" ]
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	[[ $(sed -n 1p <<<"$stderr") =~ ^'netdemo: tcp-connect: summary: 1 message, 11 bytes in 0 us: no rate from fewer than 2 messages; '.*' elapsed'$ ]]
	[[ $(sed -n 2p <<<"$stderr") =~ ^'netdemo: tcp-connect: summary: 11 bytes sent'( in [0-9.]+ (us|ms|s): [0-9.]+ [kMG]?B/s \([0-9.]+ [kMG]?bit/s\))?', 11 bytes received'$ ]]
}

@test "--stats against --sink: every byte sent is counted, with its rate" {
	start_server tcp-serve --poll --sink -q
	head -c $((5 * MiB)) /dev/urandom >"$T/in"
	run --separate-stderr timeout 20 "$ND" tcp-connect --stats -p "$PORT" \
	    <"$T/in"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qE "^netdemo: tcp-connect: summary: $((5 * MiB)) bytes \(5.24 MB\) sent in [0-9.]+ (us|ms|s): [0-9.]+ [kMG]?B/s \([0-9.]+ [kMG]?bit/s\), 0 bytes received\$" \
	    <<<"$stderr"
}

@test "-f json --stats: bytes_in and bytes_out, from a file and from a pipe" {
	local src
	start_server tcp-serve --poll -q
	head -c $((MiB + 7)) /dev/urandom >"$T/in"
	for src in file pipe; do
		if [ "$src" = file ]; then
			timeout 20 "$ND" tcp-connect -f json -q --stats -p "$PORT" \
			    <"$T/in" >"$T/out.json"
		else
			timeout 20 cat "$T/in" | timeout 20 "$ND" tcp-connect \
			    -f json -q --stats -p "$PORT" >"$T/out.json"
		fi
		[ "$(jq -r 'select(.event == "summary") | "\(.bytes_out) \(.bytes_in) \(.bytes)"' \
		    "$T/out.json")" = "$((MiB + 7)) $((MiB + 7)) $((MiB + 7))" ]
	done
}

signal_client() {
	local sig=$1 st=0
	shift
	start_server tcp-serve --poll
	start_fed c1 "$ND" tcp-connect -p "$PORT" "$@"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	stop_pid "$c1" "$sig" || st=$?
	[ "$st" -eq 0 ]
	grep -qx 'netdemo: tcp-connect: summary: 1 message, 4 bytes in 0 us: no rate from fewer than 2 messages; .* elapsed' \
	    "$T/c1.err"
	kill -0 "$SERVER_PID"
}

@test "SIGINT: exit 0 with a summary" {
	signal_client INT
}

@test "SIGTERM: exit 0 with a summary" {
	signal_client TERM --stats
}

@test "connect to a closed port: exit 1, one line" {
	closed_port
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "netdemo: tcp-connect: connect 127.0.0.1:$PORT: Connection refused" ]
}

@test "connect to a closed port on ::1: exit 1, one line" {
	grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null || skip "no ::1"
	closed_port
	run --separate-stderr timeout 10 "$ND" tcp-connect -6 -p "$PORT" -m x
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "netdemo: tcp-connect: connect [::1]:$PORT: Connection refused" ]
}

@test "a name that does not resolve: exit 1, one line" {
	run --separate-stderr timeout 20 "$ND" tcp-connect -H nosuch.invalid \
	    -p 4000 -m x
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr =~ ^'netdemo: tcp-connect: resolve nosuch.invalid: '[^:]+$ ]]
}

@test "standard output closed early: exit 0, quietly" {
	head -c $((4 * MiB)) /dev/urandom >"$T/big"
	start_server tcp-serve --poll -q
	# shellcheck disable=SC2016  # $1.. expand in the sh -c script
	run --separate-stderr timeout 20 bash -c \
	    '"$1" tcp-connect -p "$2" <"$3" | head -c 10 >/dev/null
	    echo "${PIPESTATUS[0]}"' sh "$ND" "$PORT" "$T/big"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ -z "$stderr" ]
}

@test "standard output on a full disk: exit 1, one line" {
	[ -w /dev/full ] || skip "no /dev/full"
	start_server tcp-serve --poll -q
	# shellcheck disable=SC2016  # $1.. expand in the sh -c script
	run --separate-stderr timeout 10 sh -c \
	    '"$1" tcp-connect -p "$2" -m "Hello world" >/dev/full' sh "$ND" "$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = 'netdemo: tcp-connect: write standard output: No space left on device' ]
}
