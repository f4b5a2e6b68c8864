#!/usr/bin/env bats
# cli.bats: the dispatcher, --help/--version/help MODE, and usage errors.

load helpers

# Long options each mode takes, from SPEC.md (shared rows + mode rows),
# and what issue 10 adds to every mode: -T/--timestamps, -t/--duration and
# --report.
COMMON='bufsize count duration format help host ipv4 ipv6 port quiet report stats timeout timestamps trace verbose'
SERVE_ONLY='backlog epoll max-clients poll select sink'
CONNECT_ONLY='message'

# help_longs: the long options named on the option lines of $output.
help_longs() {
	sed -n 's/^  \(-., \|    \)--\([a-z0-9-]*\).*/\2/p' <<<"$output" | sort
}

sorted() {
	tr ' ' '\n' <<<"$*" | sort
}

@test "--help lists the modes on standard output" {
	run --separate-stderr "$ND" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "usage: netdemo MODE [options]" ]]
	grep -qE '^  tcp-serve +TCP echo server' <<<"$output"
	grep -qE '^  tcp-connect +TCP client' <<<"$output"
}

@test "-h is --help" {
	run --separate-stderr "$ND" --help
	local want=$output
	run --separate-stderr "$ND" -h
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "help alone is --help" {
	run --separate-stderr "$ND" --help
	local want=$output
	run --separate-stderr "$ND" help
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "--version prints the Makefile's version, then the build's features" {
	local version
	version=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' \
	    "$BATS_TEST_DIRNAME/../Makefile")
	[ -n "$version" ]
	run --separate-stderr "$ND" --version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "netdemo $version" ]
	[[ ${lines[1]} == "features:"* ]]
	[ "${#lines[@]}" -eq 2 ]
	if [ "$(uname -s)" = Linux ]; then
		local f
		for f in epoll sendmmsg recvmmsg udp-gso udp-gro timerfd \
		    sendfile splice; do
			[[ " ${lines[1]#features:} " == *" $f "* ]] ||
				{ echo "feature $f missing: ${lines[1]}"; false; }
		done
	fi
}

@test "--version: each feature it names is one the build uses" {
	local features
	run --separate-stderr "$ND" --version
	[ "$status" -eq 0 ]
	features=${lines[1]}
	if [[ $features != *" epoll"* ]]; then
		skip "a build without epoll"
	fi
	# epoll named: --epoll serves, it is not refused as unbuilt.
	run --separate-stderr timeout 10 "$ND" tcp-serve --epoll -p 0 -t 0.1
	[ "$status" -eq 0 ]
	[[ $stderr == *"listening on"* ]]
	# udp-gso named: a flat-out sender says it sends with it.
	if [[ $features == *" udp-gso"* ]]; then
		run --separate-stderr timeout 10 "$ND" udp-send -c 2 -i 0 -v -q
		[ "$status" -eq 0 ]
		[[ $stderr == *"UDP GSO"* ]]
	fi
}

@test "no mode: usage on standard error, exit 2" {
	run --separate-stderr "$ND"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "usage: netdemo MODE"* ]]
}

@test "unknown mode: exit 2, one line naming the modes" {
	run --separate-stderr "$ND" foo
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr =~ ^'netdemo: foo: unknown mode (modes: tcp-serve, tcp-connect'(, [a-z-]+)*')'$ ]]
}

@test "help of an unknown mode: exit 2, one line" {
	run --separate-stderr "$ND" help foo
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr =~ ^'netdemo: help foo: unknown mode (modes: tcp-serve, tcp-connect'(, [a-z-]+)*')'$ ]]
}

@test "tcp-serve --help lists exactly the options SPEC gives it" {
	run --separate-stderr "$ND" tcp-serve --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "usage: netdemo tcp-serve "* ]]
	diff <(help_longs) <(sorted "$COMMON $SERVE_ONLY")
	# short forms from SPEC
	local o
	for o in '-H, --host' '-p, --port' '-4, --ipv4' '-6, --ipv6' \
	    '-f, --format' '-b, --bufsize' '-c, --count' '-w, --timeout' \
	    '-q, --quiet' '-v, --verbose' '-h, --help'; do
		grep -qF -- "  $o" <<<"$output" || { echo "no '$o'" >&2; false; }
	done
	grep -qE -- '--format FMT .*default: text' <<<"$output"
	grep -qE -- '--backlog N .*default: 128' <<<"$output"
}

