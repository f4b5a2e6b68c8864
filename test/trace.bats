#!/usr/bin/env bats
# trace.bats: --trace, every mode's record of its socket calls on standard
# error ("netdemo: MODE: CALL(ARGS) = RESULT"), or as {"event":"call"}
# objects on standard output with -f json: the order of the calls of each
# mode, errno names on failure, and the summary of a hot loop (3 calls of
# a kind on a descriptor written, the rest counted, once a second and at
# the end) checked against the datagrams actually sent and received.

# shellcheck disable=SC2154 # run sets status, output, stderr, lines
load helpers
load dgram_helpers

HELLO='Hello world'

# trace_lines FILE MODE: the trace lines of MODE in FILE (the lines
# "netdemo: MODE: NAME(..."), without the "netdemo: MODE: " prefix.
trace_lines() {
	sed -n "s/^netdemo: $2: \([a-z_0-9][a-z_0-9]*(.*\)/\1/p" "$1"
}

# no_trace FILE: FILE (a standard error) holds no trace line, neither a
# call nor a summary.
no_trace() {
	if grep -E '^netdemo: [a-z-]+: ([a-z_0-9]+\(|(poll|select|epoll_wait) ×)' \
	    "$1"; then
		echo "trace lines above, in $1" >&2
		return 1
	fi
}

# in_order FILE ERE...: each ERE matches a line of FILE, each on a line
# after the one the ERE before it matched.
in_order() {
	local file=$1 re n=0 hit
	shift
	for re in "$@"; do
		hit=$(tail -n +"$((n + 1))" "$file" | grep -nE -m 1 -- "$re" |
		    cut -d: -f1)
		if [ -z "$hit" ]; then
			echo "no line /$re/ after line $n of $file; it holds:" >&2
			cat -n "$file" >&2
			return 1
		fi
		n=$((n + hit))
	done
}

# absent FILE ERE: no line of FILE matches ERE.
absent() {
	if grep -nE -- "$2" "$1"; then
		echo "lines above match /$2/ in $1" >&2
		return 1
	fi
}

# fd_of FILE ERE: the descriptor that the first line matching ERE, a
# socket() or accept() line, returned: "... = FD[ ...]".
fd_of() {
	grep -E -m 1 -- "$2" "$1" | sed -n 's/.* = \([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p'
}

# tally FILE CALL FD: what the trace lines in FILE (without prefix) say of
# CALL on FD, as "SHOWN OK BYTES BLOCKED SUMMARIES COUNTED FAILED":
# SHOWN lines written one by one, OK of them and of the summarised calls
# that succeeded (the summaries' counts less their would-blocks), BYTES
# they moved (each line's result, plus each summary's bytes), BLOCKED
# EAGAINs, SUMMARIES lines, COUNTED the sum of their counts, FAILED lines
# with an error other than EAGAIN.
tally() {
	awk -v call="$2" -v fd="$3" '
	BEGIN { one = call "(" fd ", "; sum = call "(" fd ") \xc3\x97" }
	index($0, one) == 1 {
		shown++
		if ($0 ~ / = -1 EAGAIN /) { blocked++; next }
		if ($0 ~ / = -1 /) { failed++; next }
		if (!match($0, / = [0-9]+/)) { print "bad line: " $0 > "/dev/stderr"; exit 1 }
		n = substr($0, RSTART + 3, RLENGTH - 3) + 0
		ok++
		# recvmmsg/sendmmsg: "= MSGS (B bytes)"
		if (match($0, /\([0-9]+ bytes\)$/))
			bytes += substr($0, RSTART + 1) + 0
		else
			bytes += n
		next
	}
	index($0, sum) == 1 {
		nsum++
		s = substr($0, length(sum) + 1)
		c = s + 0
		counted += c
		k = 0
		np = split(s, part, ", ")
		for (i = 2; i <= np; i++) {
			if (part[i] ~ / bytes$/) bytes += part[i] + 0
			else if (part[i] ~ / would block$/) k = part[i] + 0
		}
		blocked += k
		ok += c - k
	}
	END { printf "%d %d %d %d %d %d %d\n", shown, ok, bytes, blocked, nsum, counted, failed }
	' "$1"
}

