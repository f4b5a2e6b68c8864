# examples_helpers.bash: run the EXAMPLES of man/netdemo.1 as they are
# written (loaded by examples.bats, after helpers.bash).
#
# An example is a `.Bd -literal` block of the EXAMPLES section with the line
# `.\" example: NAME` right before it.  In the block, a line that starts
# with a prompt ("$ ", or "HOST$ ") is a command, continued on the next line
# when it ends in a backslash; the lines after it, up to the next command,
# are what it writes (standard output and error together).  In them "..."
# is any text, and a line of only "..." any number of lines.  Roff escapes
# are undone first: \e is a backslash, \& nothing, \- a minus.
#
# ex_read NAME parses example NAME; ex_subst may then change its commands
# (a shorter duration, said so by the test); ex_run runs them:
#
# - With "$ " prompts, on this host, as one shell script, so that `&`,
#   `wait` and `$?` mean what they mean at a terminal.  `netdemo` is a
#   wrapper first on PATH that runs the binary under test with --port added:
#   0 until a command in the background says "listening on", then that
#   port (so a second receiver shares it), bounded in time.  After each
#   command ending in `&` the script waits (bounded) for its listening line.
# - With HOST prompts, in two network namespaces made by ex_netns, joined
#   by a veth pair whose ends are both eth0: "receiver" and "server" are
#   192.0.2.20, "sender" and "client" 192.0.2.10, as the section says.
#   Each host's lines are a script run with `ip netns exec`; every host but
#   the last runs in the background, and the next starts once its first
#   command says "listening on".  The port is the example's own (4000).
#
# Each command's output goes to c<I>.out and its exit status to c<I>.rc in
# the run's directory.  The test then stops or waits for the commands that
# go on (ex_stop, ex_wait, by a piece of their text) and ex_check compares
# every output with the man page, the real port written as 4000.
# shellcheck shell=bash
# shellcheck disable=SC2034 # EX_* are read by the test file

EX_MAN=$ND_TESTS/../man/netdemo.1
EX_LIMIT=20		# seconds any one netdemo may run
EX_SCRIPT_LIMIT=40	# seconds a host's whole script may run
EX_NS=()		# namespaces made by ex_netns, deleted by ex_teardown
EX_RUNS=()		# run directories, for their recorded PIDs
EX_BETWEEN=		# a command run after the background hosts are ready

# ex_setup: the wrapper and a working directory, for every test.
ex_setup() {
	EX_CWD=$BATS_TEST_TMPDIR/cwd
	EX_BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$EX_CWD" "$EX_BIN"
	ND_BIN=$(cd "$(dirname "$ND")" && pwd)/$(basename "$ND")
	export ND_BIN EX_LIMIT EX_CWD PATH="$EX_BIN:$PATH"
	cat >"$EX_BIN/netdemo" <<-'EOF'
	#!/bin/sh
	# netdemo as the examples type it: the binary under test, bounded in
	# time, its PID (that of timeout, which passes TERM on) recorded.
	[ -z "${EX_JOB-}" ] || echo $$ >>"$EX_D/c$EX_JOB.pids"
	case ${1-} in
	tcp-* | udp-* | mcast-*)
		[ -z "${EX_PORT-}" ] || set -- "$@" --port "$EX_PORT" ;;
	esac
	exec timeout -k 2 "$EX_LIMIT" "$ND_BIN" "$@"
	EOF
	chmod +x "$EX_BIN/netdemo"
}

# ex_teardown: stop what the examples left running, delete the namespaces.
ex_teardown() {
	local d f pid
	for d in "${EX_RUNS[@]}"; do
		for f in "$d"/c*.pids; do
			[ -e "$f" ] || continue
			while read -r pid; do
				ex_is_ours "$pid" && stop_pid "$pid"
			done <"$f"
		done
	done
	nd_teardown
	for d in "${EX_NS[@]}"; do
		ip netns del "$d" 2>/dev/null || true
	done
}

# ex_is_ours PID: PID is still one of the wrapper's timeout processes.
ex_is_ours() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = timeout ]
}

# ex_unescape LINE: LINE with its roff escapes undone, into EX_LINE.
ex_unescape() {
	local s=$1 c
	EX_LINE=
	while [[ $s == *\\* ]]; do
		EX_LINE+=${s%%\\*}
		s=${s#*\\}
		c=${s:0:1}
		s=${s:1}
		case $c in
		e) EX_LINE+=\\ ;;
		'&') ;;
		-) EX_LINE+=- ;;
		*)
			echo "man page: escape \\$c not understood in: $1" >&2
			return 1
			;;
		esac
	done
	EX_LINE+=$s
}

