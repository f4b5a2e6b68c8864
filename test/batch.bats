#!/usr/bin/env bats
# batch.bats: several datagrams a system call (UDP GSO and GRO, sendmmsg
# and recvmmsg).  Every datagram is counted, checked, cut by -b and
# printed exactly as with --no-batch, at the edges of a GSO message (a
# short last segment, one segment, 64, lengths that change); -v names the
# path; strace counts the calls; the kernel refusing GSO costs nothing.

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

# IN: what udp-send reads on standard input (for --stdin).
IN=/dev/null
# NS: a network namespace to delete at the end of the test.
NS=

teardown() {
	nd_teardown
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
}

# norm FILE: FILE as printed, less what changes from run to run: json's
# "time", summary and report objects, the ports of senders, latency_us,
# and (on standard error) the path lines of -v and the summaries.
norm() {
	grep -v -e '^{"event"' -e ': summary: ' -e 'sending with ' \
	    -e 'receiving with ' -e 'one datagram a call' "$1" |
	    sed -E 's/"time":"[^"]*",//; s/(127\.0\.0\.1|\[::1\]|239\.255\.0\.1):[0-9]+/\1:P/g
		s/"latency_us":[0-9]+/"latency_us":L/'
}

# xfer NAME COUNT RARGS... -- SARGS...: udp-recv -c COUNT RARGS on a port
# of its own, then udp-send SARGS (standard input: $IN) to it; both exit
# 0.  Leaves T/NAME.rx, .rxerr (the receiver's stdout and stderr), .tx and
# .txerr (the sender's).
xfer() {
	local name=$1 count=$2 st=0
	local -a rargs=() sargs=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		rargs+=("$1")
		shift
	done
	shift
	sargs=("$@")
	start_server udp-recv -c "$count" -w 5 "${rargs[@]}"
	timeout 30 "$ND" udp-send -p "$PORT" "${sargs[@]}" <"$IN" \
	    >"$T/$name.tx" 2>"$T/$name.txerr" || st=$?
	[ "$st" -eq 0 ] || { cat "$T/$name.txerr" >&2; return 1; }
	expect_exit 0 "$SERVER_PID" 300
	cp "$SERVER_OUT" "$T/$name.rx"
	cp "$SERVER_ERR" "$T/$name.rxerr"
}

# same_both NAME COUNT RARGS... -- SARGS...: xfer as it is, then with
# --no-batch on both ends; what each end printed, on standard output and
# on standard error, is the same in both runs (after norm).
same_both() {
	local name=$1 count=$2 f
	local -a rargs=() sargs=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		rargs+=("$1")
		shift
	done
	shift
	sargs=("$@")
	xfer "$name" "$count" "${rargs[@]}" -- "${sargs[@]}"
	xfer "$name.one" "$count" "${rargs[@]}" --no-batch -- \
	    "${sargs[@]}" --no-batch
	for f in rx rxerr tx txerr; do
		diff -u <(norm "$T/$name.one.$f") <(norm "$T/$name.$f") ||
		    { echo "$name.$f differs from --no-batch" >&2; return 1; }
	done
}

# lines_of LEN...: a line of each length, of the digits of its number.
lines_of() {
	local i=0 len
	for len in "$@"; do
		printf "%0${len}d\n" "$i" | cut -c "1-$len"
		i=$((i + 1))
	done
}

# traced NAME CMD...: CMD under strace -f, its calls that send or receive
# datagrams written to T/NAME.st, one line each.  LeakSanitizer cannot
# run under ptrace: off for CMD (make check SANITIZE=1).
traced() {
	local name=$1
	shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -e trace=sendto,sendmsg,sendmmsg,recvmsg,recvmmsg \
	    -e signal=none -o "$T/$name.st" "$@"
}

# calls NAME SYSCALL: how many SYSCALL calls T/NAME.st holds (resumed
# halves not counted twice).
calls() {
	grep -cE "^[0-9]+ +$2\(" "$T/$1.st" || true
}

need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
}

# Linux >= 5.0 has UDP GSO (4.18) and UDP GRO (5.0).
need_gro() {
	local v
	v=$(uname -r)
	if [ "$(uname -s)" != Linux ] || [ "${v%%.*}" -lt 5 ]; then
		skip "UDP GRO needs Linux 5.0"
	fi
}

