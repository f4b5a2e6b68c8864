#!/usr/bin/env bats
# readme.bats: README.md's examples, run as they are shown.
#
# An example in README.md is a line `<!-- example: NAME -->` and the two
# ```console blocks after it: the server's terminal, then the client's.
# A line that starts with "$ " is a command; the lines after it, up to the
# next command, are what the terminal shows (standard output and error
# together).  In what is shown, "…" stands for any text (a time, a rate)
# and a line of only "…" for any lines; "^C" is where the reader types
# Control-C (on a line of its own when netdemo starts a new line after the
# terminal's echo of it).
#
# A test runs the server's command line as a terminal would: in a process
# group of its own (so Control-C reaches a whole pipeline), both outputs
# on one screen, and with --port 0 instead of the default 4000; it waits
# for the "listening on" line.  Then it runs the client's commands in
# order, on that port: here ./netdemo is a script that runs $NETDEMO with
# --port added.  Each command must exit 0 and print what is shown, the
# real port written as 4000.  Then the server: if "^C" is shown, it gets
# SIGINT once the lines above the "^C" are on its screen; otherwise it
# must end by itself, with status 0.  Its screen must match what is shown.
#
# The first test checks that every console block belongs to an example
# and that every example has a test here.  Examples that need a second
# host are ```sh blocks and are not run: the last tests check that their
# options exist and that README names no address outside loopback,
# multicast and the documentation ranges.

load helpers

README=$BATS_TEST_DIRNAME/../README.md
WAIT_TENTHS=100		# every wait below ends within 10 s

setup() {
	EX_DIR=$BATS_TEST_TMPDIR/cwd
	EX_GROUPS=()
	mkdir -p "$EX_DIR"
	ND_BIN=$(cd "$(dirname "$ND")" && pwd)/$(basename "$ND")
	export ND_BIN
	# ./netdemo as README types it: the binary under test on the
	# example's port, bounded in time.  --foreground keeps it in the
	# server's process group, which "^C" signals.
	cat >"$EX_DIR/netdemo" <<-'EOF'
	#!/bin/sh
	case ${1-} in
	tcp-* | udp-* | mcast-*)
		exec timeout --foreground 30 "$ND_BIN" "$@" --port "$EX_PORT" ;;
	esac
	exec timeout --foreground 30 "$ND_BIN" "$@"
	EOF
	# serve LINE ...: what start_server runs for a server's command line
	# LINE (it appends --port 0; ./netdemo adds that instead).  Standard
	# output joins standard error, start_server's SERVER_ERR, in the order
	# they are written, as on a terminal.
	cat >"$EX_DIR/serve" <<-'EOF'
	#!/bin/sh
	EX_PORT=0 exec setsid bash -c "exec 1>&2; $1"
	EOF
	chmod +x "$EX_DIR/netdemo" "$EX_DIR/serve"
}

teardown() {
	local g
	for g in "${EX_GROUPS[@]}"; do
		kill -s TERM -- "-$g" 2>/dev/null || true
		stop_pid "$g" || true
	done
}

