#!/usr/bin/env bats
# rtt.bats: round trips.  --echo on udp-recv and mcast-recv, --rtt,
# --rtt-timeout, --max-loss, --histogram and --report on udp-send and
# mcast-send, measured against ground truth the tests make themselves: a
# python echo that answers after a known delay (test/tools/rtt_delay_echo.py),
# a python client that counts and compares the replies it gets
# (test/tools/rtt_client.py), and a known number of drops, counted by an
# nft rule on a host of a LAN of network namespaces (the LAN of netns.bats:
# hub namespace with bridge br0, hosts h1..h4 with 10.77.1.i/24, all
# created by the test and deleted in teardown).  Loopback otherwise.

load helpers
load dgram_helpers

DELAY_ECHO_PY=$ND_TOOLS/rtt_delay_echo.py
CLIENT_PY=$ND_TOOLS/rtt_client.py

# RTT_RE: one round-trip time in a text summary.
RTT_RE='[0-9.]+ (us|ms|s)'

# ---- helpers: json -------------------------------------------------------

# summary FILE: the json summary object of FILE (JSON Lines).
summary() {
	jq -c 'select(.event == "summary")' "$1"
}

# jget FILE FILTER: FILTER applied to FILE's json summary (jq -r).
jget() {
	summary "$1" | jq -r "$2"
}

# replies FILE: the reply data lines of a --rtt sender's json output.
replies() {
	jq -c 'select(.event == null and .rtt_us != null)' "$1"
}

# ---- helpers: python tools -----------------------------------------------

# start_delay_echo DELAY_MS [EVERY SLOW_MS]: start rtt_delay_echo.py and read
# its port into ECHO_PORT.
start_delay_echo() {
	start_bg echo "$PYTHON" "$DELAY_ECHO_PY" "$@"
	wait_for_line "$BATS_TEST_TMPDIR/echo.out" '^[0-9]+$'
	ECHO_PORT=$(head -n 1 "$BATS_TEST_TMPDIR/echo.out")
}

# client PORT MODE N [SIZE]: rtt_client.py; its json object into $T/client.
client() {
	timeout 15 "$PYTHON" "$CLIENT_PY" "$@" >"$T/client"
}

# ---- helpers: a LAN of network namespaces (after netns.bats) -------------

LAN_HOSTS=4
LAN_NS=()

# lan_x I CMD...: run CMD in host I's namespace (exec: a recorded PID is
# CMD's own).
lan_x() {
	local i=$1
	shift
	ip netns exec "${LAN_PREFIX}h$i" "$@"
}

# lan_recv NAME I ARGS...: start `netdemo ARGS` on host I and wait for its
# listening line (start_listener: L_PID, L_OUT, L_ERR, L_PORT).
lan_recv() {
	local name=$1 i=$2
	shift 2
	start_listener "$name" ip netns exec "${LAN_PREFIX}h$i" "$ND" "$@"
}

# lan_send I NAME ARGS...: run `netdemo ARGS` on host I to its end (at most
# 20 s), output in $T/NAME.out and NAME.err; sets ST to its exit status.
lan_send() {
	local i=$1 name=$2
	shift 2
	ST=0
	lan_x "$i" timeout 20 "$ND" "$@" >"$T/$name.out" 2>"$T/$name.err" ||
	    ST=$?
}

# lan_drop I PORT: on host I, drop about 10% of the UDP datagrams to PORT
# that come in, and count them (lan_dropped reads the count).
lan_drop() {
	printf '%s\n' 'add table inet t' \
	    "add chain inet t in { type filter hook input priority 0; }" \
	    "add rule inet t in udp dport $2 numgen random mod 100 < 10 counter drop" |
	    lan_x "$1" nft -f -
}

# lan_dropped I: the packets the drop rule of host I has counted.
lan_dropped() {
	lan_x "$1" nft -j list ruleset |
	    jq '[.nftables[].rule.expr[]?.counter.packets // empty] | add'
}