# summary_of FILE: "received lost duplicated" of a json --seq summary
# (--stats).
summary_of() {
	jq -r 'select(.event == "summary") |
	    "\(.received) \(.lost) \(.duplicated)"' "$1"
}

@test "-v names the path: UDP GSO flat out, sendmmsg paced, GRO and recvmmsg, one a call with --no-batch" {
	need_gro
	start_server udp-recv -v -c 3 -w 5 -q
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 1 -i 0 -q -v
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = 'netdemo: udp-send: sending with UDP GSO, up to 64 datagrams a call' ]
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -v
	[ "${stderr_lines[1]}" = 'netdemo: udp-send: sending with sendmmsg, up to 64 datagrams a call (paced: a packet each)' ]
	run --separate-stderr timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q -v --no-batch
	[ "${stderr_lines[1]}" = 'netdemo: udp-send: sending one datagram a call (--no-batch)' ]
	expect_exit 0 "$SERVER_PID"
	[ "$(sed -n 2p "$SERVER_ERR")" = 'netdemo: udp-recv: receiving with UDP GRO and recvmmsg, up to 16 reads a call' ]
	start_server udp-recv -v -c 1 -w 5 -q --no-batch
	timeout 10 "$ND" udp-send -p "$PORT" -c 1 -q
	expect_exit 0 "$SERVER_PID"
	[ "$(sed -n 2p "$SERVER_ERR")" = 'netdemo: udp-recv: receiving one datagram a call (--no-batch)' ]
	start_server mcast-recv -v -c 1 -w 5 -q
	run --separate-stderr timeout 10 "$ND" mcast-send -p "$PORT" -c 1 -i 0 -q -v
	[ "${stderr_lines[1]}" = 'netdemo: mcast-send: sending with UDP GSO, up to 64 datagrams a call' ]
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: mcast-recv: receiving with UDP GRO and recvmmsg, up to 16 reads a call'
}

@test "a short last segment: 5 x 100 bytes and 1 x 40 go in one sendmsg, come in one read, print as with --no-batch" {
	need_gro
	need_strace
	lines_of 100 100 100 100 100 40 >"$T/in"
	IN=$T/in
	same_both short 6 -f json -- --stdin -f json
	[ "$(wc -l <"$T/short.rx")" -eq 6 ]
	[ "$(jq -r .len "$T/short.rx" | tr '\n' ' ')" = '100 100 100 100 100 40 ' ]
	# Under strace: one message of 540 bytes, one read of 540 bytes.
	traced rx_short "$ND" udp-recv -c 6 -w 5 -q -p 0 2>"$T/rx.err" &
	local rpid=$! rport
	ND_PIDS+=("$rpid")
	rport=$(listen_port "$T/rx.err")
	traced tx_short "$ND" udp-send --stdin -q -p "$rport" <"$IN"
	expect_exit 0 "$rpid"
	[ "$(calls tx_short sendmsg)" -eq 1 ]
	[ "$(calls tx_short sendmmsg)" -eq 0 ]
	grep -q 'iov_len=540}' "$T/tx_short.st"
	[ "$(grep -c 'msg_len=540}' "$T/rx_short.st")" -eq 1 ]
	[ "$(grep -c 'msg_len=[0-9]*}' "$T/rx_short.st")" -eq 1 ]
}

@test "one datagram: a message of its own, printed as with --no-batch" {
	same_both one 1 -f json -- -c 1 -i 0 -m 'just one' -f json
	[ "$(jq -r .data "$T/one.rx")" = 'just one' ]
	same_both one_text 1 -- -c 1 -i 0 -m 'just one'
	[ "$(cat "$T/one_text.rx")" = 'just one' ]
}

@test "64 datagrams make one GSO message, 65 two, 130 three: every one printed as with --no-batch" {
	local n
	for n in 64 65 130; do
		same_both "n$n" "$n" -f json --seq -- -c "$n" -i 0 -s 100 \
		    --seq -f json
		[ "$(jq -r .seq "$T/n$n.rx" | tr '\n' ' ')" = \
		    "$(seq 0 $((n - 1)) | tr '\n' ' ')" ]
	done
}

@test "a datagram of exactly the segment size, and 46 x 1400 bytes (the most one message holds), then one more" {
	lines_of 100 100 100 100 >"$T/in"
	IN=$T/in
	same_both exact 4 -- --stdin
	[ "$(wc -c <"$T/exact.rx")" -eq 404 ]
	IN=/dev/null
	same_both full 47 -f json --seq -- -c 47 -i 0 -s 1400 --seq -f json
	[ "$(jq -r .wire_len "$T/full.rx" | sort -u)" = 1400 ]
	[ "$(jq -r .seq "$T/full.rx" | tail -n 1)" = 46 ]
}

