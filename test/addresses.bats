#!/usr/bin/env bats
# addresses.bats: addresses as tools print them, in -H ([::1], [::1]:PORT,
# 127.0.0.1:PORT, localhost:PORT, fe80::X%IFACE), service names in -p, the
# "did you mean" of misspelt modes and options, and the end of every --help.
#
# Traffic goes to 127.0.0.1 and ::1 only, except for scoped IPv6: that
# needs a link, so those tests make two network namespaces joined by a
# veth pair (names carry $$ and the test number) and teardown deletes them.

# shellcheck disable=SC2154 # run sets status, output, stderr
load helpers
load dgram_helpers

MODES=(tcp-serve tcp-connect udp-send udp-recv mcast-send mcast-recv)
# The modes that take -H.
HOST_MODES=(tcp-serve tcp-connect udp-send udp-recv)
HELLO2=('Hello world : 0' 'Hello world : 1')
NS_LIST=()

teardown() {
	nd_teardown
	local ns
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ok_run CMD...: run CMD (at most 10 s) with stdout and stderr apart; fail
# showing both unless it exits 0.
ok_run() {
	run --separate-stderr timeout 10 "$@"
	if [ "$status" -ne 0 ]; then
		echo "$*: status $status" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
}

# listen_or_busy NAME CMD...: start_bg NAME CMD and wait at most 5 s for
# its "listening on" line (L_PID, L_OUT, L_ERR, L_PORT as start_listener
# sets them).  Returns 2 at once if CMD ends saying its address is in
# use, 1 if it ends otherwise or never listens.
listen_or_busy() {
	local name=$1 i
	start_bg "$@"
	L_PID=$BG_PID
	L_OUT=$BATS_TEST_TMPDIR/$name.out
	L_ERR=$BATS_TEST_TMPDIR/$name.err
	for ((i = 0; i < 50; i++)); do
		if grep -qE 'listening on .*:[0-9]+$' "$L_ERR"; then
			L_PORT=$(listen_port "$L_ERR")
			return 0
		fi
		if ! kill -0 "$L_PID" 2>/dev/null; then
			grep -q 'Address already in use' "$L_ERR" && return 2
			cat "$L_ERR" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "no listening line in 5 s:" >&2
	cat "$L_ERR" >&2
	return 1
}

# ns_pair: namespaces NS_A and NS_B joined by a veth pair whose end is
# eth0 in each, with the link-local fe80::a/64 (A) and fe80::b/64 (B),
# no duplicate address detection, links up; waits at most 5 s for both
# ends to be operationally up (until then the kernel drops what is sent).
# Skips unless root and `ip netns` works.
ns_pair() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "needs root for network namespaces (no ip)"
	local p="nda$$t${BATS_TEST_NUMBER}" why ns x i
	NS_A=${p}a
	NS_B=${p}b
	if ! why=$(ip netns add "$NS_A" 2>&1); then
		skip "needs root for network namespaces (ip netns add: $why)"
	fi
	NS_LIST+=("$NS_A")
	ip netns add "$NS_B" || return 1
	NS_LIST+=("$NS_B")
	ip -n "$NS_A" link add eth0 type veth peer name eth0 netns "$NS_B" ||
	    return 1
	for x in a b; do
		ns=${p}$x
		printf '%s\n' 'link set lo up' \
		    "addr add fe80::$x/64 dev eth0 nodad" \
		    'link set eth0 up' | ip -n "$ns" -batch - || return 1
	done
	for ((i = 0; i < 50; i++)); do
		ip -n "$NS_A" -o link show eth0 | grep -q 'state UP' &&
		    ip -n "$NS_B" -o link show eth0 | grep -q 'state UP' &&
		    return 0
		sleep 0.1
	done
	echo "veth not up after 5 s:" >&2
	ip -n "$NS_A" link show eth0 >&2
	ip -n "$NS_B" link show eth0 >&2
	return 1
}

# ns_listen NAME NS ARGS...: start `netdemo ARGS` in namespace NS and wait
# for its listening line (start_listener: L_PID, L_OUT, L_ERR, L_PORT).
ns_listen() {
	local name=$1 ns=$2
	shift 2
	start_listener "$name" ip netns exec "$ns" "$ND" "$@"
}

# A. Addresses in -H.