@test "tcp-connect --help lists exactly the options SPEC gives it" {
	run --separate-stderr "$ND" tcp-connect --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "usage: netdemo tcp-connect "* ]]
	diff <(help_longs) <(sorted "$COMMON $CONNECT_ONLY")
	grep -qF -- '  -m, --message TEXT' <<<"$output"
	grep -qE -- '--format FMT .*default: raw' <<<"$output"
}

@test "help MODE and MODE -h print the same as MODE --help" {
	local m want
	for m in tcp-serve tcp-connect; do
		run --separate-stderr "$ND" "$m" --help
		want=$output
		run --separate-stderr "$ND" help "$m"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "$output" = "$want" ]
		run --separate-stderr "$ND" "$m" -h
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done
}

@test "--help into a full disk: exit 1 and one error line" {
	[ -w /dev/full ] || skip "no /dev/full"
	# shellcheck disable=SC2016  # $1.. expand in the sh -c script
	run --separate-stderr sh -c '"$1" tcp-serve --help >/dev/full' sh "$ND"
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^netdemo:\ .*:\ No\ space\ left\ on\ device$ ]]
}

# Usage errors: exit 2, one line, nothing on standard output.

@test "usage: tcp-serve --port 70000" {
	usage_error 'netdemo: tcp-serve: --port 70000: out of range 0-65535' \
	    tcp-serve --port 70000
}

@test "usage: tcp-serve --port=70000" {
	usage_error 'netdemo: tcp-serve: --port 70000: out of range 0-65535' \
	    tcp-serve --port=70000
}

@test "usage: tcp-connect -p 70000" {
	usage_error 'netdemo: tcp-connect: --port 70000: out of range 0-65535' \
	    tcp-connect -p 70000
}

@test "usage: tcp-serve --port -1" {
	usage_error 'netdemo: tcp-serve: --port -1: out of range 0-65535' \
	    tcp-serve --port -1
}

@test "usage: tcp-serve --port abc" {
	usage_error 'netdemo: tcp-serve: --port abc: not a port number or service name' \
	    tcp-serve --port abc
}

@test "usage: tcp-connect --port 0" {
	usage_error 'netdemo: tcp-connect: --port 0: a port to reach must be 1-65535' \
	    tcp-connect --port 0 -m x
}

@test "usage: tcp-connect --select is not an option of tcp-connect" {
	usage_error 'netdemo: tcp-connect: --select: not an option of tcp-connect' \
	    tcp-connect --select
}

@test "usage: tcp-connect --poll, --sink, --max-clients, --backlog" {
	usage_error 'netdemo: tcp-connect: --poll: not an option of tcp-connect' \
	    tcp-connect --poll
	usage_error 'netdemo: tcp-connect: --sink: not an option of tcp-connect' \
	    tcp-connect --sink
	usage_error 'netdemo: tcp-connect: --max-clients: not an option of tcp-connect' \
	    tcp-connect --max-clients 3
	usage_error 'netdemo: tcp-connect: --backlog: not an option of tcp-connect' \
	    tcp-connect --backlog 3
}

@test "usage: tcp-connect --epoll is not an option of tcp-connect" {
	usage_error 'netdemo: tcp-connect: --epoll: not an option of tcp-connect' \
	    tcp-connect --epoll
}

@test "usage: tcp-serve --message and -m are not options of tcp-serve" {
	usage_error 'netdemo: tcp-serve: --message: not an option of tcp-serve' \
	    tcp-serve --message hi
	usage_error 'netdemo: tcp-serve: -m: not an option of tcp-serve' \
	    tcp-serve -m hi
}

@test "usage: tcp-serve --interval, an option of other modes" {
	usage_error 'netdemo: tcp-serve: --interval: not an option of tcp-serve' \
	    tcp-serve --interval 1
}

