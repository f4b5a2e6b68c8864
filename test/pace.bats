#!/usr/bin/env bats
# pace.bats: the measuring instrument.  --rate (datagrams/s and bits/s,
# against what receivers count), even pacing, -t/--duration and its exit
# statuses, size suffixes (-s, -b), the usage errors of --rate and of the
# sizes, and --report interval records (udp, multicast and tcp, text and
# json) with the summary after them.  Counts are checked against ground
# truth the test makes: datagrams sent at a known rate for a known time
# (timed here), a known number of bytes, datagrams of a known size.

load helpers
load dgram_helpers

# within GOT WANT PCT: GOT is within PCT percent of WANT.
within() {
	awk -v g="$1" -v w="$2" -v p="$3" \
	    'BEGIN { exit !(g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }' &&
	    return 0
	echo "$1 is not within $3% of $2" >&2
	return 1
}

# between GOT LO HI: LO <= GOT <= HI (numbers, not only integers).
between() {
	awk -v g="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(g >= l && g <= h) }' &&
	    return 0
	echo "$1 is not in [$2, $3]" >&2
	return 1
}

# wait_end PID: wait at most 15 s for PID to end, looking every 10 ms; set
# END_NS to the time it was seen gone (date +%s%N) and return its status
# (124 after killing it).
wait_end() {
	local pid=$1 i
	for ((i = 0; i < 1500; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			END_NS=$(date +%s%N)
			wait "$pid"
			return
		fi
		sleep 0.01
	done
	kill -s KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

# summary FILE KEY: KEY of the summary object of json FILE.
summary() {
	jq -r --arg k "$2" 'select(.event == "summary") | .[$k]' "$1"
}

# only_records FILE: json FILE holds report objects and one summary, the
# summary last, and nothing else.
only_records() {
	local other
	other=$(jq -c 'select(.event != "report" and .event != "summary")' "$1")
	if [ -n "$other" ]; then
		echo "not a record or the summary in $1: $other" >&2
		return 1
	fi
	[ "$(jq -r 'select(.event == "summary") | .event' "$1" | wc -l)" -eq 1 ]
	tail -n 1 "$1" | jq -e '.event == "summary"' >/dev/null
}

# contiguous FILE: the report objects of json FILE, taken in order (for
# each peer), start where the last ended (within 0.01 s), the first at 0.
contiguous() {
	jq -s -e 'map(select(.event == "report")) | group_by(.peer) |
	    all(.[0].start_s == 0 and
	        ([range(1; length) as $i | .[$i].start_s - .[$i - 1].end_s |
	          fabs <= 0.01] | all))' "$1" >/dev/null && return 0
	echo "records of $1 do not follow each other:" >&2
	jq -c 'select(.event == "report") | [.peer, .start_s, .end_s]' "$1" >&2
	return 1
}

# rate_ok FILE RATE SLACK: each report of json FILE but the first and the
# last of its peer (the flow was sending all through it) has RATE times the
# interval's length messages, +- SLACK; there are two such at least.
rate_ok() {
	jq -s -e --argjson r "$2" --argjson d "$3" '
	    map(select(.event == "report")) | group_by(.peer) |
	    map(.[1:-1]) | add // [] |
	    length >= 2 and all(.messages - $r * (.end_s - .start_s) | fabs <= $d)' \
	    "$1" >/dev/null && return 0
	echo "intervals of $1 are not $2 msg/s (+- $3 msg):" >&2
	jq -c 'select(.event == "report") | [.peer, .start_s, .end_s, .messages]' \
	    "$1" >&2
	return 1
}

# report_sum FILE KEY: the sum of KEY over the report objects of FILE.
report_sum() {
	jq -s --arg k "$2" 'map(select(.event == "report") | .[$k]) | add' "$1"
}

@test "--rate 1k/s, 10k/s, 50k/s for -t 5: the receivers count rate x 5 (+-2%)" {
	local rates=(1000 10000 50000) spell=(1k/s 10k/s 50k/s) rp=() ports=()
	local sp=() i st t0 ms n
	for i in 0 1 2; do
		start_listener "recv$i" "$ND" udp-recv -q -f json --stats -w 1 \
		    --port 0
		rp+=("$L_PID")
		ports+=("$L_PORT")
	done
	t0=$(date +%s%N)
	for i in 0 1 2; do
		start_bg "send$i" "$ND" udp-send -p "${ports[i]}" \
		    --rate "${spell[i]}" -t 5 -q
		sp+=("$BG_PID")
	done
	for i in 0 1 2; do
		st=0
		wait_end "${sp[i]}" || st=$?
		ms=$(((END_NS - t0) / 1000000))
		echo "sender ${spell[i]}: status $st after $ms ms" >&2
		[ "$st" -eq 0 ]
		between "$ms" 4990 5400
	done
	for i in 0 1 2; do
		expect_exit 0 "${rp[i]}" 50
		n=$(summary "$T/recv$i.out" messages)
		echo "${spell[i]}: received $n" >&2
		within "$n" $((rates[i] * 5)) 2
		within "$(summary "$T/recv$i.out" messages_per_s)" "${rates[i]}" 2
	done
}

# Bit rates count the UDP payload: 8M of 1000-byte datagrams is 1000/s;
# with --seq the 31-byte header counts, so the receiver's byte count (the
# header included) is the rate.  Other spellings ride along.
@test "--rate in bits/s and other spellings: what the receivers count over -t 3" {
	local names=(8M 10Mbit 100000 seq400k 2.5k 5kpps) i st t0 ms n b
	local -a args=(
	    "--rate 8M -s 1000"
	    "--rate 10Mbit/s -s 1250"
	    "--rate 100000 -s 125"
	    "--rate 400k --seq"
	    "--rate 2.5k/s"
	    "-r 5kpps"
	)
	# datagrams per second, or (seq400k) bytes per second
	local want=(1000 1000 100 50000 2500 5000) rp=() ports=() sp=()
	for i in "${!names[@]}"; do
		start_listener "recv$i" "$ND" udp-recv -q -f json --stats -w 1 \
		    --port 0
		rp+=("$L_PID")
		ports+=("$L_PORT")
	done
	t0=$(date +%s%N)
	for i in "${!names[@]}"; do
		# shellcheck disable=SC2086 # the arguments split on purpose
		start_bg "send$i" "$ND" udp-send -p "${ports[i]}" ${args[i]} -t 3 -q
		sp+=("$BG_PID")
	done
	for i in "${!names[@]}"; do
		st=0
		wait_end "${sp[i]}" || st=$?
		ms=$(((END_NS - t0) / 1000000))
		echo "sender ${args[i]}: status $st after $ms ms" >&2
		[ "$st" -eq 0 ]
		between "$ms" 2990 3400
	done
	for i in "${!names[@]}"; do
		expect_exit 0 "${rp[i]}" 50
		n=$(summary "$T/recv$i.out" messages)
		b=$(summary "$T/recv$i.out" bytes)
		echo "${args[i]}: received $n datagrams, $b bytes" >&2
		if [ "${names[i]}" = seq400k ]; then
			within "$b" $((want[i] * 3)) 2
		else
			within "$n" $((want[i] * 3)) 2
		fi
	done
	# The sizes asked for are the sizes sent.
	[ "$(summary "$T/recv0.out" bytes)" -eq \
	    $(($(summary "$T/recv0.out" messages) * 1000)) ]
	[ "$(summary "$T/recv2.out" bytes)" -eq \
	    $(($(summary "$T/recv2.out" messages) * 125)) ]
}

# A burst is datagrams sent before their time.  The kernel stamps each
# datagram as it arrives (pace_stamps.py), which on loopback is when it was
# sent.  Slot i is i x 10 ms after a start, the median of (arrival - i x 10
# ms): no datagram but the first may come 2.5 ms or more before its slot.
# A late one is no burst: this machine's timers wake up late now and then
# (a python sender too), and a sender that was not scheduled for a while
# catches up, by design (absolute deadlines: the rate does not drift); so
# gaps between arrivals, which such a catch-up shortens, are not checked.
@test "--rate 100/s: no datagram before its 10 ms slot, the median gap 10 ms" {
	start_listener stamps "$PYTHON" "$ND_TOOLS/pace_stamps.py" 1000 1
	run timeout 10 "$ND" udp-send -p "$L_PORT" --rate 100/s -t 2 -q
	[ "$status" -eq 0 ]
	expect_exit 0 "$L_PID" 50
	local f=$L_OUT
	between "$(wc -l <"$f")" 199 201
	# how early the earliest datagram after the first is, in us
	jq -s -c '. as $t | [range(0; length) as $i | $t[$i] - $i * 10000] |
	    (sort | .[length / 2 | floor]) as $m | map(. - $m) |
	    {first: .[0], early: (.[1:] | min), late: max, over_2ms:
	    map(select(fabs > 2000)) | length}' "$f" >&2
	between "$(jq -s '. as $t | [range(0; length) as $i |
	    $t[$i] - $i * 10000] | (sort | .[length / 2 | floor]) as $m |
	    .[1:] | map(. - $m) | min' "$f")" -2500 1e9
	between "$(jq -s '[range(1; length) as $i | .[$i] - .[$i - 1]] |
	    sort | .[length / 2 | floor]' "$f")" 9500 10500
}

@test "-t 1 -i 0.1: udp-send sends 10 datagrams and exits 0 after 1 s" {
	start_server udp-recv -q -f json --stats -w 1
	local t0 ms
	t0=$(date +%s%N)
	run --separate-stderr timeout 5 "$ND" udp-send -p "$PORT" -t 1 -i 0.1 -q
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "status $status after $ms ms; stderr: $stderr" >&2
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	between "$ms" 990 1500
	expect_exit 0 "$SERVER_PID" 50
	between "$(summary "$SERVER_OUT" messages)" 10 11
}

@test "-t 0.5 -c 1000 -i 0.01: udp-send exits 3, 'N of 1000 datagrams sent', N what arrived" {
	start_server udp-recv -q -f json --stats -w 1
	local t0 ms n
	t0=$(date +%s%N)
	run --separate-stderr timeout 5 "$ND" udp-send -p "$PORT" -t 0.5 \
	    -c 1000 -i 0.01 -q
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "status $status after $ms ms; stderr: $stderr" >&2
	[ "$status" -eq 3 ]
	between "$ms" 490 1000
	expect_exit 0 "$SERVER_PID" 50
	n=$(summary "$SERVER_OUT" messages)
	between "$n" 48 51
	[ "${stderr_lines[-1]}" = \
	    "netdemo: udp-send: $n of 1000 datagrams sent in --duration 0.5 s" ]
}

@test "udp-recv -t 0.5 with nothing sent: exit 3, 'nothing received'" {
	local t0 ms
	t0=$(date +%s%N)
	run --separate-stderr timeout 5 "$ND" udp-recv --port 0 -t 0.5
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "status $status after $ms ms; stderr: $stderr" >&2
	[ "$status" -eq 3 ]
	between "$ms" 490 1000
	[ -z "$output" ]
	[ "${stderr_lines[-1]}" = \
	    'netdemo: udp-recv: nothing received in --duration 0.5 s' ]
}

@test "udp-recv -t 1 -c 100 with 5 sent: exit 3, '5 of 100 datagrams received'" {
	start_server udp-recv -t 1 -c 100 -q
	printf 'datagram' >"$T/d"
	dg_send 127.0.0.1 "$PORT" "$T/d" "$T/d" "$T/d" "$T/d" "$T/d"
	expect_exit 3 "$SERVER_PID" 30
	[ "$(tail -n 1 "$SERVER_ERR")" = \
	    'netdemo: udp-recv: 5 of 100 datagrams received in --duration 1 s' ]
}

@test "mcast-recv -t: '5 of 100 datagrams received' exits 3; something received and no -c exits 0" {
	start_server mcast-recv -t 1 -c 100 -q
	local pid=$SERVER_PID err=$SERVER_ERR port1=$PORT
	start_server mcast-recv -t 0.5 -q
	run timeout 5 "$ND" mcast-send -p "$PORT" -c 5 -i 0 -q
	[ "$status" -eq 0 ]
	run timeout 5 "$ND" mcast-send -p "$port1" -c 5 -i 0 -q
	[ "$status" -eq 0 ]
	expect_exit 0 "$SERVER_PID" 30
	expect_exit 3 "$pid" 30
	[ "$(tail -n 1 "$err")" = \
	    'netdemo: mcast-recv: 5 of 100 datagrams received in --duration 1 s' ]
}

# Standard input stays open (a fifo with a writer): only -t ends the run.
@test "tcp-connect -t 0.5 with stdin open: exit 0 after 0.5 s; -c 3 and one echo: '1 of 3 reads', exit 3" {
	start_server tcp-serve --poll -t 5
	mkfifo "$T/in"
	exec 4<>"$T/in"
	local t0 ms
	t0=$(date +%s%N)
	run --separate-stderr timeout 5 "$ND" tcp-connect -p "$PORT" -t 0.5 \
	    <"$T/in"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "status $status after $ms ms; stderr: $stderr" >&2
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	between "$ms" 490 1000
	printf 'hello\n' >&4
	run --separate-stderr timeout 5 "$ND" tcp-connect -p "$PORT" -t 0.5 \
	    -c 3 <"$T/in"
	exec 4>&-
	echo "status $status; stderr: $stderr" >&2
	[ "$status" -eq 3 ]
	[ "$output" = hello ]
	[ "${stderr_lines[-1]}" = \
	    'netdemo: tcp-connect: 1 of 3 reads in --duration 0.5 s' ]
}

@test "tcp-serve -t 0.5 -c 2 and no client: exit 3, '0 of 2 clients served'; -t 0.5 alone: exit 0" {
	local t0 ms
	t0=$(date +%s%N)
	start_server tcp-serve -t 0.5 -c 2
	expect_exit 3 "$SERVER_PID" 30
	[ "$(tail -n 1 "$SERVER_ERR")" = \
	    'netdemo: tcp-serve: 0 of 2 clients served in --duration 0.5 s' ]
	start_server tcp-serve -t 0.5
	expect_exit 0 "$SERVER_PID" 30
	ms=$((($(date +%s%N) - t0) / 1000000))
	between "$ms" 990 3000
	[ "$(wc -l <"$SERVER_ERR")" -eq 1 ]
}

@test "-s 1k is 1000 bytes, -s 1Ki 1024; -b 1k truncates a 1500-byte datagram to 1000" {
	start_server udp-recv -f json -c 2 -w 5
	run timeout 5 "$ND" udp-send -p "$PORT" -s 1k -c 1 -q
	[ "$status" -eq 0 ]
	run timeout 5 "$ND" udp-send -p "$PORT" -s 1Ki -c 1 -q
	[ "$status" -eq 0 ]
	expect_exit 0 "$SERVER_PID" 50
	[ "$(jq -r '.len' "$SERVER_OUT" | tr '\n' ' ')" = '1000 1024 ' ]
	[ "$(jq -r '.truncated' "$SERVER_OUT" | tr '\n' ' ')" = 'null null ' ]
	# The datagram comes from python, not from netdemo's -s.
	start_server udp-recv -f json -b 1k -c 1 -w 5
	head -c 1500 /dev/zero | tr '\0' 'x' >"$T/d1500"
	dg_send 127.0.0.1 "$PORT" "$T/d1500"
	expect_exit 0 "$SERVER_PID" 50
	jq -e '.len == 1000 and .truncated == true and .orig_len == 1500 and
	    .data == ("x" * 1000)' "$SERVER_OUT"
	# 64KiB is 65536: a 65000-byte datagram fits; 64k (64000) cuts it.
	head -c 65000 /dev/zero | tr '\0' 'y' >"$T/d65000"
	start_server udp-recv -f json -b 64KiB -c 1 -w 5
	local whole=$SERVER_OUT whole_pid=$SERVER_PID whole_port=$PORT
	start_server udp-recv -f json -b 64k -c 1 -w 5
	dg_send 127.0.0.1 "$PORT" "$T/d65000"
	dg_send 127.0.0.1 "$whole_port" "$T/d65000"
	expect_exit 0 "$whole_pid" 50
	expect_exit 0 "$SERVER_PID" 50
	jq -e '.len == 65000 and .truncated == null' "$whole"
	jq -e '.len == 64000 and .truncated == true and .orig_len == 65000' \
	    "$SERVER_OUT"
}

@test "size usage errors: -s 1.5, -s 70k, -s 64Kib, -b 1x, -b 0" {
	usage_error 'netdemo: udp-send: --size 1.5: not a whole number of bytes' \
	    udp-send -s 1.5 -c 1
	usage_error 'netdemo: udp-send: --size 70k: out of range 0-65507' \
	    udp-send -s 70k -c 1
	usage_error 'netdemo: udp-send: --size 64Kib: not a size' \
	    udp-send -s 64Kib -c 1
	usage_error 'netdemo: udp-recv: --bufsize 1x: not a size' \
	    udp-recv -b 1x
	usage_error 'netdemo: udp-recv: --bufsize 0: out of range 1-16777216' \
	    udp-recv -b 0
	usage_error 'netdemo: tcp-serve: --bufsize 1x: not a size' \
	    tcp-serve -b 1x
}

@test "--rate usage errors: 0, abc, 1e309, 10MB/s, with -i, on udp-recv" {
	local ex='(datagrams: 5000/s, 5kpps; bits: 10M, 1.5G)'
	usage_error "netdemo: udp-send: --rate 0: out of range $ex" \
	    udp-send --rate 0 -c 1
	usage_error "netdemo: udp-send: --rate abc: not a rate $ex" \
	    udp-send --rate abc -c 1
	usage_error "netdemo: udp-send: --rate 1e309: not a rate $ex" \
	    udp-send --rate 1e309 -c 1
	usage_error "netdemo: udp-send: --rate 10MB/s: not a rate $ex" \
	    udp-send --rate 10MB/s -c 1
	usage_error "netdemo: mcast-send: --rate -5k/s: not a rate $ex" \
	    mcast-send -r -5k/s -c 1
	usage_error 'netdemo: udp-send: --rate 0.0000001/s: out of range (slower than a datagram in 10^6 s)' \
	    udp-send --rate 0.0000001/s -c 1
	usage_error 'netdemo: udp-send: -i and -r: choose one' \
	    udp-send -i 1 --rate 5k/s -c 1
	usage_error 'netdemo: mcast-send: -i and -r: choose one' \
	    mcast-send -r 5k/s -i 1 -c 1
	usage_error 'netdemo: udp-recv: --rate: not an option of udp-recv' \
	    udp-recv --rate 5k/s
	usage_error 'netdemo: tcp-connect: --rate: not an option of tcp-connect' \
	    tcp-connect --rate 5k/s
}

# An "out of range A-B" message names the values the option takes: A and
# B themselves are taken.  (--report's least is 0.01: see the man page.)
@test "an 'out of range A-B' usage error: A and B are accepted (--size, --bufsize, --report)" {
	local opt bad mode lo hi
	for opt in '--size 70000 udp-send' '--bufsize 0 udp-recv' \
	    '--report 0 udp-recv' '--report 2000000 udp-send'; do
		read -r opt bad mode <<<"$opt"
		run --separate-stderr timeout 5 "$ND" "$mode" "$opt" "$bad" \
		    --help
		echo "$mode $opt $bad: status $status, $stderr" >&2
		[ "$status" -eq 2 ]
		[[ $stderr =~ out\ of\ range\ ([0-9.]+)-([0-9.]+)$ ]]
		lo=${BASH_REMATCH[1]}
		hi=${BASH_REMATCH[2]}
		# the ends of the range are not usage errors
		run --separate-stderr timeout 5 "$ND" "$mode" "$opt" "$lo" \
		    --help
		echo "$mode $opt $lo: status $status, $stderr" >&2
		[ "$status" -eq 0 ]
		run --separate-stderr timeout 5 "$ND" "$mode" "$opt" "$hi" \
		    --help
		echo "$mode $opt $hi: status $status, $stderr" >&2
		[ "$status" -eq 0 ]
	done
}

# One sender, one receiver, each report a second: the first interval starts
# with the receiver, before the sender; the sender stops at 3.2 s of its
# own, inside the receiver's fourth interval.  The same run in text beside
# it.
@test "udp-recv --report 1 (--seq): contiguous intervals from 0, rate x length in each, the sum is what was sent; text in columns" {
	start_listener rj "$ND" udp-recv --seq -q -f json --report 1 -t 4 \
	    --port 0
	local jpid=$L_PID jport=$L_PORT
	start_listener rt "$ND" udp-recv --seq -q --report 1 -t 4 --port 0
	local tpid=$L_PID tport=$L_PORT
	start_bg sj "$ND" udp-send -p "$jport" --rate 1k/s -t 3.2 --seq -q \
	    --stats -f json
	local sj=$BG_PID
	start_bg st "$ND" udp-send -p "$tport" --rate 1k/s -t 3.2 --seq -q \
	    --stats
	local stp=$BG_PID
	expect_exit 0 "$sj" 60
	expect_exit 0 "$stp" 60
	expect_exit 0 "$jpid" 60
	expect_exit 0 "$tpid" 60

	# json
	local f=$T/rj.out sent
	only_records "$f"
	contiguous "$f"
	[ "$(jq -r 'select(.event == "report") | .peer' "$f" | sort -u |
	    wc -l)" -eq 1 ]
	# intervals starting at 0, 1, 2, 3 (a late timer moves one a little)
	jq -s -e 'map(select(.event == "report")) | length == 4 and
	    ([to_entries[] | .value.start_s - .key | fabs <= 0.1] | all)' "$f"
	rate_ok "$f" 1000 20
	sent=$(summary "$T/sj.out" messages)
	echo "sent $sent" >&2
	between "$sent" 3199 3201
	[ "$(report_sum "$f" messages)" -eq "$sent" ]
	[ "$(summary "$f" messages)" -eq "$sent" ]
	[ "$(report_sum "$f" bytes)" -eq "$(summary "$T/sj.out" bytes)" ]
	jq -s -e 'map(select(.event == "report")) | all(.lost == 0 and
	    .duplicated == 0 and (.latency_us | .min <= .p50 and
	    .p50 <= .p90 and .p90 <= .p99 and .p99 <= .p999 and
	    .p999 <= .max))' "$f"

	# text: one line a record, in columns, then the summary lines
	local e=$T/rt.err re n
	re='^netdemo: udp-recv: report 127\.0\.0\.1:[0-9]+ +[0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2} s +[0-9]+ msg +[0-9.]+ [kMG]?B +[0-9.]+ (k |M )?msg/s +[0-9.]+ [kMG]?bit/s  lost [0-9]+ \([0-9]+\.[0-9]{2}%\)  dup [0-9]+  ooo [0-9]+  jitter [0-9.]+ (us|ms)  latency min [0-9.]+ (us|ms)  p50 [0-9.]+ (us|ms)  p90 [0-9.]+ (us|ms)  p99 [0-9.]+ (us|ms)  p99\.9 [0-9.]+ (us|ms)  max [0-9.]+ (us|ms)  avg [0-9.]+ (us|ms)$'
	grep ' report ' "$e" >"$T/lines"
	[ "$(wc -l <"$T/lines")" -eq 4 ]
	if grep -vE "$re" "$T/lines" >&2; then
		echo "(lines above: not a record)" >&2
		return 1
	fi
	# Columns: where the interval, the msg/s and the bit/s columns end.
	awk '{ match($0, /[0-9]\.[0-9][0-9] s /)
	    print RSTART + RLENGTH, index($0, "msg/s"), index($0, "bit/s") }' \
	    "$T/lines" | sort -u >"$T/cols"
	cat "$T/cols" >&2
	[ "$(wc -l <"$T/cols")" -eq 1 ]
	# the intervals 0.00-1.00 ... 3.00-4.00, their counts add up
	[ "$(sed -E 's/.* ([0-9]+)\.[0-9]{2}-[0-9.]+ s .*/\1/' "$T/lines" |
	    tr '\n' ' ')" = '0 1 2 3 ' ]
	n=$(sed -E 's/.* s +([0-9]+) msg .*/\1/' "$T/lines" | paste -sd+ | bc)
	grep -qx "netdemo: udp-send: summary: $n messages, .*" "$T/st.err"
	# after the records, the summary, without --stats
	tail -n 3 "$e" | grep -c '^netdemo: udp-recv: summary: ' | grep -qx 3
	[ "$(tail -n 4 "$e" | head -n 1)" = "$(tail -n 1 "$T/lines")" ]
}

