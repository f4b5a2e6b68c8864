#!/usr/bin/env bats
# examples.bats: the EXAMPLES of man/netdemo.1, run as they are written.
#
# test/examples_helpers.bash says how an example is marked, read and run:
# the commands come out of the man page, not out of this file.  One-host
# examples run on loopback, on a port the kernel chose; two-host examples
# run in two network namespaces made here (root only), whose addresses
# 192.0.2.10 and 192.0.2.20 exist nowhere else.  Each test then checks what
# the man page shows, and more: the bytes that came back, the exit status
# with a loss made on purpose (nft, inside a namespace), what a second
# receiver got.  The first test keeps the man page and this file in step.

load helpers
load dgram_helpers
load examples_helpers

setup() {
	ex_setup
}

teardown() {
	ex_teardown
}

@test "man page: every example is marked and run here, every test has its example" {
	local names name bad=() a
	# The EXAMPLES section: markers, and a marker right before each block.
	names=$(awk '
		/^\.Sh / { in_ex = ($2 == "EXAMPLES") }
		/^\.\\" example: / {
			if (!in_ex) print "error: line " NR ": a marker outside EXAMPLES"
			marked = $3; next
		}
		/^\.Bd -literal/ && in_ex {
			if (marked == "") print "error: line " NR ": an unmarked literal block"
			else print marked
		}
		{ marked = "" }' "$EX_MAN")
	[[ -n $names ]]
	if grep '^error: ' <<<"$names" >&2; then
		return 1
	fi
	[ "$(sort <<<"$names" | uniq -d)" = "" ] ||
	    { echo "man page: an example name used twice" >&2; return 1; }
	for name in $names; do
		[ "$(grep -cx "	ex_read $name" "$BATS_TEST_FILENAME")" -eq 1 ] ||
		    bad+=("example $name has no test (or several) in examples.bats")
	done
	while read -r name; do
		grep -qx "$name" <<<"$names" ||
		    bad+=("examples.bats runs $name, not an example of the man page")
	done < <(sed -n 's/^	ex_read \([a-z0-9-]*\)$/\1/p' "$BATS_TEST_FILENAME")
	# Addresses: loopback, wildcard, multicast, or the two hosts.
	while read -r a; do
		case $a in
		127.0.0.1 | 0.0.0.0 | 192.0.2.10 | 192.0.2.20) ;;
		22[4-9].* | 23[0-9].*) ;;
		*) bad+=("EXAMPLES names $a, not a host of the examples") ;;
		esac
	done < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$EX_MAN" |
	    grep -oE '(^|[^0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}' |
	    sed 's/^[^0-9]//' | sort -u)
	if ((${#bad[@]} > 0)); then
		printf '%s\n' "${bad[@]}" >&2
		return 1
	fi
}

@test "echo: the tutorial's exchange; Hello world comes back, the server saw it" {
	ex_read echo
	ex_run
	ex_stop tcp-serve
	[ "$EX_RC" -eq 0 ]
	ex_check
	local srv
	srv=$(ex_out tcp-serve)
	has_line "$srv" 'Hello world'
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 11 bytes in, 11 bytes out' \
	    "$srv"
}

@test "file-echo: 20 MB of known bytes through the echo server, cmp says same" {
	ex_file big.iso 20000000
	ex_read file-echo
	ex_run
	ex_stop tcp-serve
	[ "$EX_RC" -eq 0 ]
	ex_check
	grep -qE '1 client served, .* 20000000 bytes \(20\.0 MB\) in, 20000000 bytes \(20\.0 MB\) out$' \
	    "$(ex_out tcp-serve)"
}

@test "port-check: 0 with a server on port 22, 1 when refused, 1 after 2 s when dropped" {
	ex_netns
	ex_read port-check
	# Something listens on the server's port 22: the example says 0.
	start_listener p22 ip netns exec "$(ex_ns server)" "$ND" tcp-serve \
	    -H 0.0.0.0 -p 22
	ex_run
	ex_wait tcp-connect
	[ "$EX_RC" -eq 0 ]
	ex_check
	# Nothing listens: refused, exit 1.
	stop_pid "$L_PID"
	ex_run
	ex_wait tcp-connect
	[ "$EX_RC" -eq 1 ]
	grep -qx 'netdemo: tcp-connect: connect 192.0.2.20:22: Connection refused' \
	    "$(ex_out tcp-connect)"
	[ "$(cat "$(ex_out 'echo $?')")" = 1 ]
	# The SYN dropped: nothing answers, -w 2 gives up after 2 s.
	ex_nft server 'tcp dport 22 drop'
	local t0 t1
	t0=$(date +%s%N)
	ex_run
	t1=$(date +%s%N)
	ex_wait tcp-connect
	[ "$EX_RC" -eq 1 ]
	grep -qx 'netdemo: tcp-connect: connect 192.0.2.20:22: Connection timed out' \
	    "$(ex_out tcp-connect)"
	[ "$(cat "$(ex_out 'echo $?')")" = 1 ]
	[ $(((t1 - t0) / 1000000)) -ge 1900 ]
}

@test "tcp-throughput: 100 MB to the sink, counted on both ends" {
	ex_netns
	ex_file big.iso 100000000
	ex_read tcp-throughput
	ex_run
	ex_stop tcp-serve
	[ "$EX_RC" -eq 0 ]
	ex_wait tcp-connect
	[ "$EX_RC" -eq 0 ]
	ex_check
	grep -qE '^netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 100000000 bytes \(100 MB\) in, 0 bytes out$' \
	    "$(ex_out tcp-serve)"
}

@test "udp-rate: 100 Mbit/s of 1400-byte datagrams, every one of them arrives" {
	ex_netns
	ex_read udp-rate
	# Shortened: 1 s of sending instead of the example's 10.
	ex_subst '-t 10' '-t 1'
	ex_run
	ex_wait udp-recv
	[ "$EX_RC" -eq 0 ]
	ex_check
	local sent got recv
	recv=$(ex_out udp-recv)
	sent=$(sed -n 's/^netdemo: udp-send: summary: \([0-9]*\) messages, \([0-9]*\) bytes.*/\1 \2/p' \
	    "$(ex_out udp-send)")
	got=$(sed -n 's/^netdemo: udp-recv: summary: \([0-9]*\) messages, \([0-9]*\) bytes.*/\1 \2/p' \
	    "$recv")
	[ -n "$sent" ]
	[ "$got" = "$sent" ]
	# 1400 bytes each, 100 Mbit/s: about 8929 in 1 s.
	[ "${sent#* }" -eq $((${sent% *} * 1400)) ]
	((${sent% *} > 8000 && ${sent% *} < 9500))
	grep -q "^netdemo: udp-recv: summary: ${sent% *} received, 0 lost" "$recv"
	[ "$(grep -c '^netdemo: udp-recv: report 192\.0\.2\.10:' "$recv")" -ge 2 ]
}

@test "loss-ci: exit 0 with nothing lost; exit 3 with every 10th datagram dropped, and with all" {
	ex_netns
	ex_read loss-ci
	# Shortened: 1 s instead of the example's 10, on both hosts.
	ex_subst '-t 10' '-t 1'
	ex_run
	ex_wait udp-recv
	[ "$EX_RC" -eq 0 ]
	ex_check
	# The receiver's host drops every 10th datagram: 10% lost, over 1%.
	ex_nft receiver 'udp dport 4000 numgen inc mod 10 == 0 counter drop'
	ex_run
	ex_wait udp-recv
	[ "$EX_RC" -eq 3 ]
	[ "$(cat "$(ex_out 'echo $?')")" = 3 ]
	local out
	out=$(ex_out udp-recv)
	grep -qE '^netdemo: udp-recv: summary: [0-9]+ received, [0-9]+ lost \((9\.[5-9][0-9]|10\.[0-4][0-9])%\)' \
	    "$out"
	tail -n 1 "$out" | grep -qE '^netdemo: udp-recv: loss [0-9.]+% is above --max-loss 1%$'
	# Then every datagram dropped: nothing arrived, exit 3 too.
	ex_nft receiver 'udp dport 4000 drop'
	ex_run
	ex_wait udp-recv
	[ "$EX_RC" -eq 3 ]
	[ "$(cat "$(ex_out 'echo $?')")" = 3 ]
}

@test "rtt: round trips, exit 0; with every 10th datagram dropped on the way, exit 3" {
	ex_netns
	ex_read rtt
	# Shortened: 1 s instead of the example's 10.
	ex_subst '-t 10' '-t 1'
	ex_run
	ex_stop udp-recv
	[ "$EX_RC" -eq 0 ]
	ex_wait udp-send
	[ "$EX_RC" -eq 0 ]
	ex_check
	grep -qE '^netdemo: udp-recv: summary: ([0-9]+) echoed, 0 not answered$' \
	    "$(ex_out udp-recv)"
	ex_nft receiver 'udp dport 4000 numgen inc mod 10 == 0 counter drop'
	ex_run
	ex_wait udp-send
	[ "$EX_RC" -eq 3 ]
	[ "$(cat "$(ex_out 'echo $?')")" = 3 ]
	grep -qE '^netdemo: udp-send: summary: [0-9]+ replies from 1 receiver, [0-9]+ lost \((9\.[5-9][0-9]|10\.[0-4][0-9])%\)' \
	    "$(ex_out udp-send)"
	ex_stop udp-recv
	[ "$EX_RC" -eq 0 ]
}

@test "mcast-reach: 5 datagrams over eth0, exit 0; dropped, exit 3 with the checks" {
	ex_netns
	ex_read mcast-reach
	ex_run
	ex_wait mcast-recv
	[ "$EX_RC" -eq 0 ]
	ex_check
	# The group dropped on the receiver's host; -w 1 instead of the
	# example's 10, so that the silence is seen in 1 s.
	ex_subst '-w 10' '-w 1'
	ex_nft receiver 'udp dport 4000 drop'
	ex_run
	ex_wait mcast-recv
	[ "$EX_RC" -eq 3 ]
	local out
	out=$(ex_out mcast-recv)
	has_line "$out" 'netdemo: mcast-recv: nothing received in 1 s'
	has_line "$out" 'netdemo: mcast-recv: checks for IPv4 multicast on eth0 port 4000:'
	run ! grep -q '^Hello world' "$out"
}

@test "share-port: two mcast-recv on one port both get all 3; udp-recv does not share" {
	ex_read share-port
	ex_run
	ex_check
	ex_wait one.txt
	[ "$EX_RC" -eq 0 ]
	ex_wait two.txt
	[ "$EX_RC" -eq 0 ]
	[ "$(cat "$EX_CWD/one.txt")" = "$(printf 'Hello world : %d\n' 0 1 2)" ]
	# One port: both said so.
	[ "$(sed -n 's/.*listening on //p' "$(ex_out one.txt)")" = \
	    "$(sed -n 's/.*listening on //p' "$(ex_out two.txt)")" ]
	# What the text says of udp-recv.
	start_server udp-recv
	run --separate-stderr timeout 5 "$ND" udp-recv -p "$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "netdemo: udp-recv: bind 127.0.0.1:$PORT: Address already in use" ]
}

@test "ssm: only 192.0.2.10's datagrams, none from 192.0.2.11 that the host got" {
	ex_netns
	ex_read ssm
	# Another source on the sender's host, and a receiver of the group
	# from any source beside the example's: it must see both senders.
	ip -n "${EX_NS[0]}" addr add 192.0.2.11/24 dev eth0
	start_listener any ip netns exec "$(ex_ns receiver)" "$ND" mcast-recv -I eth0 \
	    -g 232.1.2.3 -c 6 -w 10 -T
	local any_pid=$L_PID any_out=$L_OUT
	# shellcheck disable=SC2016,SC2034 # ex_run evals it
	EX_BETWEEN='ex_nsx sender timeout 10 "$ND" mcast-send -I 192.0.2.11 -g 232.1.2.3 -c 3 -i 0 -q -m "other {n}"'
	ex_run
	ex_wait mcast-recv
	[ "$EX_RC" -eq 0 ]
	ex_check
	expect_exit 0 "$any_pid"
	[ "$(grep -c ' 192\.0\.2\.11:[0-9]* other [0-2]$' "$any_out")" -eq 3 ]
	[ "$(grep -c ' 192\.0\.2\.10:[0-9]* Hello world : [0-2]$' "$any_out")" -eq 3 ]
}

@test "json-jq: data objects, events and the summary told apart by jq" {
	command -v jq >/dev/null || skip "jq is not installed"
	printf '%s\n' 'first line' 'second line' 'third line' >"$EX_CWD/lines.txt"
	ex_read json-jq
	ex_run
	ex_check
	ex_wait udp-recv
	[ "$EX_RC" -eq 0 ]
	# Every data object is from udp-recv, with the sender's address.
	[ "$(jq -r 'select(.event == null) | "\(.mode) \(.len)"' "$EX_CWD/recv.json")" = \
	    $'udp-recv 10\nudp-recv 11\nudp-recv 10' ]
	jq -r 'select(.event == null) | .peer' "$EX_CWD/recv.json" |
	    grep -qxE '127\.0\.0\.1:[0-9]+'
}