# read_example NAME: the lines of example NAME's server block into
# SHOWN_SERVER and of its client block into SHOWN_CLIENT.
read_example() {
	local line state=out n=0
	SHOWN_SERVER=()
	SHOWN_CLIENT=()
	while IFS= read -r line; do
		case $state in
		out)
			[[ $line == "<!-- example: $1 -->" ]] && state=between
			;;
		between)
			[[ $line == '```console' ]] && state=block && n=$((n + 1))
			;;
		block)
			if [[ $line == '```' ]]; then
				((n == 2)) && break
				state=between
			elif ((n == 1)); then
				SHOWN_SERVER+=("$line")
			else
				SHOWN_CLIENT+=("$line")
			fi
			;;
		esac
	done <"$README"
	if ((${#SHOWN_SERVER[@]} == 0 || ${#SHOWN_CLIENT[@]} == 0)); then
		echo "README.md: no example $1 with two console blocks" >&2
		return 1
	fi
	if [[ ${SHOWN_SERVER[0]} != '$ '* || ${SHOWN_CLIENT[0]} != '$ '* ]]; then
		echo "README.md: example $1: a block must start with a command" >&2
		return 1
	fi
}

# shown_glob TEXT: set GLOB to TEXT as a [[ == ]] pattern (extended, as
# [[ always is): a line of only "…" matches any lines, none too; another
# "…" any text; the rest matches itself.
shown_glob() {
	local text=$1 c i
	text=$'\n'$text$'\n'
	text=${text//$'\n…\n'/$'\x02\n'}
	text=${text//$'\n…\n'/$'\x02\n'}
	text=${text#$'\n'}
	text=${text%$'\n'}
	[[ $text == $'\x02\n'* ]] && text=$'\x03'${text#$'\x02\n'}
	text=${text//…/$'\x01'}
	GLOB=
	for ((i = 0; i < ${#text}; i++)); do
		c=${text:i:1}
		case $c in
		$'\x01') GLOB+='*' ;;
		$'\x02') GLOB+=$'@(|\n*)' ;;
		$'\x03') GLOB+=$'@(|*\n)' ;;
		[][\\*?\(\)\|+@!]) GLOB+="\\$c" ;;
		*) GLOB+=$c ;;
		esac
	done
}

# on_screen TEXT: TEXT with the test's port written as README's 4000.
on_screen() {
	printf '%s' "${1//:$PORT/:4000}"
}

# expect_shown WHAT SHOWN GOT: GOT must match SHOWN, else say how not.
expect_shown() {
	shown_glob "$2"
	# shellcheck disable=SC2053  # GLOB is a pattern on purpose
	[[ $3 == $GLOB ]] && return 0
	{
		printf '%s: README.md shows\n%s\n--- but the terminal shows\n' \
		    "$1" "$2"
		printf '%s\n' "$3" | cut -c 1-160 | head -n 30
		echo ---
	} >&2
	return 1
}

# wait_ended PID: wait for PID to end, at most 10 s; its status, or 124.
wait_ended() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			return
		fi
		sleep 0.1
	done
	return 124
}

# client COMMAND EXPECTED: run one command of a client block and compare.
client() {
	run timeout 60 bash -c "$1" </dev/null
	if ((status != 0)); then
		printf '%s: exit %s; it printed\n%s\n' "$1" "$status" "$output" >&2
		return 1
	fi
	expect_shown "$1" "$2" "$(on_screen "$output")"
}

# run_example NAME: run README's example NAME as the header says.
run_example() {
	local line cmd='' expected='' shown pre screen i rc

	read_example "$1"
	if [[ "${SHOWN_SERVER[*]} ${SHOWN_CLIENT[*]}" =~ \|\ *jq\  ]] &&
	    ! command -v jq >/dev/null; then
		skip "jq is not installed"
	fi
	cd "$EX_DIR" || return 1
	ND=$EX_DIR/serve start_server "${SHOWN_SERVER[0]#\$ }"
	EX_GROUPS+=("$SERVER_PID")

	export EX_PORT=$PORT
	for line in "${SHOWN_CLIENT[@]}" '$ '; do
		if [[ $line == '$ '* ]]; then
			[[ -z $cmd ]] || client "$cmd" "${expected%$'\n'}"
			cmd=${line#\$ }
			expected=
		else
			expected+=$line$'\n'
		fi
	done

	shown=$(printf '%s\n' "${SHOWN_SERVER[@]:1}")
	if [[ $shown == *'^C'* ]]; then
		pre=${shown%%'^C'*}…
		shown_glob "$pre"
		for ((i = 0; i < WAIT_TENTHS; i++)); do
			screen=$(on_screen "$(cat "$SERVER_ERR")")
			# shellcheck disable=SC2053
			[[ $screen == $GLOB ]] && break
			sleep 0.1
		done
		expect_shown "server, before ^C" "$pre" "$screen"
		kill -s INT -- "-$SERVER_PID"
		# A "^C" line of its own: netdemo's summary starts after the
		# terminal's echo; the screen here has neither.
		shown=${shown//$'^C\n'/}
		shown=${shown//'^C'/}
		rc=0
		wait_ended "$SERVER_PID" || rc=$?
		((rc != 124)) || { echo "server: still running after ^C" >&2; return 1; }
	else
		rc=0
		wait_ended "$SERVER_PID" || rc=$?
		if ((rc != 0)); then
			echo "server: exit $rc (124: did not end); its screen:" >&2
			cut -c 1-160 "$SERVER_ERR" | head -n 30 >&2
			return 1
		fi
	fi
	EX_GROUPS=()	# ended and reaped: nothing left to stop
	expect_shown "server" "$shown" "$(on_screen "$(cat "$SERVER_ERR")")"
}

@test "README.md: every console block is in an example, every example is run here" {
	local names name
	names=$(awk '
		/^<!-- example: [a-z0-9-]+ -->$/ {
			if (tag != "" && n != 2)
				print "error: example " tag ": " n " console blocks, not 2"
			tag = $3; n = 0; print tag; next
		}
		/^```console$/ {
			if (tag == "" || n == 2)
				print "error: line " NR ": a console block in no example"
			n++
		}
		END {
			if (tag != "" && n != 2)
				print "error: example " tag ": " n " console blocks, not 2"
		}' "$README")
	[[ -n $names ]]
	if grep '^error: ' <<<"$names" >&2; then
		return 1
	fi
	for name in $names; do
		grep -qx "	run_example $name" "$BATS_TEST_FILENAME" || {
			echo "README.md: example $name has no test in readme.bats" >&2
			return 1
		}
	done
}

@test "README.md: TCP echo, one client (tcp_server1.py, tcp_client1.py)" {
	run_example tcp1
}

@test "README.md: TCP echo, many clients (tcp_server2.py, tcp_client2.py)" {
	run_example tcp2
}

@test "README.md: UDP (send_udp.py, recv_udp.py)" {
	run_example udp
}

@test "README.md: multicast (send_udp_multicast.py, recv_udp_multicast.py)" {
	run_example mcast
}

@test "README.md: measure loss with --seq and --max-loss" {
	run_example loss
}

@test "README.md: loss and round trips with --echo and --rtt" {
	run_example rtt
}

@test "README.md: throughput with tcp-serve --sink" {
	run_example sink
}

@test "README.md: json through jq, the summary filtered out" {
	run_example json
}

@test "README.md: the commands not run here use options of their mode" {
	local line mode opt help bad=() in_sh=0
	while IFS= read -r line; do
		case $line in
		'```sh') in_sh=1; continue ;;
		'```'*) in_sh=0; continue ;;
		esac
		((in_sh)) || continue
		line=${line%%#*}
		[[ $line =~ netdemo\ ([a-z-]+)(.*) ]] || continue
		mode=${BASH_REMATCH[1]}
		help=$(timeout 10 "$ND" "$mode" --help) || {
			bad+=("$mode: no --help")
			continue
		}
		for opt in ${BASH_REMATCH[2]}; do
			[[ $opt == -* ]] || continue
			opt=${opt%%=*}
			grep -qE -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|\$)" \
			    <<<"$help" || bad+=("$mode $opt")
		done
	done <"$README"
	if ((${#bad[@]} > 0)); then
		printf 'README.md: not in the mode'\''s --help: %s\n' "${bad[@]}" >&2
		return 1
	fi
}

@test "README.md: addresses are loopback, multicast or for documentation" {
	local a bad=()
	while read -r a; do
		case $a in
		127.* | 0.0.0.0 | 192.0.2.* | 198.51.100.* | 203.0.113.*) ;;
		22[4-9].* | 23[0-9].*) ;;
		*) bad+=("$a") ;;
		esac
	done < <(grep -oE '(^|[^0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}' "$README" |
	    sed 's/^[^0-9]//' | sort -u)
	# IPv6: "::" in it, or all eight groups.
	while read -r a; do
		[[ $a == *::* || $a =~ ^[^:]*(:[^:]*){7}$ ]] || continue
		case ${a,,} in
		::1 | :: | 2001:db8:* | ff*) ;;
		*) bad+=("$a") ;;
		esac
	done < <(grep -oiE '(^|[^0-9a-z:.])[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}' \
	    "$README" | sed 's/^[^0-9a-fA-F:]//' | sort -u)
	if ((${#bad[@]} > 0)); then
		printf 'README.md: not loopback, multicast or documentation: %s\n' \
		    "${bad[@]}" >&2
		return 1
	fi
}
