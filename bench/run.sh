#!/usr/bin/env bash
# bench/run.sh: the benchmark of issue 5.  Runs every scenario BENCH_RUNS
# (3) times against the reference echo server (bench/ref_echo), netdemo's
# servers and, when installed, the peers (socat, ncat, nc, iperf3), then
# prints a markdown table of medians with a ratio to the reference.
#
# Assumes `make bench` built bench/ref_echo, bench/ndload and ./netdemo.
#   BENCH_QUICK=1   everything ~10x smaller (a 1-2 minute run)
#   BENCH_SCALE=N   divide the sizes by N (BENCH_QUICK=1 means 10)
#   BENCH_RUNS=N    runs per cell (3)
#   BENCH_SCALE_N="N ..."  the scale group's idle client counts
#                   (1000 5000 10000 18000, divided by BENCH_SCALE)
#   PEERS=1         apt-get install the peers first
#   BENCH_ONLY=RE   only the scenario groups RE matches (stream, pingpong,
#                   connrate, hold, scale, pipe, udp, mcast)
#   NETDEMO=PATH    the netdemo binary (../netdemo from here)
# Loopback only; every process started is stopped by PID on exit.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
ND=${NETDEMO:-$here/../netdemo}
LOAD=$here/ndload
REF=$here/ref_echo
RUNS=${BENCH_RUNS:-3}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	SCALE=${BENCH_SCALE:-10}
else
	SCALE=${BENCH_SCALE:-1}
fi
GROUP=239.255.0.77
STALL=10		# seconds without progress before a run fails
RUN_LIMIT=300		# seconds any one load run may take
CELL_BUDGET=60		# seconds for the runs of one table cell

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