@test "udp: -H 127.0.0.1:0 listens on a kernel port; udp-send -H 127.0.0.1:PORT (no -p) reaches it" {
	start_listener r "$ND" udp-recv -H 127.0.0.1:0 -c 2 -w 10
	[ "$L_PORT" -gt 0 ]
	has_line "$L_ERR" "netdemo: udp-recv: listening on 127.0.0.1:$L_PORT"
	ok_run "$ND" udp-send -H "127.0.0.1:$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "tcp: -H 127.0.0.1:0 listens on a kernel port; tcp-connect -H 127.0.0.1:PORT gets its message back" {
	start_listener s "$ND" tcp-serve -H 127.0.0.1:0 -c 1 -w 10
	[ "$L_PORT" -gt 0 ]
	has_line "$L_ERR" "netdemo: tcp-serve: listening on 127.0.0.1:$L_PORT"
	ok_run "$ND" tcp-connect -H "127.0.0.1:$L_PORT" -m v4
	[ "$output" = v4 ]
	expect_exit 0 "$L_PID"
	[ "$(cat "$L_OUT")" = v4 ]
}

@test "tcp: -H '[::1]:0' listens on [::1]:PORT; tcp-connect -H '[::1]:PORT' -m hi gets hi echoed" {
	start_listener s "$ND" tcp-serve -H '[::1]:0' -c 1 -w 10
	[ "$L_PORT" -gt 0 ]
	has_line "$L_ERR" "netdemo: tcp-serve: listening on [::1]:$L_PORT"
	ok_run "$ND" tcp-connect -H "[::1]:$L_PORT" -m hi
	[ "$output" = hi ]
	expect_exit 0 "$L_PID"
	[ "$(cat "$L_OUT")" = hi ]
}

@test "udp: -H '[::1]:0' listens on [::1]:PORT; udp-send -H '[::1]:PORT' reaches it" {
	start_listener r "$ND" udp-recv -H '[::1]:0' -c 2 -w 10
	has_line "$L_ERR" "netdemo: udp-recv: listening on [::1]:$L_PORT"
	ok_run "$ND" udp-send -H "[::1]:$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "tcp: -H localhost:0 and tcp-connect -H localhost:PORT" {
	start_listener s "$ND" tcp-serve -H localhost:0 -c 1 -w 10
	grep -qE "^netdemo: tcp-serve: listening on (127\.0\.0\.1|\[::1\]):$L_PORT\$" \
	    "$L_ERR"
	ok_run "$ND" tcp-connect -H "localhost:$L_PORT" -m by-name
	[ "$output" = by-name ]
	expect_exit 0 "$L_PID"
	[ "$(cat "$L_OUT")" = by-name ]
}

@test "-H '[::1]' (no port) is ::1, and so is -H ::1 (colons, no brackets: no port)" {
	start_listener s "$ND" tcp-serve -H '[::1]' -p 0 -c 1 -w 10
	has_line "$L_ERR" "netdemo: tcp-serve: listening on [::1]:$L_PORT"
	ok_run "$ND" tcp-connect -H ::1 -p "$L_PORT" -m bare
	[ "$output" = bare ]
	expect_exit 0 "$L_PID"
	[ "$(cat "$L_OUT")" = bare ]

	start_listener r "$ND" udp-recv -H ::1 -p 0 -c 2 -w 10
	has_line "$L_ERR" "netdemo: udp-recv: listening on [::1]:$L_PORT"
	ok_run "$ND" udp-send -H '[::1]' -p "$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "a port in -H and the same in -p: both agree, it works" {
	start_listener r "$ND" udp-recv -H 127.0.0.1:0 -p 0 -c 1 -w 10
	ok_run "$ND" udp-send -H "127.0.0.1:$L_PORT" -p "$L_PORT" -c 1 -q \
	    -m agreed
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" agreed

	start_listener s "$ND" tcp-serve -p 0 -H '[::1]:0' -c 1 -w 10
	ok_run "$ND" tcp-connect -p "$L_PORT" -H "[::1]:$L_PORT" -m agreed
	[ "$output" = agreed ]
	expect_exit 0 "$L_PID"
}

@test "a port in -H and another in -p: usage error in every mode that takes -H" {
	local m
	for m in "${HOST_MODES[@]}"; do
		usage_error "netdemo: $m: --host 127.0.0.1:4000 and --port 5000: two different ports" \
		    "$m" -H 127.0.0.1:4000 -p 5000
		usage_error "netdemo: $m: --host 127.0.0.1:4000 and --port 5000: two different ports" \
		    "$m" -p 5000 -H 127.0.0.1:4000
		usage_error "netdemo: $m: --host [::1]:4000 and --port 5000: two different ports" \
		    "$m" -H '[::1]:4000' -p 5000
	done
	# A service name in -p is its number here too.
	usage_error 'netdemo: udp-send: --host 127.0.0.1:4000 and --port 7: two different ports' \
	    udp-send -H 127.0.0.1:4000 -p echo
}