# ex_read NAME: example NAME into EX_HOST, EX_CMD and EX_SHOWN (one entry
# a command: its host, "" for "$ "; the command; the lines shown after it).
ex_read() {
	local name=$1 line cont=0 n block
	EX_NAME=$name
	EX_HOST=()
	EX_CMD=()
	EX_SHOWN=()
	# The block's lines, found by awk (bash reads the whole page slowly).
	block=$(EX_MARK=".\\\" example: $name" awk '
		state == 2 && $0 == ".Ed" { state = 3; exit }
		state == 2 { print; next }
		state == 1 {
			if ($0 !~ /^\.Bd -literal/) exit
			state = 2; next
		}
		$0 == ENVIRON["EX_MARK"] { state = 1 }
		END { if (state != 3) print "error: no block" }' "$EX_MAN")
	if [[ -z $block || $block == *'error: no block' ]]; then
		echo "man page: no example $name: its marker, then .Bd -literal ... .Ed" >&2
		return 1
	fi
	while IFS= read -r line; do
		ex_unescape "$line" || return 1
		line=$EX_LINE
		n=${#EX_CMD[@]}
		if ((cont)); then
			EX_CMD[n - 1]+=" ${line#"${line%%[! ]*}"}"
		elif [[ $line =~ ^([a-z]*)\$\ +(.*)$ ]]; then
			EX_HOST+=("${BASH_REMATCH[1]}")
			EX_CMD+=("${BASH_REMATCH[2]}")
			EX_SHOWN+=("")
		elif ((n == 0)); then
			echo "man page: example $name: output before any command" >&2
			return 1
		else
			EX_SHOWN[n - 1]+=${EX_SHOWN[n - 1]:+$'\n'}$line
			continue
		fi
		n=${#EX_CMD[@]}
		cont=0
		if [[ ${EX_CMD[n - 1]} == *\\ ]]; then
			EX_CMD[n - 1]=${EX_CMD[n - 1]%\\}
			EX_CMD[n - 1]=${EX_CMD[n - 1]% }
			cont=1
		fi
	done <<<"$block"
	((${#EX_CMD[@]} > 0)) ||
	    { echo "man page: example $name has no command" >&2; return 1; }
}

# ex_subst FROM TO: replace FROM by TO in every command of the example; at
# least one must hold it.
ex_subst() {
	local i hit=0
	for i in "${!EX_CMD[@]}"; do
		[[ ${EX_CMD[i]} == *"$1"* ]] || continue
		EX_CMD[i]=${EX_CMD[i]//"$1"/"$2"}
		hit=1
	done
	((hit)) || { echo "example $EX_NAME: no command has '$1'" >&2; return 1; }
}

# ex_index TEXT: the index of the example's first command containing TEXT.
ex_index() {
	local i
	for i in "${!EX_CMD[@]}"; do
		[[ ${EX_CMD[i]} == *"$1"* ]] && { echo "$i"; return 0; }
	done
	echo "example $EX_NAME: no command has '$1'" >&2
	return 1
}

# ex_bg I: command I runs in the background (ends in a lone `&`).
ex_bg() {
	[[ ${EX_CMD[$1]} =~ (^|[^&])\&\ *$ ]]
}

# ex_script HOST FILE: the script that runs HOST's commands.
ex_script() {
	local host=$1 i cmd
	{
		# shellcheck disable=SC2016 # written for the script to expand
		printf '%s\n' 'cd "$EX_CWD" || exit 96' \
		    'ex_done() { echo "$2" >"$EX_D/c$1.rc"; return "$2"; }' \
		    'ex_job() { export EX_JOB=$1; return "$2"; }' \
		    'ex_ready() {' \
		    '	local n p' \
		    '	for ((n = 0; n < 100; n++)); do' \
		    '		p=$(sed -n "s/.*listening on .*:\([0-9][0-9]*\)\$/\1/p" "$EX_D/c$1.out" | head -n 1)' \
		    '		if [ -n "$p" ]; then' \
		    '			[ "${EX_PORT-}" != 0 ] || { export EX_PORT=$p; echo "$p" >"$EX_D/port"; }' \
		    '			return 0' \
		    '		fi' \
		    '		[ ! -e "$EX_D/c$1.rc" ] || break' \
		    '		sleep 0.1' \
		    '	done' \
		    '	echo "example: command $1 never said listening on" >&2' \
		    '	exit 97' \
		    '}'
		for i in "${!EX_CMD[@]}"; do
			[[ ${EX_HOST[i]} == "$host" ]] || continue
			# ex_job keeps $? as it was, for a command "echo $?".
			echo "ex_job $i \$?"
			cmd=${EX_CMD[i]}
			# shellcheck disable=SC2016 # for the script to expand
			if ex_bg "$i"; then
				cmd=${cmd%&*}
				printf '(\n%s\necho $? >"$EX_D/c%d.rc"\n) >"$EX_D/c%d.out" 2>&1 &\nex_ready %d\n' \
				    "$cmd" "$i" "$i" "$i"
			else
				printf '{\n%s\n} >"$EX_D/c%d.out" 2>&1\nex_done %d $?\n' \
				    "$cmd" "$i" "$i"
			fi
		done
	} >"$2"
}

# ex_netns: skip without root; else make the two hosts of the examples.
ex_netns() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	local p="ex${BATS_ROOT_PID}t${BATS_TEST_NUMBER}" why
	if ! why=$(ip netns add "${p}probe" 2>&1); then
		skip "cannot create network namespaces: $why"
	fi
	ip netns del "${p}probe"
	EX_NS=("${p}a" "${p}b")
	printf 'netns add %s\n' "${EX_NS[@]}" | ip -batch - || return 1
	ip -n "${p}a" link add eth0 type veth peer name eth0 netns "${p}b" ||
	    return 1
	ex_ns_addr "${p}a" 192.0.2.10 || return 1
	ex_ns_addr "${p}b" 192.0.2.20 || return 1
}

# ex_ns_addr NS ADDR: NS's lo and eth0 up, ADDR/24 and the multicast route
# on eth0.
ex_ns_addr() {
	printf '%s\n' 'link set lo up' "addr add $2/24 dev eth0" \
	    'link set eth0 up' 'route add 224.0.0.0/4 dev eth0' |
	    ip -n "$1" -batch -
}

# ex_ns HOST: the namespace of the example's HOST.
ex_ns() {
	case $1 in
	sender | client) echo "${EX_NS[0]}" ;;
	receiver | server) echo "${EX_NS[1]}" ;;
	*) echo "example $EX_NAME: no host '$1'" >&2; return 1 ;;
	esac
}

# ex_nsx HOST CMD...: CMD in HOST's namespace.
ex_nsx() {
	local ns
	ns=$(ex_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# ex_run: run the example read last, as the header says; leaves EX_D, the
# run's directory.
ex_run() {
	local hosts=() h i last ns first
	EX_D=$BATS_TEST_TMPDIR/run${#EX_RUNS[@]}
	EX_RUNS+=("$EX_D")
	EX_HOST_PIDS=()
	EX_STOPPED=()
	mkdir -p "$EX_D"
	unset EX_PORT
	for i in "${!EX_CMD[@]}"; do
		[[ " ${hosts[*]} " == *" ${EX_HOST[i]:-.} "* ]] ||
		    hosts+=("${EX_HOST[i]:-.}")
	done
	export EX_D
	if [[ ${hosts[*]} == . ]]; then
		ex_script "" "$EX_D/host.sh"
		EX_PORT=0 timeout "$EX_SCRIPT_LIMIT" bash --norc --noprofile \
		    "$EX_D/host.sh" >"$EX_D/host.log" 2>&1 3>&- || true
		return 0
	fi
	((${#EX_NS[@]} == 2)) || { echo "example $EX_NAME: call ex_netns first" >&2; return 1; }
	last=${hosts[${#hosts[@]} - 1]}
	for h in "${hosts[@]}"; do
		ns=$(ex_ns "$h") || return 1
		ex_script "$h" "$EX_D/$h.sh"
		if [[ $h == "$last" ]]; then
			[ -z "$EX_BETWEEN" ] || eval "$EX_BETWEEN" || return 1
			timeout "$EX_SCRIPT_LIMIT" ip netns exec "$ns" \
			    bash --norc --noprofile "$EX_D/$h.sh" \
			    >"$EX_D/$h.log" 2>&1 3>&- || true
			continue
		fi
		start_bg "${EX_D##*/}/$h" timeout "$EX_SCRIPT_LIMIT" ip netns exec "$ns" \
		    bash --norc --noprofile "$EX_D/$h.sh"
		EX_HOST_PIDS+=("$BG_PID")
		for i in "${!EX_CMD[@]}"; do
			[[ ${EX_HOST[i]} == "$h" ]] && { first=$i; break; }
		done
		wait_for_line "$EX_D/c$first.out" 'listening on .*:[0-9]+$' 100 ||
		    return 1
	done
}

# ex_rcwait I [TENTHS]: wait at most TENTHS/10 s (default 15 s) for command
# I's exit status; print it.
ex_rcwait() {
	local i=$1 n=${2:-150} k
	for ((k = 0; k < n; k++)); do
		if [ -s "$EX_D/c$i.rc" ]; then
			cat "$EX_D/c$i.rc"
			return 0
		fi
		sleep 0.1
	done
	echo "example $EX_NAME: '${EX_CMD[i]}' did not end; its output:" >&2
	cat "$EX_D/c$i.out" >&2
	return 1
}

# ex_wait TEXT: wait for the command containing TEXT to end by itself (at
# most 15 s); set EX_RC to its exit status.
ex_wait() {
	local i
	i=$(ex_index "$1") || return 1
	EX_RC=$(ex_rcwait "$i") || return 1
}

# ex_stop TEXT: stop the netdemo of the command containing TEXT with
# SIGTERM, as at a terminal; set EX_RC to the command's exit status.
ex_stop() {
	local i pid
	i=$(ex_index "$1") || return 1
	while read -r pid; do
		ex_is_ours "$pid" && kill -s TERM "$pid"
	done <"$EX_D/c$i.pids"
	EX_RC=$(ex_rcwait "$i" 50) || return 1
	EX_STOPPED[i]=1
}

# ex_out TEXT: the file that holds the output of the command with TEXT.
ex_out() {
	local i
	i=$(ex_index "$1") || return 1
	echo "$EX_D/c$i.out"
}

# ex_glob TEXT: TEXT as shown in the man page into EX_GLOB, a pattern for
# [[ == ]] (extended, as it always is there): a line "..." is any lines,
# none too, and "..." in a line any text; all else matches itself.
ex_glob() {
	local line c k any=0 first=1
	EX_GLOB=
	while IFS= read -r line; do
		if [[ $line == ... ]]; then
			any=1
			continue
		fi
		((first)) || EX_GLOB+=$'\n'
		((any)) && EX_GLOB+=$'@(|*\n)'
		first=0
		any=0
		line=${line//.../$'\x01'}
		for ((k = 0; k < ${#line}; k++)); do
			c=${line:k:1}
			case $c in
			$'\x01') EX_GLOB+='*' ;;
			[][\\*?\(\)\|+@!]) EX_GLOB+="\\$c" ;;
			*) EX_GLOB+=$c ;;
			esac
		done
	done <<<"$1"
	if ((any)); then
		((first)) && EX_GLOB='*' || EX_GLOB+=$'@(|\n*)'
	fi
}

# ex_check: every command wrote what the man page shows (a background
# command: that first).  Waits at most 10 s for every host to end.
ex_check() {
	local i got port='' pid bad=0
	for pid in "${EX_HOST_PIDS[@]}"; do
		wait_pid "$pid" 100 || true
	done
	[ -s "$EX_D/port" ] && port=$(cat "$EX_D/port")
	for i in "${!EX_CMD[@]}"; do
		got=$(cat "$EX_D/c$i.out" 2>/dev/null)
		[ -z "$port" ] || got=${got//:$port/:4000}
		ex_glob "${EX_SHOWN[i]}"
		if [[ -n ${EX_SHOWN[i]} ]] && { ex_bg "$i" || [[ -n ${EX_STOPPED[i]-} ]]; }; then
			EX_GLOB+=$'@(|\n*)'
		fi
		# shellcheck disable=SC2053 # EX_GLOB is a pattern on purpose
		[[ $got == $EX_GLOB ]] && continue
		bad=1
		{
			printf 'example %s: %s%s\n--- the man page shows\n%s\n--- it wrote\n' \
			    "$EX_NAME" "${EX_HOST[i]}\$ " "${EX_CMD[i]}" "${EX_SHOWN[i]}"
			printf '%s\n' "$got" | cut -c 1-200 | head -n 40
			echo ---
		} >&2
	done
	((bad == 0)) || { ex_logs >&2; return 1; }
}

# ex_logs: the hosts' own messages (a script that failed says why there).
ex_logs() {
	local f
	for f in "$EX_D"/*.log "$EX_D"/*.err; do
		[ -s "$f" ] || continue
		echo "--- $f"
		head -c 2000 "$f"
	done
}

# ex_file NAME SIZE: NAME in the working directory, SIZE bytes that are
# the same on every run (a seeded pseudo-random stream).
ex_file() {
	"$PYTHON" -c '
import random, sys
n = int(sys.argv[2])
r = random.Random(n)
with open(sys.argv[1], "wb") as f:
    while n > 0:
        k = min(n, 1 << 22)
        f.write(r.randbytes(k))
        n -= k
' "$EX_CWD/$1" "$2"
}

# ex_nft HOST RULE...: an nft table "ex" on HOST with an input chain that
# has these rules.
ex_nft() {
	local host=$1 r
	shift
	{
		echo 'add table inet ex'
		echo 'add chain inet ex in { type filter hook input priority 0; }'
		for r in "$@"; do
			echo "add rule inet ex in $r"
		done
	} | ex_nsx "$host" nft -f -
}