@test "-b cuts each datagram of a coalesced read as a read of -b bytes would: truncated and orig_len as with --no-batch" {
	local b
	for b in 50 99 100 101; do
		same_both "b$b" 100 -f json -b "$b" -- -c 100 -i 0 -s 100 \
		    -m 'x{n}y'
		if [ "$b" -lt 100 ]; then
			[ "$(jq -r '"\(.len) \(.truncated) \(.orig_len)"' \
			    "$T/b$b.rx" | sort -u)" = "$b true 100" ]
			grep -q "truncated: 100 bytes, --bufsize $b" "$T/b$b.rxerr"
		else
			[ "$(jq -r '"\(.len) \(.truncated)"' "$T/b$b.rx" |
			    sort -u)" = '100 null' ]
		fi
	done
	# -b 31 keeps exactly the --seq header of each: all counted.
	same_both bseq 20 -f json --seq --stats -b 31 -- -c 20 -i 0 -s 60 --seq
	[ "$(summary_of "$T/bseq.rx")" = '20 0 0' ]
	[ "$(jq -r 'select(.event == null) | "\(.len) \(.orig_len)"' \
	    "$T/bseq.rx" | sort -u)" = '0 60' ]
}

@test "lengths that change ({n}: 9 -> 10 -> 100): one length a GSO message, printed as with --no-batch" {
	same_both grow 150 -- -c 150 -i 0 -m '{n}'
	seq 0 149 | diff - "$T/grow.rx"
	seq 0 149 | diff - "$T/grow.tx"
	same_both growseq 1100 -f json --seq --stats -- -c 1100 -i 0 -m 'n={n}' --seq \
	    -q
	[ "$(summary_of "$T/growseq.rx")" = '1100 0 0' ]
	[ "$(jq -r .data "$T/growseq.rx" | sed -n '1p;10p;11p;100p;101p;1000p;1001p' |
	    tr '\n' ' ')" = 'n=0 n=9 n=10 n=99 n=100 n=999 n=1000 ' ]
}

@test "--stdin lines of varied length, empty ones too, with and without --seq: as with --no-batch" {
	local i
	for ((i = 0; i < 500; i++)); do
		printf '%d\n' $(((i * 37) % 61 + (i % 7 == 0 ? -1000 : 0)))
	done | awk '{ n = $1 < 0 ? 0 : $1; s = ""
		for (j = 0; j < n; j++) s = s "ab"
		print substr(s, 1, n) }' >"$T/in"
	grep -qx '' "$T/in"
	IN=$T/in
	same_both lines 500 -f json -- --stdin -f json
	[ "$(jq -r .len "$T/lines.rx" | tr '\n' ' ')" = \
	    "$(awk '{ print length($0) }' "$T/in" | tr '\n' ' ')" ]
	same_both lseq 500 -f json --seq --stats -- --stdin --seq
	[ "$(summary_of "$T/lseq.rx")" = '500 0 0' ]
}

@test "--stdin: lines already read are not held back by one slow to come" {
	start_server udp-recv -c 2 -w 10
	{
		printf 'first\n'
		wait_for_line "$SERVER_OUT" '^first$' 50
		printf 'second\n'
	} | timeout 10 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" first second
}

# flood NAME N RECV SEND RARGS... -- SARGS...: N datagrams of 1400 bytes
# with --seq from SEND --stdin -s 1400 to RECV --seq -c N -w 2, flat
# out; none duplicated, and received + lost = N.  The last 100 lines come
# after a pause of 0.5 s (not a wait for readiness): a receiver that fell
# behind catches up and sees the last datagram, so that a datagram lost
# at the tail, which no receiver can tell from one never sent, does not
# spoil the sum.  Sets rcvd, lost and dup for the test.
flood() {
	local name=$1 n=$2 rmode=$3 smode=$4 st=0
	local -a rargs=() sargs=()
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		rargs+=("$1")
		shift
	done
	shift
	sargs=("$@")
	start_server "$rmode" --seq -q -f json --stats -c "$n" -w 2 \
	    "${rargs[@]}"
	{
		yes | head -n $((n - 100))
		sleep 0.5
		yes | head -n 100
	} | timeout 60 "$ND" "$smode" --stdin -s 1400 --seq -q -p "$PORT" \
	    "${sargs[@]}" 2>"$T/$name.txerr" || st=$?
	[ "$st" -eq 0 ] || { cat "$T/$name.txerr" >&2; return 1; }
	wait_pid "$SERVER_PID" 600 || st=$?
	read -r rcvd lost dup < <(summary_of "$SERVER_OUT")
	echo "$name: received $rcvd, lost $lost, duplicated $dup (exit $st)" >&2
	[ "$dup" -eq 0 ]
	[ $((rcvd + lost)) -eq "$n" ]
	if [ "$rcvd" -eq "$n" ]; then [ "$st" -eq 0 ]; else [ "$st" -eq 3 ]; fi
}