@test "-p echo is port 7 (and so is -H 127.0.0.1:echo): udp-send -v says 'sending to 127.0.0.1:7'" {
	[ "$(getent services echo | awk '{ print $2 }')" = 7/tcp ] ||
	    skip "no echo 7/tcp in the services database"
	ok_run "$ND" udp-send -p echo -v -c 1 -i 0 -H 127.0.0.1
	[ "$output" = 'Hello world : 0' ]
	[ "${stderr_lines[0]}" = 'netdemo: udp-send: sending to 127.0.0.1:7' ]
	ok_run "$ND" udp-send -H 127.0.0.1:echo -v -c 1 -q
	[ "${stderr_lines[0]}" = 'netdemo: udp-send: sending to 127.0.0.1:7' ]
	# The name and its number agree.
	ok_run "$ND" udp-send -H 127.0.0.1:7 -p echo -v -c 1 -q
	[ "${stderr_lines[0]}" = 'netdemo: udp-send: sending to 127.0.0.1:7' ]
}

@test "a service name to listen on: udp-recv -p SERVICE binds its port, udp-send -p SERVICE reaches it" {
	# Services of /etc/services above the usual ephemeral range's start,
	# not below it, so that no --port 0 of a test beside this one has it.
	local s svc='' port rc used=()
	for s in asp wnn6 gsidcap dcap; do
		port=$(getent services "$s" | awk '{ sub("/.*", "", $2); print $2 }')
		[ -n "$port" ] || continue
		rc=0
		listen_or_busy "r$s" "$ND" udp-recv -p "$s" -c 2 -w 10 || rc=$?
		[ "$rc" -ne 1 ]
		if [ "$rc" -eq 0 ]; then
			svc=$s
			break
		fi
		used+=("$s:$port")
	done
	[ -n "$svc" ] || skip "no free service port (${used[*]:-none listed})"
	[ "$L_PORT" = "$port" ]
	has_line "$L_ERR" "netdemo: udp-recv: listening on 127.0.0.1:$port"
	ok_run "$ND" udp-send -p "$svc" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "-H with an interface no one has: exit 1, and it names the interface" {
	local m
	for m in udp-recv tcp-serve; do
		usage_error 1 "netdemo: $m: resolve fe80::b%nosuch: no interface nosuch" \
		    "$m" -H 'fe80::b%nosuch' -p 0
	done
	usage_error 1 "netdemo: udp-send: resolve fe80::b%nosuch: no interface nosuch" \
	    udp-send -H '[fe80::b%nosuch]:4000' -c 1
}

@test "-p nosuch-service and -H 127.0.0.1:nosuch: usage errors" {
	local m
	for m in "${MODES[@]}"; do
		usage_error "netdemo: $m: --port nosuch-service: not a port number or service name" \
		    "$m" -p nosuch-service
	done
	for m in "${HOST_MODES[@]}"; do
		usage_error "netdemo: $m: --host 127.0.0.1:nosuch: port nosuch: not a port number or service name" \
		    "$m" -H 127.0.0.1:nosuch
	done
}

@test "bad -H forms: exit 2, one line naming the problem, in every mode that takes -H" {
	# FORM<TAB>what is wrong with it.  Loopback names and addresses only,
	# so that nothing leaves the host should one of them be taken.
	local m form why
	for m in "${HOST_MODES[@]}"; do
		while IFS=$'\t' read -r form why; do
			usage_error "netdemo: $m: --host $form: $why" "$m" -H "$form"
		done <<-'EOF'
			[::1	no ']' after the IPv6 address
			127.0.0.1:	no port after ':'
			[::1]:	no port after ':'
			localhost:99999	port 99999: out of range 0-65535
			[::1]:65536	port 65536: out of range 0-65535
			[::1]x	only ':PORT' may follow ']'
			:4000	no address before ':'
			[]	no address between '[' and ']'
			[127.0.0.1]	brackets are for IPv6 addresses
		EOF
	done
	# --host=FORM says the same.
	usage_error "netdemo: udp-send: --host [::1]x: only ':PORT' may follow ']'" \
	    udp-send '--host=[::1]x'
}

@test "scoped IPv6: udp-recv -H 'fe80::b%eth0' in one namespace, udp-send -H '[fe80::b%eth0]:PORT' from another" {
	ns_pair
	ns_listen r "$NS_B" udp-recv -H 'fe80::b%eth0' -p 0 -c 2 -w 10
	has_line "$L_ERR" \
	    "netdemo: udp-recv: listening on [fe80::b%eth0]:$L_PORT"
	ok_run ip netns exec "$NS_A" "$ND" udp-send \
	    -H "[fe80::b%eth0]:$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "scoped IPv6: tcp-serve -H 'fe80::b%eth0', tcp-connect -H '[fe80::b%eth0]:PORT' from another namespace" {
	ns_pair
	ns_listen s "$NS_B" tcp-serve -H 'fe80::b%eth0' -p 0 -c 1 -w 10
	has_line "$L_ERR" \
	    "netdemo: tcp-serve: listening on [fe80::b%eth0]:$L_PORT"
	ok_run ip netns exec "$NS_A" "$ND" tcp-connect \
	    -H "[fe80::b%eth0]:$L_PORT" -m 'over the link'
	[ "$output" = 'over the link' ]
	expect_exit 0 "$L_PID"
	[ "$(cat "$L_OUT")" = 'over the link' ]
}

@test "scoped IPv6 multicast: -I 'fe80::b%eth0' joins ff02::1:3, -I 'fe80::a%eth0' sends to it" {
	ns_pair
	ns_listen r "$NS_B" mcast-recv -6 -g ff02::1:3 -I 'fe80::b%eth0' -p 0 \
	    -c 2 -w 10
	has_line "$L_ERR" 'netdemo: mcast-recv: joined ff02::1:3 on fe80::b%eth0'
	has_line "$L_ERR" "netdemo: mcast-recv: listening on [::]:$L_PORT"
	ok_run ip netns exec "$NS_A" "$ND" mcast-send -6 -g ff02::1:3 \
	    -I 'fe80::a%eth0' -p "$L_PORT" -c 2 -i 0 -q
	expect_exit 0 "$L_PID"
	same_lines "$L_OUT" "${HELLO2[@]}"
}

@test "-I 'fe80::b%nosuch': a run-time error, exit 1, 'no interface nosuch'" {
	ns_pair
	run --separate-stderr timeout 10 ip netns exec "$NS_B" "$ND" \
	    mcast-recv -6 -g ff02::1:3 -I 'fe80::b%nosuch' -p 0 -c 2 -w 10
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = 'netdemo: mcast-recv: interface fe80::b%nosuch: no interface nosuch' ]
	run --separate-stderr timeout 10 ip netns exec "$NS_A" "$ND" \
	    mcast-send -6 -g ff02::1:3 -I 'fe80::a%nosuch' -p 9 -c 1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = 'netdemo: mcast-send: interface fe80::a%nosuch: no interface nosuch' ]
}