@test "usage: tcp-connect --bogus" {
	usage_error 'netdemo: tcp-connect: --bogus: unknown option (see netdemo tcp-connect --help)' \
	    tcp-connect --bogus
}

@test "usage: tcp-serve -z" {
	usage_error 'netdemo: tcp-serve: -z: unknown option (see netdemo tcp-serve --help)' \
	    tcp-serve -z
}

@test "usage: tcp-connect -p without its argument" {
	usage_error 'netdemo: tcp-connect: -p: needs an argument' tcp-connect -p
}

@test "usage: tcp-serve --port without its argument" {
	usage_error 'netdemo: tcp-serve: --port: needs an argument' tcp-serve --port
}

@test "usage: tcp-serve --count 1.5" {
	usage_error 'netdemo: tcp-serve: --count 1.5: not a number' \
	    tcp-serve --count 1.5
}

@test "usage: tcp-serve --count 0" {
	usage_error 'netdemo: tcp-serve: --count 0: out of range' \
	    tcp-serve --count 0
}

@test "usage: tcp-serve --timeout abc" {
	usage_error 'netdemo: tcp-serve: --timeout abc: not a number' \
	    tcp-serve --timeout abc
}

@test "usage: tcp-connect --timeout -1" {
	usage_error 'netdemo: tcp-connect: --timeout -1: out of range' \
	    tcp-connect --timeout -1
}

@test "usage: tcp-serve --bufsize 0" {
	usage_error 'netdemo: tcp-serve: --bufsize 0: out of range 1-16777216' \
	    tcp-serve --bufsize 0
}

@test "usage: tcp-serve --max-clients 0" {
	usage_error 'netdemo: tcp-serve: --max-clients 0: out of range' \
	    tcp-serve --max-clients 0
}

@test "usage: tcp-serve --backlog 0" {
	usage_error 'netdemo: tcp-serve: --backlog 0: out of range 1-65535' \
	    tcp-serve --backlog 0
}

@test "usage: tcp-serve --format xml" {
	usage_error 'netdemo: tcp-serve: --format xml: not one of text, raw, hex, json' \
	    tcp-serve --format xml
}

@test "usage: tcp-serve extra (an operand)" {
	usage_error 'netdemo: tcp-serve: extra: unexpected argument (options take the form --name VALUE; see netdemo tcp-serve --help)' \
	    tcp-serve extra
}

@test "usage: tcp-connect -p 4000 extra (an operand after options)" {
	usage_error 'netdemo: tcp-connect: extra: unexpected argument (options take the form --name VALUE; see netdemo tcp-connect --help)' \
	    tcp-connect -p 4000 extra
}

@test "usage: tcp-serve -4 -6" {
	usage_error 'netdemo: tcp-serve: -4 and -6: choose one' tcp-serve -4 -6
}

@test "usage: tcp-connect --ipv6 --ipv4" {
	usage_error 'netdemo: tcp-connect: -4 and -6: choose one' \
	    tcp-connect --ipv6 --ipv4
}

@test "usage: tcp-serve --select --poll" {
	usage_error 'netdemo: tcp-serve: --select and --poll: choose one' \
	    tcp-serve --select --poll
}

@test "usage: tcp-serve --epoll --poll, --poll --epoll" {
	usage_error 'netdemo: tcp-serve: --poll and --epoll: choose one' \
	    tcp-serve --epoll --poll
	usage_error 'netdemo: tcp-serve: --poll and --epoll: choose one' \
	    tcp-serve --poll --epoll
}

@test "usage: tcp-serve --select --epoll, --epoll --select" {
	usage_error 'netdemo: tcp-serve: --select and --epoll: choose one' \
	    tcp-serve --select --epoll
	usage_error 'netdemo: tcp-serve: --select and --epoll: choose one' \
	    tcp-serve --epoll --select
}

@test "usage: tcp-serve --host ''" {
	usage_error 'netdemo: tcp-serve: --host: empty argument' tcp-serve --host ''
}