# lan_setup: skip without root, ip, bridge or nft; else build the LAN.
lan_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns and nft"
	local tool why
	for tool in ip bridge nft; do
		command -v "$tool" >/dev/null || skip "needs $tool"
	done
	LAN_PREFIX="rt${BATS_ROOT_PID}t${BATS_TEST_NUMBER}"
	if ! why=$(ip netns add "${LAN_PREFIX}probe" 2>&1); then
		skip "cannot create network namespaces: $why"
	fi
	ip netns del "${LAN_PREFIX}probe"
	lan_build
}

lan_build() {
	local hub=${LAN_PREFIX}hub i
	for ((i = 1; i <= LAN_HOSTS; i++)); do
		LAN_NS+=("${LAN_PREFIX}h$i")
	done
	LAN_NS+=("$hub")
	printf 'netns add %s\n' "${LAN_NS[@]}" | ip -batch - || return 1
	{
		echo 'link set lo up'
		# Snooping off: the bridge floods every group to every port.
		echo 'link add br0 type bridge mcast_snooping 0'
		echo 'link set br0 up'
		for ((i = 1; i <= LAN_HOSTS; i++)); do
			echo "link add v$i type veth peer name eth0 netns ${LAN_PREFIX}h$i"
			echo "link set v$i master br0 up"
		done
	} | ip -n "$hub" -batch - || return 1
	for ((i = 1; i <= LAN_HOSTS; i++)); do
		printf '%s\n' 'link set lo up' \
		    "addr add 10.77.1.$i/24 dev eth0" \
		    'link set eth0 up' \
		    'route add 224.0.0.0/4 dev eth0' |
		    ip -n "${LAN_PREFIX}h$i" -batch - || return 1
	done
	# Bounded wait: every bridge port forwarding.
	for ((i = 0; i < 50; i++)); do
		[ "$(bridge -n "$hub" link | grep -c 'state forwarding')" \
		    -eq "$LAN_HOSTS" ] && return 0
		sleep 0.1
	done
	echo "LAN not ready after 5 s:" >&2
	bridge -n "$hub" link >&2
	return 1
}