@test "1,000,000 datagrams flat out, GSO to GRO: received + lost = sent, none duplicated" {
	flood gso 1000000 udp-recv udp-send --
}

@test "1,000,000 datagrams flat out over ::1: received + lost = sent, none duplicated" {
	flood gso6 1000000 udp-recv udp-send -H ::1 -- -H ::1
}

@test "200,000 datagrams flat out from --no-batch to recvmmsg, 10,000 from GSO to --no-batch: all of them" {
	flood nb_to_batch 200000 udp-recv udp-send -- --no-batch
	[ "$rcvd" -eq 200000 ]
	# The kernel cuts each GSO message apart for a receiver without GRO.
	flood gso_to_nb 10000 udp-recv udp-send --no-batch --
	[ "$rcvd" -eq 10000 ]
}

@test "multicast on 127.0.0.1: mcast-send -i 0 to mcast-recv prints as with --no-batch; 200,000 with --seq add up" {
	local how
	local -a nb
	for how in batch one; do
		nb=()
		[ "$how" = batch ] || nb=(--no-batch)
		start_server mcast-recv -c 300 -w 5 -f json --seq "${nb[@]}"
		timeout 10 "$ND" mcast-send -p "$PORT" -c 300 -i 0 --seq -m '{n}' \
		    -f json "${nb[@]}" >"$T/m.$how.tx"
		expect_exit 0 "$SERVER_PID"
		norm "$SERVER_OUT" >"$T/m.$how.rx"
	done
	diff -u "$T/m.one.rx" "$T/m.batch.rx"
	diff -u <(norm "$T/m.one.tx") <(norm "$T/m.batch.tx")
	mv "$T/m.batch.rx" "$T/m.rx"
	mv "$T/m.batch.tx" "$T/m.tx"
	[ "$(jq -r .data "$T/m.tx" | tr '\n' ' ')" = "$(seq 0 299 | tr '\n' ' ')" ]
	[ "$(grep -c '"group":"239.255.0.1"' "$T/m.rx")" -eq 300 ]
	flood mcast 200000 mcast-recv mcast-send --
}