# B. Did you mean.

@test "a misspelt mode: did you mean (also after help)" {
	usage_error 'netdemo: tcp-serv: unknown mode (did you mean tcp-serve?)' \
	    tcp-serv
	usage_error 'netdemo: udp-snd: unknown mode (did you mean udp-send?)' \
	    udp-snd
	usage_error 'netdemo: help udp-rcv: unknown mode (did you mean udp-recv?)' \
	    help udp-rcv
	usage_error 'netdemo: help tcp-serv: unknown mode (did you mean tcp-serve?)' \
	    help tcp-serv
}

@test "a word far from every mode: the modes are listed instead" {
	local modes='tcp-serve, tcp-connect, udp-send, udp-recv, mcast-send, mcast-recv'
	usage_error "netdemo: xyz: unknown mode (modes: $modes)" xyz
	usage_error "netdemo: help xyz: unknown mode (modes: $modes)" help xyz
}

@test "an unambiguous prefix is the option: udp-recv --stat and --st are --stats" {
	local opt
	# Control: a run of -c 1 that gets its datagram prints no summary
	# unless asked.
	start_listener r0 "$ND" udp-recv -p 0 -c 1 -w 10
	ok_run "$ND" udp-send -p "$L_PORT" -c 1 -q -m abc
	expect_exit 0 "$L_PID"
	run ! grep -q 'summary' "$L_ERR"
	for opt in --stat --st; do
		start_listener "r$opt" "$ND" udp-recv -p 0 "$opt" -c 1 -w 10
		ok_run "$ND" udp-send -p "$L_PORT" -c 1 -q -m abc
		expect_exit 0 "$L_PID"
		same_lines "$L_OUT" abc
		grep -qE '^netdemo: udp-recv: summary: 1 message, 3 bytes' \
		    "$L_ERR"
	done
}