teardown() {
	nd_teardown
	local ns
	for ns in "${LAN_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ---- loopback -------------------------------------------------------------

@test "loopback, json: a reply line per datagram, seq 0..99 once each, nothing lost; 100 echoed" {
	start_server udp-recv --echo -q --stats -f json
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 100 -i 0.005 \
	    -f json --stats -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/s.out"
	stop_pid "$SERVER_PID"
	replies "$T/s.out" >"$T/replies"
	[ "$(wc -l <"$T/replies")" -eq 100 ]
	# Each seq once; every line from the receiver, a round trip in range.
	[ "$(jq -s -c '[.[].seq] | sort' "$T/replies")" = \
	    "$(jq -n -c '[range(100)]')" ]
	[ "$(jq -r '.peer' "$T/replies" | sort -u)" = "127.0.0.1:$PORT" ]
	[ "$(jq -s '[.[] | select(.rtt_us < 0 or .rtt_us >= 1000000)] | length' \
	    "$T/replies")" -eq 0 ]
	[ "$(jq -s '[.[] | select(.mode != "udp-send" or .len != (.data | length) or .wire_len != .len + 31)] | length' \
	    "$T/replies")" -eq 0 ]
	[ "$(jget "$T/s.out" '"\(.messages) \(.receivers) \(.replies) \(.lost) \(.duplicated) \(.late)"')" = \
	    '100 1 100 0 0 0' ]
	[ "$(jget "$T/s.out" '.per_receiver | length')" -eq 1 ]
	[ "$(jget "$T/s.out" '.per_receiver[0] | "\(.peer) \(.replies) \(.lost) \(.first_seq)"')" = \
	    "127.0.0.1:$PORT 100 0 0" ]
	jget "$T/s.out" '.rtt_us | .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .max' |
	    grep -qx true
	[ "$(jget "$SERVER_OUT" '"\(.echoed) \(.echo_held) \(.received)"')" = \
	    '100 0 100' ]
}

@test "loopback, text: summary lines, the per-receiver counts and rtt line; the receiver's echoed line" {
	start_server udp-recv --echo -q --stats
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 100 -i 0.005 \
	    -q --stats -p "$PORT"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '%s\n' "$stderr" >"$T/s.err"
	stop_pid "$SERVER_PID"
	has_line "$T/s.err" \
	    'netdemo: udp-send: summary: 100 replies from 1 receiver, 0 lost (0.00%), 0 duplicated, 0 late'
	has_line "$T/s.err" \
	    "netdemo: udp-send: summary: 127.0.0.1:$PORT: 100 replies, 0 lost (0.00%), 0 duplicated, 0 late"
	grep -qxE "netdemo: udp-send: summary: 127\.0\.0\.1:$PORT: rtt min $RTT_RE, p50 $RTT_RE, p90 $RTT_RE, p99 $RTT_RE, p99\.9 $RTT_RE, max $RTT_RE, avg $RTT_RE" \
	    "$T/s.err"
	# The words after "not answered" may name its reasons, or not.
	grep -qxE 'netdemo: udp-recv: summary: 100 echoed, 0 not answered( \(.*\))?' \
	    "$SERVER_ERR"
}

@test "usage: --histogram, --max-loss and --rtt-timeout need --rtt on a sender" {
	local m
	for m in udp-send mcast-send; do
		usage_error "netdemo: $m: --histogram: needs --rtt" \
		    "$m" --histogram -c 1
		usage_error "netdemo: $m: --max-loss: needs --rtt" \
		    "$m" --max-loss 1 -c 1
		usage_error "netdemo: $m: --rtt-timeout: needs --rtt" \
		    "$m" --rtt-timeout 1 -c 1
	done
}

# rtt_delay_echo.py answers 20 ms after each datagram came: the round trip
# is 20 ms and a little, never less.
@test "a known delay: an echo that answers after 20 ms gives p50 within 10% + 200 us of 20 ms" {
	start_delay_echo 20
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 50 -i 0.02 \
	    -f json -q --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/s.out"
	echo "rtt_us: $(jget "$T/s.out" .rtt_us)" >&2
	[ "$(jget "$T/s.out" '"\(.replies) \(.lost) \(.late)"')" = '50 0 0' ]
	local p50 min
	p50=$(jget "$T/s.out" .rtt_us.p50)
	min=$(jget "$T/s.out" .rtt_us.min)
	[ "$p50" -ge 17800 ] && [ "$p50" -le 22200 ]
	# Within the histogram's 0.8% of 20 ms, never below it.
	[ "$min" -ge 19840 ]
}

# The echo answers 300 ms late, --rtt-timeout is 0.2 s: datagrams leave at
# 0, 0.2, ..., 0.8 s, the sender waits until 1.0 s, so the replies to the
# first four come (at 0.3, 0.5, 0.7, 0.9 s: late) and the fifth's does not
# (1.1 s).  Every margin is 100 ms.
@test "every reply later than --rtt-timeout: 4 late, no round trip, exit 3 'nothing measured'" {
	start_delay_echo 300
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 5 -i 0.2 \
	    --rtt-timeout 0.2 -f json -q --stats -p "$ECHO_PORT"
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" >"$T/s.out"
	[ "$(jget "$T/s.out" '"\(.replies) \(.late) \(.rtt_us)"')" = \
	    '0 4 null' ]
	[ "$(jget "$T/s.out" '.per_receiver[0] | "\(.peer) \(.late)"')" = \
	    "127.0.0.1:$ECHO_PORT 4" ]
	[ "${stderr_lines[-1]}" = \
	    'netdemo: udp-send: nothing measured: no reply to 5 datagrams within --rtt-timeout 0.2 s (4 came later)' ]
}

# The man page: "late: replies that came after --rtt-timeout: lost, and
# said so", and a receiver's loss counts from the first datagram it
# answered.  Here it answered datagram 0 (late): all 5 are lost.
@test "every reply late: late replies count as lost too (lost 5, late 4)" {
	start_delay_echo 300
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 5 -i 0.2 \
	    --rtt-timeout 0.2 -f json -q --stats -p "$ECHO_PORT"
	printf '%s\n' "$output" >"$T/s.out"
	jget "$T/s.out" . >&2
	[ "$(jget "$T/s.out" '"\(.late) \(.lost)"')" = '4 5' ]
	[ "$(jget "$T/s.out" '.per_receiver[0] | "\(.late) \(.lost)"')" = '4 5' ]
}

# Every tenth datagram (seq 9, 19, ..., 59) is answered after 200 ms, the
# rest after 20 ms; --rtt-timeout 0.1.  Datagrams leave every 20 ms until
# 1.18 s, the sender waits until 1.28 s: the slow replies to 9..49 come
# late, that to 59 (1.38 s) never.  100 ms margins.
@test "some replies late: 54 replies, 5 late, 6 lost (10.00%), per receiver too" {
	start_delay_echo 20 10 200
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 60 -i 0.02 \
	    --rtt-timeout 0.1 -q --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/s.err"
	has_line "$T/s.err" \
	    'netdemo: udp-send: summary: 54 replies from 1 receiver, 6 lost (10.00%), 0 duplicated, 5 late'
	has_line "$T/s.err" \
	    "netdemo: udp-send: summary: 127.0.0.1:$ECHO_PORT: 54 replies, 6 lost (10.00%), 0 duplicated, 5 late"
}

@test "no --echo on the receiver: exit 3, 'nothing measured: no reply to 3 datagrams in --rtt-timeout 0.2 s'" {
	start_server udp-recv -q --stats -f json
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 3 -i 0.01 \
	    --rtt-timeout 0.2 -p "$PORT"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "${stderr_lines[-1]}" = \
	    'netdemo: udp-send: nothing measured: no reply to 3 datagrams in --rtt-timeout 0.2 s' ]
	stop_pid "$SERVER_PID"
	# They did arrive, all three.
	[ "$(jget "$SERVER_OUT" .messages)" -eq 3 ]
}

