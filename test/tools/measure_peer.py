#!/usr/bin/env python3
"""measure_peer.py: the other end of netdemo's measurements, for
test/measure.bats: datagrams with chosen latencies, an echo that loses,
delays or repeats replies on purpose, and a probe of --echo.

  measure_peer.py forge HOST PORT [SEQ:]LAT_US...
      one --seq datagram per argument to HOST:PORT, in order: sequence
      SEQ (default: the argument's position), stamped LAT_US microseconds
      before the moment it is sent, payload "m SEQ".
  measure_peer.py echo [--drop SEQS] [--late SEQS] [--late-ms MS]
                       [--dup SEQS] [--skip-first N] [--stray] [--idle SEC]
      an echo of --seq datagrams on 127.0.0.1, on a port the kernel
      picks: prints "port N" once bound, then answers each datagram with
      its exact bytes, except that it answers nothing to the sequences of
      --drop and to the first N datagrams, answers those of --late MS
      milliseconds late (default 500), those of --dup twice, and with
      --stray also sends, once, a reply to a sequence never sent.  SEQS:
      numbers separated by commas.  Exits once nothing has come for SEC
      seconds (default 10) and nothing is held back, printing "got G
      answered A".
  measure_peer.py probe HOST PORT WAIT FILE...
      from one socket, send each FILE's bytes as one datagram and wait at
      most WAIT seconds for an answer; for each, print "same PORT" (the
      answer is the datagram, byte for byte, from PORT), "differs PORT"
      or "none".

Every wait is bounded; stdlib only.
"""
import heapq
import select
import socket
import sys
import time


def wall_us():
    return time.time_ns() // 1000


def header(seq, us):
    return b"#%012d@%016d|" % (seq, us)


def parse_seq(data):
    """The sequence of a --seq header at the start of data, or None."""
    if (len(data) < 31 or data[0:1] != b"#" or data[13:14] != b"@" or
            data[30:31] != b"|" or not data[1:13].isdigit() or
            not data[14:30].isdigit()):
        return None
    return int(data[1:13])


def address(host, port):
    fam, typ, proto, _, addr = socket.getaddrinfo(
        host, port, 0, socket.SOCK_DGRAM)[0]
    return fam, typ, proto, addr


def forge(host, port, specs):
    fam, typ, proto, addr = address(host, int(port))
    with socket.socket(fam, typ, proto) as s:
        for pos, spec in enumerate(specs):
            seq, lat = (spec.split(":") if ":" in spec else (pos, spec))
            seq, lat = int(seq), int(lat)
            s.sendto(header(seq, wall_us() - lat) + b"m %d" % seq, addr)


def seqs(arg):
    return {int(x) for x in arg.split(",") if x != ""}


def echo(args):
    drop, late, dup = set(), set(), set()
    late_ms, skip, stray, idle = 500.0, 0, False, 10.0
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--stray":
            stray = True
            i += 1
            continue
        v = args[i + 1]
        if a == "--drop":
            drop = seqs(v)
        elif a == "--late":
            late = seqs(v)
        elif a == "--late-ms":
            late_ms = float(v)
        elif a == "--dup":
            dup = seqs(v)
        elif a == "--skip-first":
            skip = int(v)
        elif a == "--idle":
            idle = float(v)
        else:
            sys.exit("measure_peer.py: echo: unknown option " + a)
        i += 2
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print("port %d" % s.getsockname()[1], flush=True)
    held = []                   # (due, n, data, peer): late answers
    got = answered = n = 0
    last = time.monotonic()
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, data, peer = heapq.heappop(held)
            s.sendto(data, peer)
            answered += 1
        if not held and now - last >= idle:
            break
        wait = idle - (now - last)
        if held:
            wait = min(wait, held[0][0] - now)
        r, _, _ = select.select([s], [], [], max(wait, 0))
        if not r:
            continue
        data, peer = s.recvfrom(65536)
        last = time.monotonic()
        got += 1
        seq = parse_seq(data)
        if got <= skip or seq is None or seq in drop:
            continue
        if seq in late:
            n += 1
            heapq.heappush(held, (last + late_ms / 1000, n, data, peer))
            continue
        s.sendto(data, peer)
        answered += 1
        if seq in dup:
            s.sendto(data, peer)
            answered += 1
        if stray:
            s.sendto(header(999999999, wall_us()) + b"stray", peer)
            stray = False
    s.close()
    print("got %d answered %d" % (got, answered), flush=True)


def probe(host, port, wait, files):
    fam, typ, proto, addr = address(host, int(port))
    with socket.socket(fam, typ, proto) as s:
        for name in files:
            with open(name, "rb") as f:
                data = f.read()
            s.sendto(data, addr)
            r, _, _ = select.select([s], [], [], float(wait))
            if not r:
                print("none", flush=True)
                continue
            back, peer = s.recvfrom(65536)
            print("%s %d" % ("same" if back == data else "differs",
                             peer[1]), flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "forge" and len(args) >= 3:
        forge(args[0], args[1], args[2:])
    elif cmd == "echo":
        echo(args)
    elif cmd == "probe" and len(args) >= 4:
        probe(args[0], args[1], args[2], args[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
