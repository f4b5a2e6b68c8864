#!/usr/bin/env python3
"""peer.py: TCP peers that misbehave on purpose, for the netdemo tests.

    peer.py reset HOST PORT NBYTES
        connect, send up to NBYTES without reading the echo, read a little,
        then close with SO_LINGER 0 so that the server gets a reset.
    peer.py hold HOST PORT N UNTIL [NOFILE]
        open N connections, print "open N", keep them until the file UNTIL
        exists (at most 60 s), close them all and print "closed".
    peer.py many HOST PORT N [NOFILE]
        open N connections at once, send "ping I\\n" on each and wait for
        the echo; print "echoed E closed C silent S" (closed: EOF or reset
        before the echo; silent: neither within the deadline); exit 1 if
        an echo differs from what was sent.
    peer.py slowread HOST PORT NBYTES GO
        with a small receive buffer, send NBYTES of random data (then shut
        down writing) but read nothing until the file GO exists (at most
        60 s); then read to EOF and check that every byte came back in
        order.  Prints "sent N" once all is sent, "ok N" at the end; exit 1
        on a mismatch.

Every wait is bounded; stdlib only.
"""

import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def connect(host, port, rcvbuf=None):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((host, port))
    return s


def wait_file(path, limit=60.0):
    end = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.05)
    return os.path.exists(path)


def cmd_reset(host, port, nbytes):
    s = connect(host, port)
    s.setblocking(False)
    chunk = os.urandom(65536)
    sent = 0
    end = time.monotonic() + 5
    while sent < nbytes and time.monotonic() < end:
        try:
            sent += s.send(chunk[: min(len(chunk), nbytes - sent)])
        except BlockingIOError:
            break
    time.sleep(0.05)
    try:
        s.recv(1000)
    except BlockingIOError:
        pass
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset after %d bytes" % sent, flush=True)


def cmd_hold(host, port, n, until):
    socks = [connect(host, port) for _ in range(n)]
    print("open %d" % len(socks), flush=True)
    ok = wait_file(until)
    for s in socks:
        s.close()
    print("closed", flush=True)
    return 0 if ok else 1


def cmd_many(host, port, n):
    socks = [connect(host, port) for _ in range(n)]
    sel = selectors.DefaultSelector()
    want, got = {}, {}
    for i, s in enumerate(socks):
        want[s] = b"ping %d\n" % i
        got[s] = b""
        try:
            s.sendall(want[s])
        except OSError:
            pass
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    echoed = closed = wrong = 0
    end = time.monotonic() + 20
    while len(sel.get_map()) > 0 and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed += 1
                sel.unregister(s)
                continue
            got[s] += data
            if got[s] == want[s]:
                echoed += 1
                sel.unregister(s)
            elif not want[s].startswith(got[s]):
                print("wrong echo: %r" % got[s], file=sys.stderr)
                wrong += 1
                sel.unregister(s)
    silent = len(sel.get_map())
    print("echoed %d closed %d silent %d" % (echoed, closed, silent),
          flush=True)
    for s in socks:
        s.close()
    return 1 if wrong else 0


def cmd_slowread(host, port, nbytes, go):
    data = os.urandom(nbytes)
    s = connect(host, port, rcvbuf=32768)
    s.settimeout(None)
    err = []

    def sender():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            print("sent %d" % nbytes, flush=True)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    if not wait_file(go):
        print("no go file", file=sys.stderr)
        return 1
    s.settimeout(30)
    back = bytearray()
    while len(back) <= nbytes:
        b = s.recv(1 << 20)
        if not b:
            break
        back += b
    t.join(30)
    if err:
        print("send: %s" % err[0], file=sys.stderr)
        return 1
    if bytes(back) != data:
        print("echo differs: %d bytes back of %d" % (len(back), nbytes),
              file=sys.stderr)
        return 1
    print("ok %d" % len(back), flush=True)
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    rest = argv[4:]
    if cmd == "reset":
        cmd_reset(host, port, int(rest[0]))
        return 0
    if cmd == "hold":
        if len(rest) > 2:
            raise_nofile(int(rest[2]))
        return cmd_hold(host, port, int(rest[0]), rest[1])
    if cmd == "many":
        if len(rest) > 1:
            raise_nofile(int(rest[1]))
        return cmd_many(host, port, int(rest[0]))
    if cmd == "slowread":
        return cmd_slowread(host, port, int(rest[0]), rest[1])
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