[[ $SCALE =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCALE=$SCALE: not a positive integer"
[[ $RUNS =~ ^[1-9]$ ]] || die "BENCH_RUNS=$RUNS: not in 1-9"
for b in "$ND" "$LOAD" "$REF"; do
	[[ -x $b ]] || die "$b: not built (run make bench)"
done

if [[ ${PEERS:-0} == 1 ]]; then
	say "installing the peers"
	if [[ $(id -u) == 0 ]]; then sudo=(); else sudo=(sudo); fi
	pkgs=(socat ncat netcat-openbsd iperf3 jq)
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have no package lists yet: update, once.
	"${sudo[@]}" apt-get install -y -q --no-install-recommends \
	    "${pkgs[@]}" >&2 </dev/null ||
	    { "${sudo[@]}" apt-get update -q >&2 </dev/null &&
	    "${sudo[@]}" apt-get install -y -q --no-install-recommends \
	    "${pkgs[@]}" >&2 </dev/null; } ||
	    die "apt-get install failed"
fi
have() { command -v "$1" >/dev/null 2>&1; }
# nc -N is OpenBSD's netcat; the traditional one has no -N.
HAVE_NC=0
if have nc && nc -h 2>&1 | grep -q -- '-N'; then HAVE_NC=1; fi

# Sizes: the issue's, divided by SCALE.
sc() { local v=$(($1 / SCALE)); echo $((v < $2 ? $2 : v)); }
STREAM_BYTES=$(sc 1073741824 1048576)
PIPE_BYTES=$(sc 268435456 1048576)
PP1_ROUNDS=$(sc 20000 200)
PP100_ROUNDS=$(sc 1000 10)
PP1000_ROUNDS=$(sc 100 5)
CR_CONNS=$(sc 5000 100)
HOLD_CONNS=1100
# scale: N idle clients while SCALE_CONNS others ping-pong for SCALE_SECS.
# BENCH_SCALE_N="N ..." replaces the list (taken as is, not scaled).
SCALE_NS=()
if [[ -n ${BENCH_SCALE_N:-} ]]; then
	read -r -a SCALE_NS <<<"$BENCH_SCALE_N"
	for n in "${SCALE_NS[@]}"; do
		[[ $n =~ ^[1-9][0-9]*$ ]] ||
		    die "BENCH_SCALE_N=$BENCH_SCALE_N: not positive integers"
	done
else
	for n in 1000 5000 10000 18000; do SCALE_NS+=("$(sc "$n" 100)"); done
fi
SCALE_CONNS=50
SCALE_SECS=$((SCALE > 1 ? 2 : 10))
SCALE_OPEN=60		# seconds to open the N before giving up
DGRAMS=$(sc 200000 2000)
IPERF_SECS=$((SCALE > 1 ? 1 : 2))

# Descriptors for 1100 clients plus the server side, for every process;
# 18,000 + 50 for scale (netdemo inherits this limit; ndload and ref_echo
# also raise their own soft limit).
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=65536
ulimit -n "$hard" 2>/dev/null || say "cannot raise ulimit -n to $hard"

T=$(mktemp -d "${TMPDIR:-/tmp}/ndbench.XXXXXX") || die "mktemp failed"
pids=()
cleanup() {
	local p i
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for ((i = 0; i < 20; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start "$@" in the background, in its own process group so that a
# forking server's children go with it; sets SPID.
spawn() {
	local out=$1
	shift
	if have setsid; then
		setsid "$@" >"$out" 2>&1 </dev/null &
	else
		"$@" >"$out" 2>&1 </dev/null &
	fi
	SPID=$!
	pids+=("$SPID")
}

# Stop one process started by spawn (TERM, then KILL after 2 s).
stop() {
	local p=$1 i keep=()
	kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	for i in "${pids[@]}"; do
		[[ $i == "$p" ]] || keep+=("$i")
	done
	pids=("${keep[@]}")
}

# Wait up to 5 s for "listening on ...:PORT" in file; sets PORT.
wait_port() {
	local f=$1 p=$2 i
	for ((i = 0; i < 100; i++)); do
		PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$f" |
		    head -n 1)
		[[ -n $PORT ]] && return 0
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	say "no listening line from pid $p: $(tail -n 3 "$f")"
	return 1
}

# Is a TCP port in LISTEN state on this host (from /proc/net/tcp)?
listening() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -q "${hex}[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A port below the ephemeral range that nobody listens on; sets PORT.
free_port() {
	local i
	for ((i = 0; i < 50; i++)); do
		PORT=$((20000 + RANDOM % 12000))
		listening "$PORT" || return 0
	done
	die "no free port found"
}

# Start the echo server named $1; sets SPID and PORT.
start_server() {
	local name=$1 log=$T/server.log i
	case $name in
	ref)
		spawn "$log" "$REF" -p 0 ;;
	poll | select | epoll)
		spawn "$log" "$ND" tcp-serve -p 0 -q "--$name" ;;
	poll-report)
		spawn "$log" "$ND" tcp-serve -p 0 -q --poll --report 1 ;;
	plain)
		spawn "$log" "$ND" tcp-serve -p 0 -q ;;
	socat | ncat)
		free_port
		if [[ $name == socat ]]; then
			spawn "$log" socat \
			    "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" PIPE
		else
			spawn "$log" ncat -l -k 127.0.0.1 "$PORT" \
			    --exec /bin/cat
		fi
		for ((i = 0; i < 100; i++)); do
			listening "$PORT" && return 0
			kill -0 "$SPID" 2>/dev/null || break
			sleep 0.05
		done
		say "$name did not listen on $PORT: $(tail -n 3 "$log")"
		stop "$SPID"
		return 1 ;;
	esac
	wait_port "$log" "$SPID" || { stop "$SPID"; return 1; }
}

kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