@test "--max-loss 0 --rtt with nothing lost: exit 0" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --max-loss 0 \
	    -c 100 -i 0.001 -q -p "$PORT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "two mcast-recv --echo on one port: two receivers told apart by port, 50 replies each" {
	local g=239.255.77.50
	start_server mcast-recv --echo -g "$g" -q --stats -f json
	local r1=$SERVER_PID r1_out=$SERVER_OUT
	start_listener second "$ND" mcast-recv --echo -g "$g" -q --stats \
	    -f json --port "$PORT"
	run --separate-stderr timeout 10 "$ND" mcast-send --rtt -g "$g" \
	    -p "$PORT" -c 50 -i 0.005 -f json -q --stats
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/s.out"
	stop_pid "$r1"
	stop_pid "$L_PID"
	[ "$(jget "$T/s.out" '"\(.receivers) \(.replies) \(.lost)"')" = \
	    '2 100 0' ]
	jget "$T/s.out" '.per_receiver[] | "\(.peer) \(.replies) \(.lost)"' \
	    >"$T/per"
	cat "$T/per" >&2
	[ "$(wc -l <"$T/per")" -eq 2 ]
	run ! grep -qvxE '127\.0\.0\.1:[0-9]+ 50 0' "$T/per"
	# Two ports, neither the group's: each receiver answers from its own.
	[ "$(cut -d ' ' -f 1 "$T/per" | sort -u | wc -l)" -eq 2 ]
	run ! grep -q "^127\.0\.0\.1:$PORT " "$T/per"
	[ "$(jget "$r1_out" .echoed)" -eq 50 ]
	[ "$(jget "$L_OUT" .echoed)" -eq 50 ]
}

# ---- echo safety ----------------------------------------------------------