@test "a misspelt option: did you mean (--stast, --porrt, --verison)" {
	usage_error 'netdemo: udp-recv: --stast: unknown option (did you mean --stats?)' \
	    udp-recv --stast
	usage_error 'netdemo: udp-recv: --porrt: unknown option (did you mean --port?)' \
	    udp-recv --porrt 4000
	usage_error 'netdemo: --verison: unknown option (did you mean --version?)' \
	    --verison
}

@test "an ambiguous abbreviation names the candidates of this mode only" {
	usage_error 'netdemo: udp-send: --st: ambiguous (--stats, --stdin)' \
	    udp-send --st
}

@test "an abbreviated flag given a value: takes no argument, under its full name" {
	usage_error 'netdemo: udp-recv: --stats: takes no argument' \
	    udp-recv --st=1
	usage_error 'netdemo: udp-recv: --stats: takes no argument' \
	    udp-recv --stats=1
}

@test "an option of another mode: not an option of this one" {
	usage_error 'netdemo: udp-recv: --select: not an option of udp-recv' \
	    udp-recv --select
	usage_error 'netdemo: udp-recv: --stdin: not an option of udp-recv' \
	    udp-recv --stdin
	usage_error 'netdemo: mcast-send: --host: not an option of mcast-send' \
	    mcast-send --host 127.0.0.1
}

@test "options before the mode: they go after it" {
	usage_error 'netdemo: -v: options go after the mode (netdemo udp-recv -v ...)' \
	    -v udp-recv
	usage_error 'netdemo: --stats: options go after the mode (netdemo udp-recv --stats ...)' \
	    --stats udp-recv
	usage_error 'netdemo: -v: options go after the mode (netdemo MODE [options]; netdemo --help lists the modes)' \
	    -v
}

# C. Help.

@test "every MODE --help ends with the exit statuses, a blank line and See netdemo(1)" {
	local m want
	want=$'\nexit status: 0 done, 1 run-time error, 2 usage error, 3 the run fell short of what was asked\n\nSee netdemo(1) for details.'
	for m in "${MODES[@]}"; do
		run --separate-stderr "$ND" "$m" --help
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		# $output has lost the final newline: these are the last lines.
		[[ $output == *"$want" ]] ||
		    { echo "$m --help ends: ${output: -200}" >&2; false; }
	done
}

@test "netdemo --help: the six modes, completion, the shared options, netdemo MODE --help" {
	run --separate-stderr "$ND" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	local m o
	for m in "${MODES[@]}"; do
		grep -qE "^  $m +[^ ]" <<<"$output" || { echo "no mode $m" >&2; false; }
	done
	[ "$(grep -cE '^  (tcp|udp|mcast)-[a-z]+  ' <<<"$output")" -eq 6 ]
	grep -qxF '       netdemo completion bash|zsh|fish' <<<"$output"
	grep -qF 'netdemo MODE --help' <<<"$output"
	grep -qx 'options every mode takes (netdemo MODE --help shows the rest, with defaults):' \
	    <<<"$output"
	for o in '-p, --port PORT' '-4, --ipv4' '-6, --ipv6' '-f, --format FMT' \
	    '-c, --count N' '    --stats' '-q, --quiet' '-v, --verbose' \
	    '-T, --timestamps' '-h, --help' '-t, --duration SEC' \
	    '    --report SEC'; do
		grep -qF -- "  $o " <<<"$output" || { echo "no '$o'" >&2; false; }
	done
	# Each shared option is an option of every mode.
	local longs
	longs=$(sed -n '/^options every mode/,/^$/s/^  \(-., \|    \)--\([a-z0-9-]*\).*/\2/p' <<<"$output")
	[ -n "$longs" ]
	for m in "${MODES[@]}"; do
		run --separate-stderr "$ND" "$m" --help
		for o in $longs; do
			grep -qE -- "^  (-., |    )--$o( |\$)" <<<"$output" ||
			    { echo "$m --help has no --$o" >&2; false; }
		done
	done
}