median() {
	local n
	n=$#
	((n == 0)) && return
	printf '%s\n' "$@" | sort -g | sed -n "$(((n + 1) / 2))p"
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

# Table rows, in order, and each scenario's reference value.
rows=()
declare -A refval

# row SCENARIO WHO UNIT NOTE ISREF VALUES...: one table row.
row() {
	local scn=$1 who=$2 unit=$3 note=$4 isref=$5 med ratio=''
	shift 5
	med=$(median "$@")
	if [[ -z $med ]]; then
		rows+=("| $scn | $who | failed | $unit | | 0/$RUNS | $note |")
		return
	fi
	((isref)) && refval[$scn]=$med
	if [[ -n ${refval[$scn]:-} ]]; then
		ratio=$(awk -v v="$med" -v r="${refval[$scn]}" \
		    'BEGIN { if (r > 0) printf "%.2f×", v / r }')
	fi
	med=$(awk -v v="$med" 'BEGIN {
		if (v >= 1e9) printf "%.2f G", v / 1e9
		else if (v >= 1e6) printf "%.2f M", v / 1e6
		else if (v >= 1e4) printf "%.1f k", v / 1e3
		else printf "%.0f", v }')
	rows+=("| $scn | $who | $med | $unit | $ratio | $#/$RUNS | $note |")
}

name_of() {
	case $1 in
	ref) echo "ref_echo (reference)" ;;
	poll | select | epoll) echo "netdemo tcp-serve --$1" ;;
	poll-report) echo "netdemo tcp-serve --poll --report 1" ;;
	plain) echo "netdemo tcp-serve" ;;
	*) echo "$1" ;;
	esac
}

# tcp SCENARIO SERVER UNIT NDLOAD-ARGS...: RUNS runs against a fresh
# server; an argument __PID__ becomes the server's pid.
tcp() {
	local scn=$1 srv=$2 unit=$3 i a line note='' isref=0 t0 t1 slow=
	local vals=() p50=() p99=() args=()
	shift 3
	[[ $srv == ref ]] && isref=1
	say "$scn: $(name_of "$srv")"
	if ! start_server "$srv"; then
		row "$scn" "$(name_of "$srv")" "$unit" "did not start" "$isref"
		return
	fi
	for a in "$@"; do
		[[ $a == __PID__ ]] && a=$SPID
		args+=("$a")
	done
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		timeout "$RUN_LIMIT" "$LOAD" "${args[@]}" -p "$PORT" \
		    -t "$STALL" >"$T/load.out" 2>"$T/load.err"
		t1=$(elapsed "$t0" "$(now)")
		line=$(tail -n 1 "$T/load.out")
		if [[ $1 == hold ]]; then
			note="served $(kv served "$line")/$(kv conns "$line"), extra $(kv extra "$line"), $(kv procs "$line") process(es)"
		fi
		if [[ $(kv ok "$line") != 1 ]]; then
			note="run $((i + 1)) failed: $(head -c 150 "$T/load.err" |
			    tr '\n|' ' /') $note"
			break
		fi
		if [[ $1 == hold ]]; then
			vals+=("$(kv mem_kib "$line")")
		else
			vals+=("$(kv rate "$line")")
		fi
		if [[ $1 == pingpong ]]; then
			p50+=("$(kv p50_us "$line")")
			p99+=("$(kv p99_us "$line")")
		fi
		# A slow peer gets one run, so the whole stays in budget.
		if ((i + 1 < RUNS)) && awk -v t="$t1" -v b="$CELL_BUDGET" \
		    -v r="$RUNS" 'BEGIN { exit !(t > b / r) }'; then
			slow="; one run only: it took $(printf '%.0f' "$t1") s"
			break
		fi
	done
	if ((${#p50[@]} > 0)); then
		note="p50 $(median "${p50[@]}") µs, p99 $(median "${p99[@]}") µs"
	fi
	stop "$SPID"
	row "$scn" "$(name_of "$srv")" "$unit" "$note$slow" "$isref" "${vals[@]}"
}

# The servers a scenario runs against: reference, netdemo, peers.
peers=()
have socat && peers+=(socat)
have ncat && peers+=(ncat)

tcp_all() {
	local scn=$1 withplain=$2 unit=$3 s
	shift 3
	for s in ref poll select; do
		tcp "$scn" "$s" "$unit" "$@"
	done
	((withplain)) && tcp "$scn" plain "$unit" "$@"
	for s in "${peers[@]}"; do
		tcp "$scn" "$s" "$unit" "$@"
	done
}

# pipe CLIENT...: "$@" < file > out through ref_echo at PORT, timed.
pipe_rows() {
	local scn="pipe client $((PIPE_BYTES >> 20)) MiB" c i t0 t1 vals
	local in=$T/pipe.in out=$T/pipe.out note line cmd who
	say "$scn"
	head -c "$PIPE_BYTES" /dev/urandom >"$in" || die "cannot write $in"
	start_server ref || { row "$scn" "all" "B/s" "ref_echo did not start" 0; return; }
	vals=()
	for ((i = 0; i < RUNS; i++)); do
		line=$("$LOAD" stream -n "$PIPE_BYTES" -p "$PORT" -t "$STALL")
		[[ $(kv ok "$line") == 1 ]] || break
		vals+=("$(kv rate "$line")")
	done
	row "$scn" "ndload stream, in memory (reference)" "B/s" "" 1 "${vals[@]}"
	for c in netdemo nc socat; do
		case $c in
		netdemo) cmd=("$ND" tcp-connect -p "$PORT")
			who="netdemo tcp-connect" ;;
		nc) ((HAVE_NC)) || continue
			cmd=(nc -N 127.0.0.1 "$PORT")
			who="nc -N" ;;
		socat) have socat || continue
			cmd=(socat -t 5 - "TCP:127.0.0.1:$PORT")
			who="socat - TCP:…" ;;
		esac
		vals=()
		note=''
		for ((i = 0; i < RUNS; i++)); do
			rm -f "$out"
			t0=$(now)
			timeout 120 "${cmd[@]}" <"$in" >"$out" 2>"$T/pipe.err"
			t1=$(now)
			if ! cmp -s "$in" "$out"; then
				note="run $((i + 1)): output differs ($(wc -c <"$out") bytes) $(head -c 100 "$T/pipe.err")"
				break
			fi
			vals+=("$(awk -v n="$PIPE_BYTES" -v s="$(elapsed "$t0" "$t1")" \
			    'BEGIN { printf "%.6g", n / s }')")
		done
		row "$scn" "$who < file > out" "B/s" "$note" 0 "${vals[@]}"
	done
	stop "$SPID"
	rm -f "$in" "$out"
}