@test "udp-send --report 1 -t 2.5: two full records, a half one, the summary their sum" {
	start_server udp-recv -q -f json --stats -w 1
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" \
	    --rate 500/s -t 2.5 --report 1 -q -f json
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/send.out"
	expect_exit 0 "$SERVER_PID" 50
	local f=$T/send.out
	only_records "$f"
	contiguous "$f"
	jq -c 'select(.event == "report") | [.start_s, .end_s, .messages]' \
	    "$f" >&2
	jq -s -e --arg p "127.0.0.1:$PORT" 'map(select(.event == "report")) |
	    length == 3 and all(.peer == $p) and (.[2].end_s - 2.5 | fabs) <= 0.05' \
	    "$f"
	# counts against the rate: 500 for each full second, 250 for the half
	jq -s -e 'map(select(.event == "report")) |
	    all(.messages - 500 * (.end_s - .start_s) | fabs <= 10) and
	    (.[2].messages - 250 | fabs) <= 10' "$f"
	[ "$(report_sum "$f" messages)" -eq "$(summary "$f" messages)" ]
	[ "$(summary "$f" messages)" -eq "$(summary "$SERVER_OUT" messages)" ]
	[ "$(report_sum "$f" bytes)" -eq "$(summary "$SERVER_OUT" bytes)" ]
}