@test "echo: datagrams without a --seq header get no reply, and are counted (echo_held 5)" {
	start_server udp-recv --echo -q --stats -f json
	client "$PORT" plain 5
	cat "$T/client" >&2
	[ "$(jq -r '"\(.sent) \(.replies)"' "$T/client")" = '5 0' ]
	# Control: the same path answers a valid one.
	client "$PORT" seq 1
	[ "$(jq -r '"\(.replies) \(.bad)"' "$T/client")" = '1 0' ]
	stop_pid "$SERVER_PID"
	[ "$(jget "$SERVER_OUT" '"\(.messages) \(.echoed) \(.echo_held) \(.no_seq)"')" = \
	    '6 1 5 5' ]
}

# 10,000 valid datagrams from one socket, flat out.  A reply leaves the
# receiver between the client's first send and its last reply, and the
# limit is 2,000 at once plus 20,000 a second, so the client cannot get
# more than 2,000 + 20,000 * that span.
@test "echo: one sender flat out is answered at most 2,000 + 20,000/s; every reply is a request's own bytes" {
	start_server udp-recv --echo -q --stats -f json
	client "$PORT" seq 10000
	stop_pid "$SERVER_PID"
	cat "$T/client" >&2
	jget "$SERVER_OUT" '{messages, echoed, echo_held}' >&2
	local got span bound msgs echoed held
	got=$(jq .replies "$T/client")
	span=$(jq .span_s "$T/client")
	bound=$(awk -v s="$span" 'BEGIN { printf "%d", 2000 + 20000 * s + 10 }')
	msgs=$(jget "$SERVER_OUT" .messages)
	echoed=$(jget "$SERVER_OUT" .echoed)
	held=$(jget "$SERVER_OUT" .echo_held)
	# A machine so slow that the bound is no bound tests nothing.
	[ "$bound" -lt "$msgs" ] || skip "client too slow ($span s): no limit to see"
	[ "$got" -le "$bound" ]
	# The burst is there: the first 2,000 are answered.
	[ "$got" -ge $((msgs < 2000 ? msgs : 2000)) ]
	# Each reply is one request, whole, once; all counted by the receiver.
	[ "$(jq -r '"\(.bad) \(.seqs)"' "$T/client")" = "0 $got" ]
	[ "$echoed" -eq "$got" ]
	[ $((echoed + held)) -eq "$msgs" ]
	[ "$msgs" -le 10000 ]
}

# rtt_client.py sends datagrams of 32 to 231 bytes (length by seq) and
# checks every reply against them byte for byte.
@test "echo: replies are the requests, byte for byte, never larger (300 datagrams of varied length)" {
	start_server udp-recv --echo -q --stats -f json
	client "$PORT" seq 300
	cat "$T/client" >&2
	[ "$(jq -r '"\(.replies) \(.bad) \(.seqs)"' "$T/client")" = '300 0 300' ]
	stop_pid "$SERVER_PID"
	[ "$(jget "$SERVER_OUT" '"\(.echoed) \(.echo_held)"')" = '300 0' ]
}

@test "echo: a datagram cut short by -b 40 gets no reply; one of exactly 40 bytes does" {
	start_server udp-recv --echo -b 40 -q --stats -f json
	client "$PORT" seq 1 41
	[ "$(jq -r .replies "$T/client")" -eq 0 ]
	client "$PORT" seq 1 100
	[ "$(jq -r .replies "$T/client")" -eq 0 ]
	client "$PORT" seq 1 40
	[ "$(jq -r '"\(.replies) \(.bad)"' "$T/client")" = '1 0' ]
	stop_pid "$SERVER_PID"
	[ "$(jget "$SERVER_OUT" '"\(.messages) \(.echoed) \(.echo_held)"')" = \
	    '3 1 2' ]
}

# ---- --histogram and --report ---------------------------------------------

# bars FILE WHO: the count column of WHO's histogram rows in FILE, one a line.
bars() {
	sed -n "s/^netdemo: $2: *[0-9.]* [mu]*s - *[0-9.]* [mu]*s |[# ]\{40\}| *\([0-9][0-9]*\) *[0-9.]*%\$/\1/p" "$1"
}