# Datagrams.  recv_start KIND SIZE GROUP: a receiver on port 0 that stops
# after DGRAMS or 1 s idle; sets RPID, PORT.  KIND: sink or netdemo.
recv_start() {
	local kind=$1 group=$2 g=()
	[[ -n $group ]] && g=(-g "$group")
	if [[ $kind == sink ]]; then
		spawn "$T/recv.log" "$LOAD" udpsink -p 0 "${g[@]}" -d 1 \
		    -n "$DGRAMS"
	elif [[ -n $group ]]; then
		spawn "$T/recv.log" "$ND" mcast-recv -p 0 "${g[@]}" -q --seq \
		    --stats -w 1 -c "$DGRAMS" "${RECV_EXTRA[@]}"
	else
		spawn "$T/recv.log" "$ND" udp-recv -p 0 -q --seq --stats -w 1 \
		    -c "$DGRAMS" "${RECV_EXTRA[@]}"
	fi
	RPID=$SPID
	wait_port "$T/recv.log" "$RPID"
}

# The receiver's result as "received lost" once it has exited.
recv_result() {
	local kind=$1 i line
	for ((i = 0; i < 300; i++)); do
		kill -0 "$RPID" 2>/dev/null || break
		sleep 0.05
	done
	stop "$RPID"
	if [[ $kind == sink ]]; then
		line=$(grep scenario= "$T/recv.log")
		[[ -n $line ]] && echo "$(kv received "$line") $(kv lost "$line")"
	else
		sed -n 's/.*summary: \([0-9]*\) received, \([0-9]*\) lost.*/\1 \2/p' \
		    "$T/recv.log"
	fi
}