# Two senders told apart by their datagram sizes (100 and 200 bytes): a
# record's bytes over its messages is its sender's size.
@test "udp-recv --report 1, two senders at 200/s and 400/s: one record each per interval, their own counts" {
	start_server udp-recv --report 1 -f json -q -t 3.5
	start_bg a "$ND" udp-send -p "$PORT" --rate 200/s -s 100 -t 3 -q \
	    --stats -f json
	local a=$BG_PID
	start_bg b "$ND" udp-send -p "$PORT" --rate 400/s -s 200 -t 3 -q \
	    --stats -f json
	local b=$BG_PID
	expect_exit 0 "$a" 60
	expect_exit 0 "$b" 60
	expect_exit 0 "$SERVER_PID" 60
	local f=$SERVER_OUT
	only_records "$f"
	contiguous "$f"
	jq -c 'select(.event == "report") | [.peer, .start_s, .messages, .bytes]' \
	    "$f" >&2
	# each interval: two records, two peers; two peers in all
	jq -s -e 'map(select(.event == "report")) | group_by(.start_s) |
	    length >= 3 and all(length == 2 and
	    (map(.peer) | unique | length) == 2)' "$f"
	[ "$(jq -r 'select(.event == "report") | .peer' "$f" | sort -u |
	    wc -l)" -eq 2 ]
	# per peer: one size; the 100-byte sender at 200/s, the other at 400/s
	# in each interval but its first and last
	jq -s -e 'map(select(.event == "report")) | group_by(.peer) |
	    map({size: ((map(.bytes) | add) / (map(.messages) | add)),
	        recs: .[1:-1]}) | sort_by(.size) |
	    map(.size) == [100, 200] and
	    all(.[]; (if .size == 100 then 200 else 400 end) as $r |
	        .recs | length >= 2 and
	        all(.messages - $r * (.end_s - .start_s) | fabs <= 10))' "$f"
	# per peer, the records add up to what its sender sent
	[ "$(jq 'select(.event == "report" and .bytes == .messages * 100) |
	    .messages' "$f" | paste -sd+ | bc)" -eq "$(summary "$T/a.out" messages)" ]
	[ "$(report_sum "$f" messages)" -eq $(($(summary "$T/a.out" messages) +
	    $(summary "$T/b.out" messages))) ]
}

@test "mcast --report 0.5: records on both sides add up to what was sent, the summary last" {
	start_server mcast-recv --report 0.5 -f json -q -t 1.5
	run --separate-stderr timeout 10 "$ND" mcast-send -p "$PORT" \
	    --rate 200/s -t 1 --report 0.5 -q -f json
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/send.out"
	expect_exit 0 "$SERVER_PID" 50
	only_records "$T/send.out"
	only_records "$SERVER_OUT"
	contiguous "$T/send.out"
	contiguous "$SERVER_OUT"
	[ "$(jq -r 'select(.event == "report") | .peer' "$T/send.out" |
	    sort -u)" = "239.255.0.1:$PORT" ]
	local sent
	sent=$(summary "$T/send.out" messages)
	between "$sent" 199 201
	[ "$(report_sum "$T/send.out" messages)" -eq "$sent" ]
	[ "$(report_sum "$SERVER_OUT" messages)" -eq "$sent" ]
	[ "$(summary "$SERVER_OUT" messages)" -eq "$sent" ]
}

@test "tcp --report 0.5: tcp-connect's records carry the 20000000 bytes it sent; json stdout holds only records and the summary" {
	start_server tcp-serve --sink --report 0.5 -f json -q -c 1
	head -c 20000000 /dev/zero |
	    timeout 20 "$ND" tcp-connect -p "$PORT" --report 0.5 -q -f json \
	    >"$T/c.out" 2>"$T/c.err"
	[ "${PIPESTATUS[1]}" -eq 0 ]
	expect_exit 0 "$SERVER_PID" 50
	cat "$T/c.out" "$SERVER_OUT" >&2
	only_records "$T/c.out"
	only_records "$SERVER_OUT"
	contiguous "$T/c.out"
	[ "$(report_sum "$T/c.out" bytes_out)" -eq 20000000 ]
	[ "$(report_sum "$T/c.out" bytes_in)" -eq 0 ]
	[ "$(summary "$T/c.out" bytes_out)" -eq 20000000 ]
	[ "$(summary "$SERVER_OUT" bytes_in)" -eq 20000000 ]
	[ "$(jq -r 'select(.event == "report") | .peer' "$T/c.out" |
	    sort -u)" = "127.0.0.1:$PORT" ]
	# in json the records are not on standard error as well
	[ ! -s "$T/c.err" ]
}

# tcp-serve has one flow per client; a client that closes takes the bytes
# since the last record with it unless a last record is written for it.
@test "tcp-serve --report 0.5: the client's records add up to the 20000000 bytes it sent" {
	start_server tcp-serve --sink --report 0.5 -f json -q -c 1
	head -c 20000000 /dev/zero |
	    timeout 20 "$ND" tcp-connect -p "$PORT" -q >/dev/null
	expect_exit 0 "$SERVER_PID" 50
	cat "$SERVER_OUT" >&2
	[ "$(summary "$SERVER_OUT" bytes_in)" -eq 20000000 ]
	[ "$(jq -s 'map(select(.event == "report") | .bytes_in) | add // 0' \
	    "$SERVER_OUT")" -eq 20000000 ]
}
