#!/usr/bin/env bats
# options.bats: the option rows (issue 9 §1): each mode takes only the rows
# that mean something to it, help that tells the truth (per-mode text,
# per-family defaults), abbreviations, every usage error before a socket,
# and --help against the man page.

load helpers

# help_of ARGS...: netdemo ARGS --help on $output, exit 0, nothing on stderr.
help_of() {
	run --separate-stderr timeout 5 "$ND" "$@" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "every mode's --help agrees with man/netdemo.1: options, arguments, defaults" {
	run timeout 30 python3 "$ND_TOOLS/help_man.py" "$ND" \
	    "$ND_TESTS/../man/netdemo.1"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "udp-send and mcast-send --help: -m defaults to the template, not standard input" {
	local m
	for m in udp-send mcast-send; do
		help_of "$m"
		grep -qxE '  -m, --message TEXT +payload; \{n\} becomes the datagram.s number \(default: Hello world : \{n\}\)' \
		    <<<"$output"
		if grep -q 'standard input)' <<<"$output"; then
			echo "$m --help: -m defaults to standard input" >&2
			return 1
		fi
	done
}

@test "--group may repeat on mcast-recv only" {
	help_of mcast-recv
	grep -qE -- '--group ADDR .*\(default: 239\.255\.0\.1; may repeat\)$' <<<"$output"
	help_of mcast-send
	grep -qE -- '--group ADDR .*\(default: 239\.255\.0\.1\)$' <<<"$output"
	usage_error 'netdemo: mcast-send: --group: mcast-send sends to one group' \
	    mcast-send -g 239.1.1.1 -g 239.1.1.2
}

@test "mcast-send -6 --help shows the IPv6 group and interface" {
	local m
	for m in mcast-send mcast-recv; do
		help_of "$m" -6
		grep -qE -- '--group ADDR .*\(default: ff12::4e44' <<<"$output"
		grep -qE -- '--interface ADDR\|NAME .*\(default: lo\)$' <<<"$output"
		help_of "$m"
		grep -qE -- '--interface ADDR\|NAME .*\(default: 127\.0\.0\.1\)$' <<<"$output"
	done
	help_of udp-send -6
	grep -qE -- '--host ADDR .*\(default: ::1\)$' <<<"$output"
}

@test "a mode's --help names no other mode" {
	local m o
	for m in tcp-serve tcp-connect udp-send udp-recv mcast-send mcast-recv; do
		help_of "$m"
		for o in tcp-serve tcp-connect udp-send udp-recv mcast-send mcast-recv; do
			[ "$o" = "$m" ] && continue
			if grep -q -- "$o" <<<"$output"; then
				echo "$m --help names $o" >&2
				return 1
			fi
		done
		if grep -q 'clients for tcp-serve\|in datagram modes' <<<"$output"; then
			echo "$m --help: a row names other modes" >&2
			return 1
		fi
	done
}

@test "senders refuse -b and -w: nothing to read, no idle time" {
	usage_error 'netdemo: udp-send: -w: not an option of udp-send' \
	    udp-send -w 0.5 -i 1 -c 3
	usage_error 'netdemo: udp-send: --timeout: not an option of udp-send' \
	    udp-send --timeout 1
	usage_error 'netdemo: udp-send: -b: not an option of udp-send' udp-send -b 10
	usage_error 'netdemo: mcast-send: --bufsize: not an option of mcast-send' \
	    mcast-send --bufsize 10
	usage_error 'netdemo: mcast-send: -w: not an option of mcast-send' \
	    mcast-send -w 1
}

@test "-v says what it reports in each mode" {
	help_of tcp-serve
	grep -qE -- '-v, --verbose +report connections and closes$' <<<"$output"
	help_of udp-send
	grep -qE -- '-v, --verbose +report the destination and refused sends$' <<<"$output"
	help_of udp-recv
	grep -qE -- '-v, --verbose +report each new sender$' <<<"$output"
	help_of mcast-send
	grep -qE -- '-v, --verbose +report the group, interface, TTL and loop$' <<<"$output"
}

@test "udp-recv -v reports each new sender once" {
	start_server udp-recv -v -c 3 -q
	timeout 5 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	timeout 5 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(grep -c ': new sender$' "$SERVER_ERR")" -eq 2 ]
}

@test "--po: ambiguous on tcp-serve (--port, --poll), --port on udp-recv" {
	usage_error 'netdemo: tcp-serve: --po: ambiguous (--port, --poll)' \
	    tcp-serve --po 4000
	# udp-recv has no --poll: --po can only be --port.
	start_server udp-recv --po 0 -c 1
	[ -n "$PORT" ]
}

@test "a flag given an argument, an option of another mode, an unknown one" {
	usage_error 'netdemo: tcp-serve: --stats: takes no argument' \
	    tcp-serve --stats=yes
	usage_error 'netdemo: udp-recv: --poll: not an option of udp-recv' \
	    udp-recv --poll
	usage_error 'netdemo: udp-recv: --frobnicate: unknown option (see netdemo udp-recv --help)' \
	    udp-recv --frobnicate
}

@test "exclusive rows: -4/-6, --select/--poll, -m/--stdin, --loop/--no-loop" {
	usage_error 'netdemo: udp-send: -m and --stdin: choose one' \
	    udp-send --stdin -m x
	usage_error 'netdemo: mcast-send: --loop and --no-loop: choose one' \
	    mcast-send --no-loop --loop
	usage_error 'netdemo: tcp-serve: --select and --poll: choose one' \
	    tcp-serve --poll --select
	usage_error 'netdemo: udp-recv: -4 and -6: choose one' udp-recv -6 -4
}

@test "netdemo --help lists the options every mode takes" {
	run --separate-stderr timeout 5 "$ND" --help
	[ "$status" -eq 0 ]
	grep -q '^options every mode takes' <<<"$output"
	local o
	for o in -p,\ --port -4,\ --ipv4 -6,\ --ipv6 -f,\ --format -c,\ --count \
	    --stats -q,\ --quiet -v,\ --verbose -h,\ --help; do
		grep -qF -- "$o" <<<"$output"
	done
	# Not every mode takes these: they are not listed as shared.
	if grep -qF -e '--bufsize' -e '--host' <<<"$output"; then
		echo "--bufsize or --host listed as taken by every mode" >&2
		return 1
	fi
}

@test "usage errors come before any socket exists" {
	command -v strace >/dev/null || skip "strace is not installed"
	local args
	for args in "mcast-send -g 10.0.0.1" "mcast-recv -g ff12::1 -I 127.0.0.1" \
	    "mcast-recv --source 10.0.0.1 -g ff12::1 -I lo" \
	    "udp-send -m $(printf '%070000d' 0)" "udp-send --seq -s 10" \
	    "mcast-send -g 239.1.1.1 -g 239.1.1.2"; do
		# LeakSanitizer cannot run under ptrace: no leak check here.
		# shellcheck disable=SC2086  # args are words on purpose
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		    run timeout 10 strace -f -e trace=socket \
		    -o "$BATS_TEST_TMPDIR/st" "$ND" $args
		[ "$status" -eq 2 ]
		if grep -q 'socket(' "$BATS_TEST_TMPDIR/st"; then
			echo "netdemo ${args:0:60}: a socket before the usage error" >&2
			cat "$BATS_TEST_TMPDIR/st" >&2
			return 1
		fi
	done
}