# udp SCN WHO ISREF SENDER RECEIVER SIZE GROUP RATE [REPORT]: RUNS runs,
# delivered datagrams per second of the sender's time; loss in the note.
# REPORT: netdemo's sender and receiver run with --report 1.
udp() {
	local scn=$1 who=$2 isref=$3 snd=$4 rcv=$5 size=$6 group=$7 rate=$8
	RECV_EXTRA=()
	local send_extra=()
	case ${9:-} in
	report) RECV_EXTRA=(--report 1); send_extra=(--report 1) ;;
	nobatch) RECV_EXTRA=(--no-batch); send_extra=(--no-batch) ;;
	esac
	local i secs res vals=() lost=() g=() cmd note='' sendmode=udp-send
	[[ -n $group ]] && { g=(-g "$group"); sendmode=mcast-send; }
	say "$scn: $who"
	for ((i = 0; i < RUNS; i++)); do
		recv_start "$rcv" "$group" || { note="receiver did not start"; break; }
		if [[ $snd == blast ]]; then
			cmd=("$LOAD" udpblast -p "$PORT" "${g[@]}" -s "$size" -n "$DGRAMS")
			[[ -n $rate ]] && cmd+=(-r "$rate")
		else
			cmd=("$ND" "$sendmode" -p "$PORT" "${g[@]}" -q --seq --stats -s "$size"
			    -c "$DGRAMS" -f json "${send_extra[@]}")
			if [[ -n $rate ]]; then
				cmd+=(-r "$(printf '%.0f' "$rate")/s")
			else
				cmd+=(-i 0)
			fi
		fi
		# The send loop's own time: both senders report it.
		"${cmd[@]}" >"$T/send.out" 2>"$T/send.err"
		if [[ $snd == blast ]]; then
			secs=$(kv secs "$(cat "$T/send.out")")
		else
			# The json summary's active period, first send to last.
			secs=$(sed -n 's/.*"event":"summary".*"duration_s":\([0-9.]*\),.*/\1/p' \
			    "$T/send.out")
		fi
		res=$(recv_result "$rcv")
		if [[ -z $res || -z $secs ]]; then
			note="run $((i + 1)): no result: $(tail -n 2 "$T/recv.log" "$T/send.err" | tr '\n|' ' /')"
			break
		fi
		vals+=("$(awk -v n="${res% *}" -v s="$secs" \
		    'BEGIN { if (s > 0) printf "%.6g", n / s }')")
		lost+=("${res#* }")
	done
	((${#lost[@]})) && note="lost $(IFS=/; echo "${lost[*]}") of $DGRAMS $note"
	if [[ -n $rate ]]; then
		note="paced at $(printf '%.0f' "$rate")/s, $note"
		for i in "${lost[@]}"; do
			((i == 0)) || note="$note **LOSS**"
		done
	fi
	row "$scn" "$who" "dgram/s" "$note" "$isref" "${vals[@]}"
}

iperf_row() {
	local scn=$1 size=$2 i line vals=() note='' ipid pk ls secs
	say "$scn: iperf3"
	have iperf3 && have jq || return 0
	for ((i = 0; i < RUNS; i++)); do
		free_port
		spawn "$T/iperf.log" iperf3 -s -B 127.0.0.1 -p "$PORT"
		ipid=$SPID
		wait_listen_tcp "$PORT" "$ipid" || { stop "$ipid"; note="server did not start"; break; }
		if ! line=$(timeout 30 iperf3 -c 127.0.0.1 -p "$PORT" -u -b 0 \
		    -l "$size" -t "$IPERF_SECS" -J 2>"$T/iperf.err" |
		    jq -r '.end.sum | "\(.packets) \(.lost_packets) \(.seconds)"'); then
			note="iperf3 failed: $(head -c 100 "$T/iperf.err")"
			stop "$ipid"
			break
		fi
		stop "$ipid"
		read -r pk ls secs <<<"$line"
		vals+=("$(awk -v p="$pk" -v l="$ls" -v s="$secs" \
		    'BEGIN { if (s > 0) printf "%.6g", (p - l) / s }')")
		note="lost $ls of $pk"
	done
	row "$scn" "iperf3 -u -b 0 -l $size" "dgram/s" "$note" 0 "${vals[@]}"
}

wait_listen_tcp() {
	local i
	for ((i = 0; i < 100; i++)); do
		listening "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

udp_all() {
	local size=$1 group=$2 kind=UDP scn ref80
	[[ -n $group ]] && kind="multicast $group via 127.0.0.1,"
	scn="$kind $size B"
	udp "$scn" "udpblast → udpsink (reference)" 1 blast sink "$size" "$group" ""
	udp "$scn" "netdemo send → udpsink" 0 nd sink "$size" "$group" ""
	udp "$scn" "udpblast → netdemo recv" 0 blast nd "$size" "$group" ""
	udp "$scn" "netdemo send → netdemo recv" 0 nd nd "$size" "$group" ""
	udp "$scn" "netdemo send → netdemo recv, --report 1 both" 0 nd nd \
	    "$size" "$group" "" report
	udp "$scn" "netdemo send → netdemo recv, --no-batch both" 0 nd nd \
	    "$size" "$group" "" nobatch
	[[ -z $group ]] && iperf_row "$scn" "$size"
	ref80=${refval[$scn]:-}
	[[ -n $ref80 ]] || return 0
	ref80=$(awk -v r="$ref80" 'BEGIN { printf "%.0f", r * 0.8 }')
	scn="$kind $size B, paced at 80%"
	udp "$scn" "udpblast → udpsink (reference)" 1 blast sink "$size" "$group" "$ref80"
	udp "$scn" "netdemo send → netdemo recv" 0 nd nd "$size" "$group" "$ref80"
}

# The scale group: N idle clients held open while SCALE_CONNS others do
# 64-byte ping-pong for SCALE_SECS (ndload scale).  A fresh server for
# every run, so that its PSS before the N is its own; the servers take
# turns (ref, poll, select, epoll, ref, ...) so that a noisy minute on a
# shared machine falls on all of them.  The open time is compared with the
# reference's at the same N, the CPU per exchange with the same server's
# at the smallest N (flat is the goal).
declare -A scale_open scale_cpu
# Per server, for the N at hand: space-separated values of each run.
declare -A sc_rate sc_open sc_served sc_p99 sc_cpu sc_pct sc_pss sc_all \
    sc_note sc_done

# scale_run N SERVER RUN: one run; false when this server runs no more.
scale_run() {
	local n=$1 srv=$2 i=$3 line t0 t1 err
	say "scale: $n idle, run $((i + 1)): $(name_of "$srv")"
	if ! start_server "$srv"; then
		sc_note[$srv]+="; run $((i + 1)): server did not start"
		return 1
	fi
	t0=$(now)
	timeout "$RUN_LIMIT" "$LOAD" scale -p "$PORT" -n "$n" \
	    -c "$SCALE_CONNS" -s 64 -d "$SCALE_SECS" -w "$SCALE_OPEN" \
	    -t "$STALL" -P "$SPID" >"$T/load.out" 2>"$T/load.err"
	t1=$(elapsed "$t0" "$(now)")
	stop "$SPID"
	line=$(tail -n 1 "$T/load.out")
	if [[ $(kv ok "$line") != 1 ]]; then
		err=$(head -c 150 "$T/load.err" | tr '\n|' ' /')
		sc_note[$srv]+="; run $((i + 1)) failed: $err"
		return 1
	fi
	sc_rate[$srv]+=" $(kv rate "$line")"
	sc_open[$srv]+=" $(kv open_s "$line")"
	sc_served[$srv]+=" $(kv served "$line")"
	sc_p99[$srv]+=" $(kv p99_us "$line")"
	sc_cpu[$srv]+=" $(kv cpu_us_per_exch "$line")"
	sc_pct[$srv]+=" $(kv cpu_pct "$line")"
	sc_pss[$srv]+=" $(kv pss_b_per_idle "$line")"
	[[ $(kv all "$line") == 1 ]] || sc_all[$srv]=0
	(($(kv opened "$line") + $(kv refused "$line") < n)) &&
	    sc_note[$srv]+="; run $((i + 1)) gave up opening after $(kv open_s "$line") s"
	# A slow server gets one run, so the whole stays in budget.
	if ((i + 1 < RUNS)) && awk -v t="$t1" -v b="$CELL_BUDGET" \
	    -v r="$RUNS" 'BEGIN { exit !(t > b / r) }'; then
		sc_note[$srv]+="; one run only: it took $(printf '%.0f' "$t1") s"
		return 1
	fi
	return 0
}

# scale_row N SERVER: the row of what scale_run gathered.
scale_row() {
	local n=$1 srv=$2 scn isref=0 note='' m r
	local vals=() open=() served=() p99=() cpu=() pct=() pss=()
	scn="scale: $n idle + $SCALE_CONNS × 64 B ping-pong, ${SCALE_SECS} s"
	[[ $srv == ref ]] && isref=1
	read -r -a vals <<<"${sc_rate[$srv]:-}"
	if ((${#vals[@]} > 0)); then
		read -r -a open <<<"${sc_open[$srv]}"
		read -r -a served <<<"${sc_served[$srv]}"
		read -r -a p99 <<<"${sc_p99[$srv]}"
		read -r -a cpu <<<"${sc_cpu[$srv]}"
		read -r -a pct <<<"${sc_pct[$srv]}"
		read -r -a pss <<<"${sc_pss[$srv]}"
		m=$(median "${open[@]}")
		((isref)) && scale_open[$n]=$m
		r=$(awk -v v="$m" -v b="${scale_open[$n]:-0}" -v me="$isref" \
		    'BEGIN { if (b > 0 && !me) printf " (%.2f× ref)", v / b }')
		note="open $(printf '%.3f' "$m") s$r, served $(median "${served[@]}")/$n"
		[[ ${sc_all[$srv]:-1} == 1 ]] || note="$note **not all served**"
		# Its fds past FD_SETSIZE are turned away (with stdio, the
		# listener, the signal pipe and a spare: ~8 more).
		[[ $srv == select ]] && ((n + SCALE_CONNS + 8 > 1024)) &&
		    note="$note (select: $n + $SCALE_CONNS clients do not fit in FD_SETSIZE 1024)"
		note="$note, p99 $(median "${p99[@]}") µs"
		m=$(median "${cpu[@]}")
		[[ -z ${scale_cpu[$srv]:-} ]] && scale_cpu[$srv]=$m
		r=$(awk -v v="$m" -v b="${scale_cpu[$srv]}" -v n0="${SCALE_NS[0]}" \
		    -v n="$n" 'BEGIN { if (b > 0 && n != n0)
			printf " (%.2f× at %d)", v / b, n0 }')
		note="$note, CPU $(printf '%.2f' "$m") µs/exch$r"
		note="$note, busy $(median "${pct[@]}") %"
		note="$note, PSS +$(median "${pss[@]}") B/idle client"
	fi
	note="$note${sc_note[$srv]:-}"
	row "$scn" "$(name_of "$srv")" "exch/s" "${note#; }" "$isref" \
	    "${vals[@]}"
}

scale_all() {
	local n range lo hi i srv srvs
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	range=$((hi - lo + 1))
	# ndload opens 4096 idle clients per source address (127.0.0.1, .2,
	# ...), plus the ping-pong ones on the first.
	((range >= 4096 + SCALE_CONNS + 64)) ||
	    say "scale: local port range $lo-$hi ($range ports) is short" \
		"of the $((4096 + SCALE_CONNS + 64)) per source address" \
		"ndload needs: connections will fail"
	SCALE_PORTS="$lo-$hi ($range ports)"
	for n in "${SCALE_NS[@]}"; do
		srvs=(ref poll)
		# select at the smallest N only (FD_SETSIZE 1024 fds at most).
		[[ $n == "${SCALE_NS[0]}" ]] && ((n <= 1000)) && srvs+=(select)
		srvs+=(epoll)
		sc_rate=() sc_open=() sc_served=() sc_p99=() sc_cpu=()
		sc_pct=() sc_pss=() sc_all=() sc_note=() sc_done=()
		if ((n + SCALE_CONNS + 32 > hard)); then
			for srv in "${srvs[@]}"; do
				sc_note[$srv]="skipped: ulimit -n $hard < $((n + SCALE_CONNS + 32))"
				scale_row "$n" "$srv"
			done
			continue
		fi
		for ((i = 0; i < RUNS; i++)); do
			for srv in "${srvs[@]}"; do
				[[ -n ${sc_done[$srv]:-} ]] && continue
				scale_run "$n" "$srv" "$i" || sc_done[$srv]=1
			done
		done
		for srv in "${srvs[@]}"; do
			scale_row "$n" "$srv"
		done
	done
}

# The run.
say "sizes: stream $STREAM_BYTES B, pipe $PIPE_BYTES B, ping-pong rounds" \
    "$PP1_ROUNDS/$PP100_ROUNDS/$PP1000_ROUNDS, $CR_CONNS short connections," \
    "$HOLD_CONNS held, ${SCALE_NS[*]} idle for scale, $DGRAMS datagrams;" \
    "$RUNS runs each"
# BENCH_ONLY=REGEX runs only the groups it matches: stream, pingpong,
# connrate, hold, scale, pipe, udp, mcast.
only() { [[ -z ${BENCH_ONLY:-} || $1 =~ $BENCH_ONLY ]]; }
start=$(now)
if only stream; then
	tcp_all "stream $((STREAM_BYTES >> 20)) MiB" 1 "B/s" stream -n "$STREAM_BYTES"
	tcp "stream $((STREAM_BYTES >> 20)) MiB" poll-report "B/s" stream -n "$STREAM_BYTES"
fi
if only pingpong; then
	tcp_all "ping-pong 64 B × 1 conn" 0 "exch/s" pingpong -c 1 -r "$PP1_ROUNDS" -s 64
	tcp_all "ping-pong 64 B × 100 conns" 0 "exch/s" pingpong -c 100 -r "$PP100_ROUNDS" -s 64
	tcp_all "ping-pong 64 B × 1000 conns" 0 "exch/s" pingpong -c 1000 -r "$PP1000_ROUNDS" -s 64
fi
if only connrate; then
	tcp_all "short connections, concurrency 1" 1 "conn/s" connrate -n "$CR_CONNS" -c 1
	tcp_all "short connections, concurrency 32" 0 "conn/s" connrate -n "$CR_CONNS" -c 32
fi
if only hold; then
	for s in ref poll "${peers[@]}"; do
		tcp "hold $HOLD_CONNS idle clients" "$s" "KiB PSS, less is better" \
		    hold -n "$HOLD_CONNS" -P __PID__
	done
fi
SCALE_PORTS=
only scale && scale_all
only pipe && pipe_rows
for size in 64 1400; do
	only udp && udp_all "$size" ""
	only mcast && udp_all "$size" "$GROUP"
done
total=$(elapsed "$start" "$(now)")

echo "## netdemo benchmark ($(date -u +%Y-%m-%d))"
echo
echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"
echo "- netdemo $("$ND" --version 2>&1 | head -n 1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $RUNS runs per cell, medians; scale 1/$SCALE; run took $(printf '%.0f' "$total") s"
echo "- peers found: ${peers[*]:-none}$( ((HAVE_NC)) && echo ' nc')$(have iperf3 && echo ' iperf3')"
[[ -n $SCALE_PORTS ]] &&
    echo "- scale: ${SCALE_NS[*]} idle clients (4096 per loopback source address), $SCALE_CONNS × 64 B ping-pong for $SCALE_SECS s, opening given up after $SCALE_OPEN s; ulimit -n $hard; local ports $SCALE_PORTS; a fresh server per run"
echo
echo "| scenario | implementation | median | unit | ratio | runs ok | notes |"
echo "|---|---|---:|---|---:|---|---|"
printf '%s\n' "${rows[@]}"