@test "--histogram, sender: 'round trips from ADDR:PORT, 200 in all:', rows summing to 200, last 100.0%" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 200 -i 0.001 \
	    -q --stats --histogram -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/s.err"
	has_line "$T/s.err" \
	    "netdemo: udp-send: round trips from 127.0.0.1:$PORT, 200 in all:"
	bars "$T/s.err" udp-send >"$T/bars"
	[ "$(wc -l <"$T/bars")" -ge 1 ] && [ "$(wc -l <"$T/bars")" -le 12 ]
	[ "$(awk '{ n += $1 } END { print n }' "$T/bars")" -eq 200 ]
	[[ ${stderr_lines[-1]} == *' 100.0%' ]]
	# Every line after the title is a row.
	[ "$(sed -n '/round trips from/,$p' "$T/s.err" | wc -l)" -eq \
	    $(($(wc -l <"$T/bars") + 1)) ]
}

@test "--histogram, receiver: 'latency, 150 datagrams:', rows summing to 150" {
	start_server udp-recv --seq --histogram -q --stats -c 150 -w 10
	timeout 10 "$ND" udp-send --seq -c 150 -i 0.001 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: udp-recv: latency, 150 datagrams:'
	bars "$SERVER_ERR" udp-recv >"$T/bars"
	[ "$(awk '{ n += $1 } END { print n }' "$T/bars")" -eq 150 ]
	tail -n 1 "$SERVER_ERR" | grep -q ' 100\.0%$'
}

# The man page: "--histogram: at exit, draw ... on standard error"; nothing
# says it needs --stats.
@test "--histogram without --stats still draws the chart: sender" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 20 -i 0.001 \
	    -q --histogram -p "$PORT"
	[ "$status" -eq 0 ]
	[[ $stderr == *"netdemo: udp-send: round trips from 127.0.0.1:$PORT, 20 in all:"* ]]
}

@test "--histogram without --stats still draws the chart: receiver ending at -c" {
	start_server udp-recv --seq --histogram -q -c 20 -w 10
	timeout 10 "$ND" udp-send --seq -c 20 -i 0.001 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: udp-recv: latency, 20 datagrams:'
}

# At 200/s for 2.2 s, reports each second: two full intervals and a tail.
@test "--report 1 with --rtt: a record per interval for the receiver, rtt_us, ~200 replies, summing to the summary" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rate 200/s \
	    -t 2.2 --report 1 -f json -q -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/s.out"
	jq -c 'select(.event == "report" and has("rtt_us"))' "$T/s.out" \
	    >"$T/rep"
	cat "$T/rep" >&2
	[ "$(wc -l <"$T/rep")" -eq 3 ]
	[ "$(jq -r .peer "$T/rep" | sort -u)" = "127.0.0.1:$PORT" ]
	[ "$(jq -s '[.[] | select(.rtt_us | type == "object" and .min <= .max)] | length' "$T/rep")" -eq 3 ]
	local full
	for full in 1 2; do
		local n
		n=$(sed -n "${full}p" "$T/rep" | jq .messages)
		[ "$n" -ge 195 ] && [ "$n" -le 205 ]
	done
	[ "$(jq -s 'map(.messages) | add' "$T/rep")" -eq \
	    "$(jget "$T/s.out" .replies)" ]
	[ "$(jq -s 'map(.lost) | add' "$T/rep")" -eq 0 ]
	[ "$(jget "$T/s.out" .messages)" -eq "$(jget "$T/s.out" .replies)" ]
}

# ---- known loss, in namespaces --------------------------------------------