# len_sum FILE: the sum of the lengths of FILE's lines (no newlines).
len_sum() {
	local line sum=0
	while IFS= read -r line; do
		sum=$((sum + ${#line}))
	done <"$1"
	echo "$sum"
}

# hello_bytes FROM TO: the bytes of "Hello world : N" for N = FROM..TO.
hello_bytes() {
	local n sum=0 s
	for ((n = $1; n <= $2; n++)); do
		s="Hello world : $n"
		sum=$((sum + ${#s}))
	done
	echo "$sum"
}

# serve_one [OPTION...]: tcp-serve --trace -c 1 OPTION... serves one
# `tcp-connect -m 'Hello world'`; checks the exchange and the trace's
# order from socket() to the close of the client's descriptor.  Leaves the
# trace lines in $T/trace, the listening descriptor in LFD, the client's
# in CFD.
serve_one() {
	start_server tcp-serve --trace -c 1 "$@"
	[ -n "$PORT" ] || return 1
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" \
	    -m "$HELLO"
	[ "$status" -eq 0 ] || return 1
	[ "$output" = "$HELLO" ] || return 1
	expect_exit 0 "$SERVER_PID" || return 1
	trace_lines "$SERVER_ERR" tcp-serve >"$T/trace"
	LFD=$(fd_of "$T/trace" '^socket\(AF_INET, SOCK_STREAM[A-Z_|]*\) = ')
	[ -n "$LFD" ] || { cat "$T/trace" >&2; return 1; }
	CFD=$(fd_of "$T/trace" \
	    "^accept4?\\($LFD(, [A-Z_|]+)?\\) = [0-9]+ from 127\\.0\\.0\\.1:[0-9]+\$")
	[ -n "$CFD" ] || { cat "$T/trace" >&2; return 1; }
	[ "$CFD" != "$LFD" ] || return 1
	in_order "$T/trace" \
	    "^socket\\(AF_INET, SOCK_STREAM[A-Z_|]*\\) = $LFD\$" \
	    "^setsockopt\\($LFD, SOL_SOCKET, SO_REUSEADDR, 1\\) = 0\$" \
	    "^bind\\($LFD, 127\\.0\\.0\\.1:0\\) = 0\$" \
	    "^listen\\($LFD, [0-9]+\\) = 0\$" \
	    "^accept4?\\($LFD(, [A-Z_|]+)?\\) = $CFD from 127\\.0\\.0\\.1:[0-9]+\$" \
	    "^recv\\($CFD, [0-9]+\\) = 11\$" \
	    "^send\\($CFD, 11\\) = 11\$" \
	    "^recv\\($CFD, [0-9]+\\) = 0 \\(peer closed\\)\$" \
	    "^close\\($CFD\\) = 0\$" || return 1
	# The port getsockname() reports is the one it listens on.
	in_order "$T/trace" "^bind\\($LFD, " \
	    "^getsockname\\($LFD\\) = 0, 127\\.0\\.0\\.1:$PORT\$"
}

# serve_loop BACKEND WAIT ARGS_ERE: serve_one --BACKEND, whose wait,
# "WAIT(ARGS...) = N ready", says it found a descriptor ready between
# listen() and accept(); and no other backend's wait appears.
serve_loop() {
	local backend=$1 wait=$2 args=$3 other
	serve_one "--$backend" || return 1
	in_order "$T/trace" "^listen\\($LFD, " \
	    "^$wait\\(${args}[^)]*\\) = [1-9][0-9]* ready\$" \
	    "^accept4?\\($LFD(, [A-Z_|]+)?\\) = $CFD from " || return 1
	for other in poll select epoll_wait; do
		[ "$other" = "$wait" ] && continue
		absent "$T/trace" "^$other\\(" || return 1
	done
}

# --- 1. tcp-serve ----------------------------------------------------------

@test "trace: plain tcp-serve: socket, SO_REUSEADDR, bind, listen, accept, recv 11, send 11, recv 0, close" {
	serve_one
}

@test "trace: plain tcp-serve makes no poll/select/epoll call (blocking)" {
	serve_one
	absent "$T/trace" '^(poll|select|epoll_wait)\('
	absent "$SERVER_ERR" '^netdemo: tcp-serve: (poll|select|epoll_wait) ×'
}

@test "trace: tcp-serve --select: the call order, select() ready before accept" {
	serve_loop select select 'nfds [0-9]+, '
}

@test "trace: tcp-serve --poll: the call order, poll() ready before accept" {
	serve_loop poll poll '[0-9]+ fds, '
}

@test "trace: tcp-serve --epoll: the call order, epoll_wait() ready before accept" {
	serve_loop epoll epoll_wait 'epfd [0-9]+, '
}

# --- 2. tcp-connect --------------------------------------------------------

# connect_one [OPTION...]: tcp-connect --trace OPTION... -m 'Hello world'
# to a plain tcp-serve -c 1; checks the order socket, connect, send,
# shutdown(SHUT_WR), close, and that the echo's 11 bytes and the end of
# the stream are read (recv or splice) between send and close.  Standard
# output in $output; trace lines in $T/ctrace.
connect_one() {
	local c
	start_server tcp-serve -c 1
	[ -n "$PORT" ] || return 1
	run --separate-stderr timeout 10 "$ND" tcp-connect --trace \
	    -p "$PORT" -m "$HELLO" "$@"
	[ "$status" -eq 0 ] || return 1
	expect_exit 0 "$SERVER_PID" || return 1
	printf '%s\n' "$stderr" >"$T/cerr"
	trace_lines "$T/cerr" tcp-connect >"$T/ctrace"
	c=$(fd_of "$T/ctrace" '^socket\(AF_INET, SOCK_STREAM[A-Z_|]*\) = ')
	[ -n "$c" ] || { cat "$T/cerr" >&2; return 1; }
	in_order "$T/ctrace" \
	    "^socket\\(AF_INET, SOCK_STREAM[A-Z_|]*\\) = $c\$" \
	    "^connect\\($c, 127\\.0\\.0\\.1:$PORT\\) = (0|-1 EINPROGRESS \\(Operation now in progress\\))\$" \
	    "^send\\($c, 11\\) = 11\$" \
	    "^shutdown\\($c, SHUT_WR\\) = 0\$" \
	    "^close\\($c\\) = 0\$" || return 1
	# A connect in progress is followed by its outcome: SO_ERROR 0.
	if grep -qE "^connect\\($c, .* EINPROGRESS " "$T/ctrace"; then
		in_order "$T/ctrace" "^connect\\($c, " \
		    "^getsockopt\\($c, SOL_SOCKET, SO_ERROR\\) = 0, value 0\$" \
		    "^send\\($c, " || return 1
	fi
	in_order "$T/ctrace" "^send\\($c, 11\\) = 11\$" \
	    "^(recv|splice)\\($c, [0-9]+\\) = 11\$" \
	    "^(recv|splice)\\($c, [0-9]+\\) = 0 \\(peer closed\\)\$" \
	    "^close\\($c\\) = 0\$"
}

@test "trace: tcp-connect: socket, connect, send, shutdown(SHUT_WR), close; the echo read" {
	connect_one
	[ "$output" = "$HELLO" ]
}

@test "trace: tcp-connect -q: the same calls, the echo read and not written" {
	connect_one -q
	[ -z "$output" ]
}

# --- 3. udp-send, udp-recv --no-batch --------------------------------------

@test "trace: udp-send/udp-recv --no-batch -c 5: the calls, and each length is the datagram's" {
	local s r t shown ok bytes blocked nsum counted failed i len
	start_server udp-recv --trace --no-batch -c 5 -w 10
	[ -n "$PORT" ]
	timeout 10 "$ND" udp-send --trace --no-batch -p "$PORT" -c 5 -i 0 \
	    >"$T/sent" 2>"$T/send.err"
	expect_exit 0 "$SERVER_PID"
	# Ground truth: the 5 datagrams, as sent and as received.
	same_lines "$T/sent" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2' 'Hello world : 3' 'Hello world : 4'
	cmp "$T/sent" "$SERVER_OUT"

	# The sender: socket, connect, one send per datagram, close.
	trace_lines "$T/send.err" udp-send >"$T/strace"
	s=$(fd_of "$T/strace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$s" ]
	in_order "$T/strace" \
	    "^socket\\(AF_INET, SOCK_DGRAM[A-Z_|]*\\) = $s\$" \
	    "^connect\\($s, 127\\.0\\.0\\.1:$PORT\\) = 0\$" \
	    "^send\\($s, 15\\) = 15\$" \
	    "^close\\($s\\) = 0\$"
	absent "$T/strace" '^(sendmsg|sendmmsg|sendto)\('
	read -r shown ok bytes blocked nsum counted failed \
	    < <(tally "$T/strace" send "$s")
	[ "$ok" -eq "$(wc -l <"$T/sent")" ]
	[ "$bytes" -eq "$(len_sum "$T/sent")" ]
	[ "$failed" -eq 0 ]
	# The ones written one by one: the first datagrams, in order.
	i=0
	while read -r len; do
		t=$(sed -n "$((i + 1))p" "$T/sent")
		[ "$len" -eq "${#t}" ]
		i=$((i + 1))
	done < <(sed -n "s/^send($s, [0-9]*) = \\([0-9]*\\)\$/\\1/p" "$T/strace")
	[ "$i" -eq "$shown" ]
	[ "$shown" -eq 3 ]

	# The receiver: socket, bind, then one receive call per datagram.
	trace_lines "$SERVER_ERR" udp-recv >"$T/rtrace"
	r=$(fd_of "$T/rtrace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$r" ]
	in_order "$T/rtrace" \
	    "^socket\\(AF_INET, SOCK_DGRAM[A-Z_|]*\\) = $r\$" \
	    "^bind\\($r, 127\\.0\\.0\\.1:0\\) = 0\$" \
	    "^getsockname\\($r\\) = 0, 127\\.0\\.0\\.1:$PORT\$" \
	    "^(recvmsg|recvfrom|recv)\\($r, [0-9]+\\) = 15( from 127\\.0\\.0\\.1:[0-9]+)?\$" \
	    "^close\\($r\\) = 0\$"
	absent "$T/rtrace" '^recvmmsg\('
	local rcall
	rcall=$(grep -oE -m 1 "^(recvmsg|recvfrom|recv)\\($r, " "$T/rtrace")
	rcall=${rcall%%(*}
	read -r shown ok bytes blocked nsum counted failed \
	    < <(tally "$T/rtrace" "$rcall" "$r")
	[ "$ok" -eq 5 ]
	[ "$bytes" -eq "$(len_sum "$SERVER_OUT")" ]
	[ "$failed" -eq 0 ]
	# No other receive call did the work.
	for t in recvmsg recvfrom recv; do
		[ "$t" = "$rcall" ] || absent "$T/rtrace" "^$t\\("
	done
}

# --- 4. multicast ----------------------------------------------------------

# mcast_recv_traced GROUP_ARGS JOIN_ERE: mcast-recv --trace -c 1 with
# GROUP_ARGS (one word list) gets one datagram of mcast-send; its trace
# goes socket, SO_REUSEADDR, bind, the join (JOIN_ERE, the setsockopt's
# arguments after the level), the datagram, close.
mcast_recv_traced() {
	local -a gargs
	read -r -a gargs <<<"$1"
	local join=$2 m send_g=()
	start_server mcast-recv --trace -c 1 -w 10 "${gargs[@]}"
	[ -n "$PORT" ] || return 1
	[ "${gargs[0]}" = -g ] && send_g=(-g "${gargs[1]}")
	timeout 10 "$ND" mcast-send "${send_g[@]}" -p "$PORT" -c 1 -q ||
		return 1
	expect_exit 0 "$SERVER_PID" || return 1
	[ "$(cat "$SERVER_OUT")" = 'Hello world : 0' ] || return 1
	trace_lines "$SERVER_ERR" mcast-recv >"$T/mtrace"
	m=$(fd_of "$T/mtrace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$m" ] || { cat "$SERVER_ERR" >&2; return 1; }
	in_order "$T/mtrace" \
	    "^socket\\(AF_INET, SOCK_DGRAM[A-Z_|]*\\) = $m\$" \
	    "^setsockopt\\($m, SOL_SOCKET, SO_REUSEADDR, 1\\) = 0\$" \
	    "^bind\\($m, 0\\.0\\.0\\.0:0\\) = 0\$" \
	    "^setsockopt\\($m, IPPROTO_IP, $join\\) = 0\$" \
	    "^(recvmmsg\\($m, [0-9]+ msgs\\) = 1 \\(15 bytes\\)|(recvmsg|recvfrom|recv)\\($m, [0-9]+\\) = 15( .*)?)\$" \
	    "^close\\($m\\) = 0\$" || return 1
	in_order "$T/mtrace" "^bind\\($m, " \
	    "^getsockname\\($m\\) = 0, 0\\.0\\.0\\.0:$PORT\$"
}

@test "trace: mcast-recv: socket, SO_REUSEADDR, bind, MCAST_JOIN_GROUP 239.255.0.1 on lo" {
	mcast_recv_traced '' 'MCAST_JOIN_GROUP, 239\.255\.0\.1 on lo'
	# It joined before it said so, and before "listening on".
	in_order "$SERVER_ERR" \
	    'MCAST_JOIN_GROUP, 239\.255\.0\.1 on lo\) = 0$' \
	    '^netdemo: mcast-recv: joined 239\.255\.0\.1 on 127\.0\.0\.1$' \
	    '^netdemo: mcast-recv: listening on '
}

@test "trace: mcast-recv --source 127.0.0.1 -g 232.1.2.3: MCAST_JOIN_SOURCE_GROUP" {
	mcast_recv_traced '-g 232.1.2.3 --source 127.0.0.1' \
	    'MCAST_JOIN_SOURCE_GROUP, 232\.1\.2\.3 from 127\.0\.0\.1 on lo'
	absent "$T/mtrace" 'MCAST_JOIN_GROUP'
}

@test "trace: mcast-send: IP_MULTICAST_IF 127.0.0.1, TTL 1, LOOP 1, then connect to the group" {
	local s
	start_server mcast-recv -c 2 -w 10 -q
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" mcast-send --trace -p "$PORT" \
	    -c 2 -i 0 -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	expect_exit 0 "$SERVER_PID"
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" mcast-send >"$T/strace"
	s=$(fd_of "$T/strace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$s" ]
	in_order "$T/strace" \
	    "^socket\\(AF_INET, SOCK_DGRAM[A-Z_|]*\\) = $s\$" \
	    "^setsockopt\\($s, IPPROTO_IP, IP_MULTICAST_IF, 127\\.0\\.0\\.1\\) = 0\$" \
	    "^setsockopt\\($s, IPPROTO_IP, IP_MULTICAST_TTL, 1\\) = 0\$" \
	    "^setsockopt\\($s, IPPROTO_IP, IP_MULTICAST_LOOP, 1\\) = 0\$" \
	    "^connect\\($s, 239\\.255\\.0\\.1:$PORT\\) = 0\$" \
	    "^(send|sendto|sendmsg|sendmmsg)\\($s, " \
	    "^close\\($s\\) = 0\$"
	# The two datagrams, 30 bytes, went out in the calls traced.
	local call shown ok bytes rest total=0
	for call in send sendto sendmsg sendmmsg; do
		read -r shown ok bytes rest < <(tally "$T/strace" "$call" "$s")
		total=$((total + bytes))
	done
	[ "$total" -eq 30 ]
}

@test "trace: mcast-send --ttl 1 --no-loop: TTL 1, LOOP 0; still delivered on lo" {
	start_server mcast-recv -c 1 -w 10 -q
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" mcast-send --trace --ttl 1 \
	    --no-loop -p "$PORT" -c 1 -q
	[ "$status" -eq 0 ]
	expect_exit 0 "$SERVER_PID"
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" mcast-send >"$T/strace"
	grep -qE '^setsockopt\([0-9]+, IPPROTO_IP, IP_MULTICAST_TTL, 1\) = 0$' \
	    "$T/strace"
	grep -qE '^setsockopt\([0-9]+, IPPROTO_IP, IP_MULTICAST_LOOP, 0\) = 0$' \
	    "$T/strace"
	absent "$T/strace" 'IP_MULTICAST_LOOP, 1\)'
}

@test "trace: mcast-send --ttl 2 --loop, nothing to send: the values follow the options" {
	# --stdin from /dev/null: the socket is set up, no datagram is sent.
	run --separate-stderr timeout 10 "$ND" mcast-send --trace --ttl 2 \
	    --loop --stdin -p 9 -q </dev/null
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" mcast-send >"$T/strace"
	grep -qE '^setsockopt\([0-9]+, IPPROTO_IP, IP_MULTICAST_TTL, 2\) = 0$' \
	    "$T/strace"
	grep -qE '^setsockopt\([0-9]+, IPPROTO_IP, IP_MULTICAST_LOOP, 1\) = 0$' \
	    "$T/strace"
	grep -qE '^connect\([0-9]+, 239\.255\.0\.1:9\) = 0$' "$T/strace"
	absent "$T/strace" '^(send|sendto|sendmsg|sendmmsg)\('
}

# --- 5. errors -------------------------------------------------------------

@test "trace: tcp-connect to a closed port: ECONNREFUSED in the trace, exit 1" {
	local port c
	# A port nothing listens on: one the kernel gave a socket just closed.
	port=$("$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')
	run --separate-stderr timeout 10 "$ND" tcp-connect --trace -p "$port" \
	    -m "$HELLO"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" tcp-connect >"$T/ctrace"
	c=$(fd_of "$T/ctrace" '^socket\(AF_INET, SOCK_STREAM[A-Z_|]*\) = ')
	[ -n "$c" ]
	in_order "$T/ctrace" \
	    "^connect\\($c, 127\\.0\\.0\\.1:$port\\) = " \
	    "^(connect\\($c, 127\\.0\\.0\\.1:$port\\) = -1|getsockopt\\($c, SOL_SOCKET, SO_ERROR\\) = 0, value) ECONNREFUSED \\(Connection refused\\)\$" \
	    "^close\\($c\\) = 0\$"
	absent "$T/ctrace" "^send\\("
	has_line "$T/err" \
	    "netdemo: tcp-connect: connect 127.0.0.1:$port: Connection refused"
}

@test "trace: udp-recv on a port another udp-recv holds: bind = -1 EADDRINUSE, exit 1" {
	local r
	start_server udp-recv -q
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" udp-recv --trace -p "$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" udp-recv >"$T/rtrace"
	r=$(fd_of "$T/rtrace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$r" ]
	has_line "$T/err" \
	    "netdemo: udp-recv: bind($r, 127.0.0.1:$PORT) = -1 EADDRINUSE (Address already in use)"
	has_line "$T/err" \
	    "netdemo: udp-recv: bind 127.0.0.1:$PORT: Address already in use"
}

@test "trace: tcp-serve on a port a tcp-serve listens on: bind = -1 EADDRINUSE, exit 1" {
	local l
	start_server tcp-serve
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" tcp-serve --trace -p "$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	printf '%s\n' "$stderr" >"$T/err"
	trace_lines "$T/err" tcp-serve >"$T/strace"
	l=$(fd_of "$T/strace" '^socket\(AF_INET, SOCK_STREAM[A-Z_|]*\) = ')
	[ -n "$l" ]
	in_order "$T/strace" \
	    "^setsockopt\\($l, SOL_SOCKET, SO_REUSEADDR, 1\\) = 0\$" \
	    "^bind\\($l, 127\\.0\\.0\\.1:$PORT\\) = -1 EADDRINUSE \\(Address already in use\\)\$"
	absent "$T/strace" '^listen\('
}

# --- 6. JSON ---------------------------------------------------------------

# json_lines FILE: every line of FILE is one JSON value (jq prints as
# many compact lines as FILE has lines).
json_lines() {
	local n
	n=$(jq -c . "$1" | wc -l) || { cat "$1" >&2; return 1; }
	[ "$n" -eq "$(wc -l <"$1")" ] || { cat "$1" >&2; return 1; }
}

# udp_json_run NAME [OPTION...]: udp-recv -f json -c 3 OPTION... gets
# "Hello world : 0..2" from udp-send; stdout in $T/NAME.out, stderr in
# $T/NAME.err.
udp_json_run() {
	local name=$1
	shift
	start_listener "$name" "$ND" udp-recv -f json -c 3 -w 10 "$@" --port 0
	[ -n "$L_PORT" ] || return 1
	timeout 10 "$ND" udp-send -p "$L_PORT" -c 3 -i 0 -q || return 1
	expect_exit 0 "$L_PID"
}

@test "trace json: udp-recv -f json --trace: call objects with their keys, data objects unchanged" {
	udp_json_run traced --trace
	udp_json_run plain
	json_lines "$T/traced.out"
	json_lines "$T/plain.out"
	# The trace went to standard output, none of it to standard error.
	no_trace "$T/traced.err"
	grep -q 'listening on' "$T/traced.err"
	# Call objects: the keys, mode, and text agreeing with call and ret.
	jq -e -s '
	    map(select(.event == "call")) as $c
	    | ($c | length) >= 4
	    and ($c | all(has("event") and has("time") and has("mode")
		and has("call") and has("fd") and has("ret") and has("errno")
		and has("text")))
	    and ($c | all(.mode == "udp-recv"))
	    and ($c | all(. as $o | $o.text | startswith($o.call + "(")))
	' "$T/traced.out" >/dev/null
	jq -e -s 'map(select(.event == "call"))
	    | all(. as $o | ($o.text | contains(" = \($o.ret)"))
		and (if $o.ret >= 0 then $o.errno == null
		     else ($o.errno | type) == "string" end))' \
	    "$T/traced.out" >/dev/null
	# The calls: socket, bind to 127.0.0.1:0 on its descriptor, close.
	local fd
	fd=$(jq -r 'select(.event == "call" and .call == "socket") | .ret' \
	    "$T/traced.out")
	[[ $fd =~ ^[0-9]+$ ]]
	jq -e -s --argjson fd "$fd" 'any(.event == "call" and .call == "bind"
	    and .fd == $fd and .ret == 0 and .errno == null
	    and .text == "bind(\($fd), 127.0.0.1:0) = 0")' \
	    "$T/traced.out" >/dev/null
	jq -e -s --argjson fd "$fd" 'any(.event == "call" and .call == "close"
	    and .fd == $fd and .ret == 0)' "$T/traced.out" >/dev/null
	# The data objects: the same as without --trace (but for the time
	# and the sender's port), and what was sent.
	local filter='select(has("event") | not) | del(.time, .peer)'
	diff <(jq -c "$filter" "$T/plain.out") <(jq -c "$filter" "$T/traced.out")
	run jq -r 'select(has("event") | not) | .data' "$T/traced.out"
	[ "$output" = $'Hello world : 0\nHello world : 1\nHello world : 2' ]
	run jq -r 'select(has("event") | not) | .peer' "$T/traced.out"
	[[ ${lines[0]} == 127.0.0.1:[0-9]* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "trace json: a failed bind is a call object with ret -1 and errno EADDRINUSE" {
	start_server udp-recv -q
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" udp-recv --trace -f json \
	    -p "$PORT"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >"$T/out"
	json_lines "$T/out"
	local fd
	fd=$(jq -r 'select(.event == "call" and .call == "socket") | .ret' \
	    "$T/out")
	[[ $fd =~ ^[0-9]+$ ]]
	jq -e -s --argjson fd "$fd" --arg port "$PORT" '
	    map(select(.event == "call" and .call == "bind")) | length == 1
	    and .[0].fd == $fd and .[0].ret == -1 and .[0].errno == "EADDRINUSE"
	    and .[0].mode == "udp-recv"
	    and .[0].text == "bind(\($fd), 127.0.0.1:\($port)) = -1 EADDRINUSE (Address already in use)"
	' "$T/out" >/dev/null
	# Standard error: the error, no trace line.
	[ "$stderr" = "netdemo: udp-recv: bind 127.0.0.1:$PORT: Address already in use" ]
}

@test "trace json: udp-send --no-batch -c 1000: 3 send objects, calls objects for the other 997" {
	start_server udp-recv -c 1000 -w 10 -q
	[ -n "$PORT" ]
	timeout 10 "$ND" udp-send --no-batch -c 1000 -i 0 -q --trace -f json \
	    -p "$PORT" >"$T/out"
	expect_exit 0 "$SERVER_PID"
	json_lines "$T/out"
	local fd want
	fd=$(jq -r 'select(.event == "call" and .call == "socket") | .ret' \
	    "$T/out")
	[[ $fd =~ ^[0-9]+$ ]]
	# No data objects with -q: only calls.
	jq -e -s 'all(.event == "call" or .event == "calls")' "$T/out" >/dev/null
	run jq -r --argjson fd "$fd" \
	    'select(.event == "call" and .call == "send" and .fd == $fd) | .ret' \
	    "$T/out"
	[ "$output" = $'15\n15\n15' ]
	jq -e -s 'map(select(.event == "calls")) | length >= 1
	    and all(has("event") and has("time") and has("mode")
		and has("call") and has("fd") and has("count")
		and has("seconds") and has("bytes") and has("would_block"))' \
	    "$T/out" >/dev/null
	want=$(hello_bytes 3 999)
	jq -e -s --argjson fd "$fd" --argjson want "$want" '
	    map(select(.event == "calls")) as $s
	    | ($s | all(.call == "send" and .fd == $fd and .mode == "udp-send"))
	    and (($s | map(.count - .would_block) | add) == 997)
	    and (($s | map(.bytes) | add) == $want)
	' "$T/out" >/dev/null
}

# --- 7. the summary rule, against what was sent --------------------------

@test "trace: udp-send --no-batch -c 1000: 3 send lines, summaries of the other 997 and their exact bytes" {
	local s r shown ok bytes blocked nsum counted failed want rcall
	start_server udp-recv --no-batch --trace -c 1000 -w 10 -q
	[ -n "$PORT" ]
	timeout 10 "$ND" udp-send --no-batch -c 1000 -i 0 --trace -q \
	    -p "$PORT" 2>"$T/send.err"
	expect_exit 0 "$SERVER_PID"
	trace_lines "$T/send.err" udp-send >"$T/strace"
	s=$(fd_of "$T/strace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$s" ]
	read -r shown ok bytes blocked nsum counted failed \
	    < <(tally "$T/strace" send "$s")
	echo "send: shown $shown ok $ok bytes $bytes blocked $blocked summaries $nsum counted $counted failed $failed"
	# Exactly 3 written one by one, the datagrams 0, 1 and 2.
	[ "$(grep -cE "^send\\($s, " "$T/strace")" -eq 3 ]
	[ "$(grep -cE "^send\\($s, 15\\) = 15\$" "$T/strace")" -eq 3 ]
	[ "$shown" -eq 3 ]
	[ "$failed" -eq 0 ]
	# The summaries: 997 sends, and the bytes of datagrams 3 to 999.
	[ "$nsum" -ge 1 ]
	[ "$((counted - blocked))" -eq 997 ]
	want=$(hello_bytes 3 999)
	[ "$((bytes - 45))" -eq "$want" ]
	# The summaries come after the 3 lines and before the close.
	in_order "$T/strace" "^send\\($s, 15\\) = 15\$" \
	    "^send\\($s, 15\\) = 15\$" "^send\\($s, 15\\) = 15\$" \
	    "^send\\($s\\) ×[0-9]+ more in " "^close\\($s\\) = 0\$"

	# The receiver, --no-batch: one call per datagram, 1000 of them.
	trace_lines "$SERVER_ERR" udp-recv >"$T/rtrace"
	r=$(fd_of "$T/rtrace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$r" ]
	rcall=$(grep -oE -m 1 "^(recvmsg|recvfrom|recv)\\($r, " "$T/rtrace")
	rcall=${rcall%%(*}
	[ -n "$rcall" ]
	absent "$T/rtrace" '^recvmmsg\('
	read -r shown ok bytes blocked nsum counted failed \
	    < <(tally "$T/rtrace" "$rcall" "$r")
	echo "$rcall: shown $shown ok $ok bytes $bytes blocked $blocked summaries $nsum counted $counted failed $failed"
	[ "$(grep -cE "^$rcall\\($r, " "$T/rtrace")" -eq 3 ]
	[ "$shown" -eq 3 ]
	[ "$nsum" -ge 1 ]
	[ "$failed" -eq 0 ]
	[ "$ok" -eq 1000 ]
	[ "$bytes" -eq "$(hello_bytes 0 999)" ]
}

# --- 8. summaries once a second --------------------------------------------

@test "trace: a paced udp-send: a summary each second, all adding up to what the receiver got" {
	local s shown ok bytes blocked nsum counted failed got c
	start_server udp-recv -w 1 -q --stats
	[ -n "$PORT" ]
	timeout 10 "$ND" udp-send --no-batch -i 0.01 -t 2.5 --trace -q \
	    -p "$PORT" 2>"$T/send.err"
	expect_exit 0 "$SERVER_PID" 50
	got=$(sed -n 's/^netdemo: udp-recv: summary: \([0-9][0-9]*\) messages,.*/\1/p' \
	    "$SERVER_ERR")
	[ -n "$got" ]
	(( got > 150 ))
	trace_lines "$T/send.err" udp-send >"$T/strace"
	s=$(fd_of "$T/strace" '^socket\(AF_INET, SOCK_DGRAM[A-Z_|]*\) = ')
	[ -n "$s" ]
	read -r shown ok bytes blocked nsum counted failed \
	    < <(tally "$T/strace" send "$s")
	echo "received $got; send: shown $shown ok $ok summaries $nsum counted $counted blocked $blocked"
	[ "$shown" -eq 3 ]
	[ "$failed" -eq 0 ]
	[ "$nsum" -ge 2 ]
	# Each summary covers at most about a second: 100 datagrams a second.
	while read -r c; do
		(( c >= 1 && c <= 110 ))
	done < <(sed -n "s/^send($s) × *\\([0-9][0-9]*\\) more in .*/\\1/p" \
	    "$T/strace")
	[ "$ok" -eq "$got" ]
}

# --- 9. off by default -----------------------------------------------------

@test "trace off: tcp-serve (plain and --poll) and tcp-connect write no call lines" {
	local opt
	for opt in '' --poll; do
		start_server tcp-serve -c 1 ${opt:+"$opt"}
		[ -n "$PORT" ]
		timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO" \
		    >"$T/c.out" 2>"$T/c.err"
		expect_exit 0 "$SERVER_PID"
		[ "$(cat "$T/c.out")" = "$HELLO" ]
		no_trace "$SERVER_ERR"
		no_trace "$T/c.err"
		[ ! -s "$T/c.err" ]
	done
}

@test "trace off: udp-send and udp-recv (--no-batch and batched) write no call lines" {
	local nb
	for nb in --no-batch ''; do
		start_server udp-recv -c 5 -w 10 ${nb:+"$nb"}
		[ -n "$PORT" ]
		timeout 10 "$ND" udp-send -p "$PORT" -c 5 -i 0 ${nb:+"$nb"} \
		    >"$T/s.out" 2>"$T/s.err"
		expect_exit 0 "$SERVER_PID"
		[ "$(wc -l <"$SERVER_OUT")" -eq 5 ]
		no_trace "$SERVER_ERR"
		no_trace "$T/s.err"
		[ ! -s "$T/s.err" ]
	done
}

@test "trace off: mcast-send and mcast-recv write no call lines" {
	start_server mcast-recv -c 2 -w 10
	[ -n "$PORT" ]
	timeout 10 "$ND" mcast-send -p "$PORT" -c 2 -i 0 >"$T/s.out" \
	    2>"$T/s.err"
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 2 ]
	no_trace "$SERVER_ERR"
	no_trace "$T/s.err"
	[ ! -s "$T/s.err" ]
}

@test "trace off: -f json without --trace has no call objects" {
	udp_json_run plain
	json_lines "$T/plain.out"
	jq -e -s 'all(has("event") | not)' "$T/plain.out" >/dev/null
	no_trace "$T/plain.err"
}

@test "trace: --trace is an option line of every mode's --help" {
	local mode
	for mode in tcp-serve tcp-connect udp-send udp-recv mcast-send \
	    mcast-recv; do
		run --separate-stderr "$ND" "$mode" --help
		[ "$status" -eq 0 ]
		grep -qE '^ +--trace +[a-z]' <<<"$output" ||
			{ echo "$mode --help: no --trace line"; false; }
		[[ ${lines[0]} == *'[--trace]'* ]]
	done
}

# --- 10. with -q and -v ----------------------------------------------------

@test "trace: -q hides the data, not the trace" {
	start_server udp-recv -c 2 -w 10 -q --trace
	[ -n "$PORT" ]
	run --separate-stderr timeout 10 "$ND" udp-send --trace -q -p "$PORT" \
	    -c 2 -i 0
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	expect_exit 0 "$SERVER_PID"
	[ ! -s "$SERVER_OUT" ]
	printf '%s\n' "$stderr" >"$T/err"
	grep -qE '^netdemo: udp-send: socket\(' "$T/err"
	grep -qE '^netdemo: udp-send: close\([0-9]+\) = 0$' "$T/err"
	grep -qE '^netdemo: udp-recv: socket\(' "$SERVER_ERR"
	grep -qE '^netdemo: udp-recv: close\([0-9]+\) = 0$' "$SERVER_ERR"
}

@test "trace: -v --trace: the -v lines as without --trace, and the trace" {
	run --separate-stderr timeout 10 "$ND" mcast-send -v --stdin -p 9 -q \
	    </dev/null
	[ "$status" -eq 0 ]
	local plain=$stderr
	[ -n "$plain" ]
	run --separate-stderr timeout 10 "$ND" mcast-send -v --trace --stdin \
	    -p 9 -q </dev/null
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/err"
	grep -qE '^netdemo: mcast-send: connect\([0-9]+, 239\.255\.0\.1:9\) = 0$' \
	    "$T/err"
	# Without the trace lines, the same as -v alone.
	diff <(printf '%s\n' "$plain") \
	    <(grep -vE '^netdemo: mcast-send: [a-z_0-9]+\(' "$T/err")
	# The -v line about the group comes after the connect it reports.
	in_order "$T/err" '^netdemo: mcast-send: connect\(' \
	    '^netdemo: mcast-send: sending to 239\.255\.0\.1:9 via lo, ttl 1, loop on$'
}

@test "trace: tcp-serve -v --trace: -v's lines and the trace both there" {
	start_server tcp-serve -c 1 -v
	[ -n "$PORT" ]
	timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO" -q
	expect_exit 0 "$SERVER_PID"
	grep -vE '^netdemo: tcp-serve: [a-z_0-9]+\(' "$SERVER_ERR" \
	    | sed 's/[0-9][0-9]*/N/g' >"$T/plain"
	start_server tcp-serve -c 1 -v --trace
	[ -n "$PORT" ]
	timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO" -q
	expect_exit 0 "$SERVER_PID"
	grep -qE '^netdemo: tcp-serve: accept4?\(' "$SERVER_ERR"
	grep -vE '^netdemo: tcp-serve: [a-z_0-9]+\(' "$SERVER_ERR" \
	    | sed 's/[0-9][0-9]*/N/g' >"$T/traced"
	[ "$(wc -l <"$T/plain")" -gt 1 ]
	diff "$T/plain" "$T/traced"
}