@test "--echo to --rtt flat out: every datagram answered and timed, as with --no-batch" {
	local how
	local -a nb
	for how in batch one; do
		nb=()
		[ "$how" = batch ] || nb=(--no-batch)
		start_server udp-recv --echo --seq -c 1000 -w 5 -q -f json --stats \
		    "${nb[@]}"
		timeout 20 "$ND" udp-send -p "$PORT" --rtt -c 1000 -i 0 -f json \
		    --stats -s 200 "${nb[@]}" >"$T/rtt.$how.out"
		expect_exit 0 "$SERVER_PID"
		[ "$(jq -r 'select(.event == "summary") |
		    "\(.messages) \(.echoed) \(.received) \(.lost)"' \
		    "$SERVER_OUT")" = '1000 1000 1000 0' ]
		[ "$(jq -r 'select(.event == "summary") |
		    "\(.replies) \(.lost) \(.duplicated) \(.late)"' \
		    "$T/rtt.$how.out")" = '1000 0 0 0' ]
		jq -r 'select(.event == null) | "\(.seq) \(.len) \(.data)"' \
		    "$T/rtt.$how.out" >"$T/rtt.$how.seqs"
		[ "$(wc -l <"$T/rtt.$how.seqs")" -eq 1000 ]
	done
	diff -u "$T/rtt.one.seqs" "$T/rtt.batch.seqs"
}

@test "strace: --no-batch is a call per datagram each way; batched, far fewer" {
	need_strace
	local how rpid rport
	local -a nb
	for how in one batch; do
		nb=()
		[ "$how" = batch ] || nb=(--no-batch)
		traced "rx.$how" "$ND" udp-recv -c 2000 -w 5 -q -p 0 "${nb[@]}" \
		    2>"$T/rx.$how.err" &
		rpid=$!
		ND_PIDS+=("$rpid")
		rport=$(listen_port "$T/rx.$how.err")
		traced "tx.$how" "$ND" udp-send -c 2000 -i 0 -q -s 500 \
		    -p "$rport" "${nb[@]}"
		expect_exit 0 "$rpid" 300
	done
	[ "$(calls tx.one sendto)" -eq 2000 ]
	[ "$(calls tx.one sendmsg)" -eq 0 ]
	[ "$(calls rx.one recvmsg)" -ge 2000 ]
	[ "$(calls rx.one recvmmsg)" -eq 0 ]
	# 64 of 500 bytes a GSO message: 32 calls, a few more if refused.
	[ "$(calls tx.batch sendmsg)" -ge 32 ]
	[ "$(calls tx.batch sendmsg)" -le 40 ]
	[ "$(calls tx.batch sendto)" -eq 0 ]
	[ "$(calls rx.batch recvmmsg)" -le 200 ]
	[ "$(calls rx.batch recvmsg)" -eq 0 ]
}

@test "paced at -i 0.05: each datagram in a call of its own, none held for company" {
	need_strace
	start_server udp-recv -c 10 -w 5 -q
	traced paced "$ND" udp-send -c 10 -i 0.05 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	[ "$(calls paced sendmsg)" -eq 10 ]
	[ "$(grep -c 'iov_len=15}' "$T/paced.st")" -eq 10 ]
	run ! grep -q sendmmsg "$T/paced.st"
}

@test "paced at 50k/s (under strace, so wakeups come late): those due together leave in one sendmmsg, and the rate holds" {
	need_strace
	start_server udp-recv -c 25000 -w 5 -q -f json --stats
	traced fast "$ND" udp-send -c 25000 -r 50k/s -q -p "$PORT" -f json \
	    --stats >"$T/fast.out"
	expect_exit 0 "$SERVER_PID"
	[ "$(jq -r 'select(.event == "summary") | .messages' "$SERVER_OUT")" -eq 25000 ]
	local calls rate
	calls=$(($(calls fast sendmsg) + $(calls fast sendmmsg)))
	echo "25000 datagrams in $calls calls" >&2
	[ "$(calls fast sendmmsg)" -gt 0 ]
	[ "$calls" -lt 25000 ]
	rate=$(jq -r 'select(.event == "summary") | .messages_per_s' "$T/fast.out")
	awk -v r="$rate" 'BEGIN { exit !(r > 47500 && r < 52500) }'
}

@test "the kernel refuses GSO (MTU 1500, 3000-byte segments): -v says so, every datagram arrives once" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
	command -v ip >/dev/null || skip "needs ip"
	local why
	NS="ndbatch${BATS_ROOT_PID}t${BATS_TEST_NUMBER}"
	why=$(ip netns add "$NS" 2>&1) ||
	    skip "cannot create a network namespace: $why"
	ip -n "$NS" link set lo up mtu 1500
	start_server_cmd 50 ip netns exec "$NS" "$ND" udp-recv --seq -c 200 \
	    -w 5 -q -f json --stats --port 0
	run --separate-stderr ip netns exec "$NS" timeout 10 "$ND" udp-send \
	    -p "$PORT" --seq -s 3000 -c 200 -i 0 -q -v
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = 'netdemo: udp-send: sending with UDP GSO, up to 64 datagrams a call' ]
	[[ ${stderr_lines[2]} == 'netdemo: udp-send: UDP GSO refused ('*'): sending with sendmmsg, up to 64 datagrams a call' ]]
	[ "${#stderr_lines[@]}" -eq 3 ]
	expect_exit 0 "$SERVER_PID"
	[ "$(summary_of "$SERVER_OUT")" = '200 0 0' ]
}

@test "usage: --no-batch takes no argument, and is no option of tcp-serve" {
	usage_error 'netdemo: udp-recv: --no-batch: takes no argument' \
	    udp-recv --no-batch=1
	usage_error 'netdemo: tcp-serve: --no-batch: not an option of tcp-serve' \
	    tcp-serve --no-batch
}