# h2 drops ~10% of what comes in to the receiver's port, and counts it;
# the replies (to h1) are not touched.  A receiver's loss counts from the
# first datagram it answered, so drops before it (seqs 0 .. first_seq - 1)
# are not loss; the receiver's own --seq count knows no gap after the
# last datagram it got either.
@test "h1 -> h2, h2 drops ~10% (nft): lost = the counter, per interval too; the receiver's --seq loss agrees" {
	lan_setup
	lan_recv r 2 udp-recv -H 10.77.1.2 --echo -q --stats -f json --port 0
	local rport=$L_PORT rpid=$L_PID rout=$L_OUT
	lan_drop 2 "$rport"
	lan_send 1 s udp-send -H 10.77.1.2 -p "$rport" --rtt -c 1000 -i 0.001 \
	    --rtt-timeout 0.3 --report 0.5 --stats -f json
	[ "$ST" -eq 0 ]
	stop_pid "$rpid"
	local drops first last
	drops=$(lan_dropped 2)
	replies "$T/s.out" >"$T/replies"
	first=$(jq -s 'map(.seq) | min' "$T/replies")
	last=$(jq -s 'map(.seq) | max' "$T/replies")
	echo "dropped $drops, replies $first..$last" >&2
	[ "$drops" -gt 0 ]
	[ "$(wc -l <"$T/replies")" -eq $((1000 - drops)) ]
	[ "$(jq -r .peer "$T/replies" | sort -u)" = "10.77.1.2:$rport" ]
	[ "$(jget "$T/s.out" '"\(.replies) \(.lost) \(.duplicated) \(.late)"')" = \
	    "$((1000 - drops)) $((drops - first)) 0 0" ]
	[ "$(jget "$T/s.out" '.per_receiver[] | "\(.peer) \(.lost) \(.first_seq)"')" = \
	    "10.77.1.2:$rport $((drops - first)) $first" ]
	# The receiver's records: lost summed over the intervals.
	[ "$(jq -s "map(select(.event == \"report\" and .peer == \"10.77.1.2:$rport\" and has(\"lost\")) | .lost) | add" \
	    "$T/s.out")" -eq $((drops - first)) ]
	# The receiver's own --seq accounting.
	[ "$(jget "$rout" '"\(.messages) \(.echoed) \(.lost)"')" = \
	    "$((1000 - drops)) $((1000 - drops)) $((drops - first - (999 - last)))" ]
}

@test "one way, --report 0.5, h2 drops ~10%: lost summed over the reports = summary lost = the counter" {
	lan_setup
	lan_recv r 2 udp-recv -H 10.77.1.2 --seq --report 0.5 -w 1 -f json \
	    --port 0
	local rport=$L_PORT rpid=$L_PID rout=$L_OUT
	lan_drop 2 "$rport"
	lan_send 1 s udp-send -H 10.77.1.2 -p "$rport" --seq --rate 1k/s -t 2 \
	    -q --stats -f json
	[ "$ST" -eq 0 ]
	# Idle for 1 s: the receiver ends by itself, the last datagram in.
	expect_exit 0 "$rpid" 50
	local sent drops first last
	sent=$(jget "$T/s.out" .messages)
	drops=$(lan_dropped 2)
	jq -c 'select(.event == null)' "$rout" >"$T/got"
	first=$(jq -s 'map(.seq) | min' "$T/got")
	last=$(jq -s 'map(.seq) | max' "$T/got")
	echo "sent $sent, dropped $drops, got $first..$last" >&2
	[ "$drops" -gt 0 ]
	[ "$(wc -l <"$T/got")" -eq $((sent - drops)) ]
	local lost=$((drops - first - (sent - 1 - last)))
	[ "$(jget "$rout" '"\(.received) \(.lost)"')" = "$((sent - drops)) $lost" ]
	[ "$(jq -s 'map(select(.event == "report") | .lost) | add' "$rout")" -eq \
	    "$lost" ]
	[ "$(jq -s 'map(select(.event == "report") | .messages) | add' "$rout")" -eq \
	    $((sent - drops)) ]
}

# h2 and h3 get everything; h4 drops ~10% of the group's datagrams.
@test "mcast: three --echo receivers on h2, h3, h4; h4 drops ~10%: per receiver, h4's lost = its counter" {
	lan_setup
	local g=239.255.77.9 i
	lan_recv r2 2 mcast-recv --echo -I 10.77.1.2 -g "$g" -q --stats \
	    -f json --port 0
	local rport=$L_PORT
	for i in 3 4; do
		lan_recv "r$i" "$i" mcast-recv --echo -I "10.77.1.$i" -g "$g" -q \
		    --stats -f json --port "$rport"
	done
	lan_drop 4 "$rport"
	lan_send 1 s mcast-send --rtt -I 10.77.1.1 -g "$g" -p "$rport" -c 500 \
	    -i 0.002 --rtt-timeout 0.3 -f json -q --stats
	[ "$ST" -eq 0 ]
	local drops first4
	drops=$(lan_dropped 4)
	jget "$T/s.out" '.per_receiver[] | "\(.peer) \(.replies) \(.lost) \(.first_seq)"' |
	    sed 's/:[0-9]* / /' | sort >"$T/per"
	cat "$T/per" >&2
	echo "h4 dropped $drops" >&2
	[ "$drops" -gt 0 ]
	first4=$(awk '$1 == "10.77.1.4" { print $4 }' "$T/per")
	same_lines "$T/per" '10.77.1.2 500 0 0' '10.77.1.3 500 0 0' \
	    "10.77.1.4 $((500 - drops)) $((drops - first4)) $first4"
	[ "$(jget "$T/s.out" '"\(.receivers) \(.lost)"')" = \
	    "3 $((drops - first4))" ]
}

# h3 joins when the sender's output shows a reply to seq 100 or later: its
# first_seq is past 100 and nothing before it is lost.
@test "mcast: a receiver that joins late is not blamed for what came before (lost 0, first_seq > 100)" {
	lan_setup
	local g=239.255.77.10
	lan_recv r2 2 mcast-recv --echo -I 10.77.1.2 -g "$g" -q --port 0
	local rport=$L_PORT
	start_bg s ip netns exec "${LAN_PREFIX}h1" "$ND" mcast-send --rtt \
	    -I 10.77.1.1 -g "$g" -p "$rport" -c 600 -i 0.002 --rtt-timeout 0.3 \
	    -f json --stats
	local spid=$BG_PID
	wait_for_line "$T/s.out" '"seq":[1-5][0-9]{2},'
	lan_recv r3 3 mcast-recv --echo -I 10.77.1.3 -g "$g" -q --port "$rport"
	expect_exit 0 "$spid" 150
	jget "$T/s.out" '.per_receiver[] | "\(.peer) \(.replies) \(.lost) \(.first_seq)"' |
	    sed 's/:[0-9]* / /' | sort >"$T/per"
	cat "$T/per" >&2
	[ "$(sed -n 1p "$T/per")" = '10.77.1.2 600 0 0' ]
	local peer n lost first
	read -r peer n lost first < <(sed -n 2p "$T/per")
	[ "$peer" = 10.77.1.3 ]
	[ "$first" -gt 100 ] && [ "$first" -lt 600 ]
	[ "$lost" -eq 0 ]
	[ "$n" -eq $((600 - first)) ]
	# h3's replies: exactly first_seq .. 599.
	[ "$(replies "$T/s.out" |
	    jq -s -c 'map(select(.peer | startswith("10.77.1.3:")) | .seq)')" = \
	    "$(jq -n -c "[range($first; 600)]")" ]
}

@test "--max-loss 0 --rtt, h2 drops ~10%: exit 3, 'round-trip loss X% is above --max-loss 0%' with X from the counter" {
	lan_setup
	lan_recv r 2 udp-recv -H 10.77.1.2 --echo -q --port 0
	local rport=$L_PORT
	lan_drop 2 "$rport"
	lan_send 1 s udp-send -H 10.77.1.2 -p "$rport" --rtt --max-loss 0 \
	    -c 200 -i 0.001 --rtt-timeout 0.3 -f json
	[ "$ST" -eq 3 ]
	local drops first pct
	drops=$(lan_dropped 2)
	first=$(replies "$T/s.out" | jq -s 'map(.seq) | min')
	pct=$(awk -v l=$((drops - first)) -v n=$((200 - first)) \
	    'BEGIN { printf "%.2f", 100 * l / n }')
	echo "dropped $drops, first reply $first" >&2
	[ "$(tail -n 1 "$T/s.err")" = \
	    "netdemo: udp-send: round-trip loss $pct% is above --max-loss 0%" ]
}
