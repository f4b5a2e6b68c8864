#!/usr/bin/env python3
"""hostile_tcp.py: TCP peers for test/hostile/tcp.bats.

Servers bind HOST (default 127.0.0.1) port 0 and print "port N" once they
listen, so that a test waits for that line instead of sleeping; they serve
one client, then exit.

    hostile_tcp.py okserver [HOST]
        accept one client, read exactly 10 bytes, send "ok\\n" and close
        (with the rest of the client's data unread: the client gets a
        reset).  Prints "read 10" at the end.
    hostile_tcp.py halfclose [HOST]
        accept one client, shut down writing at once (the client reads
        EOF), but keep reading to EOF, counting every byte.  Prints
        "read N"; exit 1 if the client reset or 60 s passed first.
    hostile_tcp.py slowdrain HOST PORT NBYTES CHUNK INTERVAL
        with a small receive buffer, send NBYTES random bytes (then shut
        down writing) from a thread, while reading the echo at a fixed
        pace: at most CHUNK bytes every INTERVAL seconds.  Prints "port P"
        (its own port) at once, then "ok N in T s" when every byte came
        back in order, or "dropped after N bytes: WHY" (exit 1).
    hostile_tcp.py idle HOST PORT LIMIT
        connect, print "port P" (its own port), send and read nothing;
        wait at most LIMIT seconds for the server to close the
        connection.  Prints "closed after T s", or "still open after T s"
        (exit 1).
    hostile_tcp.py churn HOST PORT ROUNDS N
        ROUNDS times: open N connections and hold them; send "h\\n" on each
        and wait until each one echoes (served) or is closed (turned
        away); then close all N and at once connect one more, send a line
        and wait for its echo.  Prints one line per round and at the end
        "rounds R echoed E lost L"; exit 1 if a new client was lost.

Every wait is bounded; stdlib only.
"""

import os
import selectors
import socket
import sys
import threading
import time

# The house's TCP peer helpers (same directory).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import family_of, raise_nofile  # noqa: E402


def listen_one(host):
    ls = socket.socket(family_of(host), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, 0))
    ls.listen(4)
    print("port %d" % ls.getsockname()[1], flush=True)
    ls.settimeout(20)
    try:
        c, _ = ls.accept()
    except socket.timeout:
        print("no client within 20 s", file=sys.stderr)
        sys.exit(1)
    ls.close()
    return c


def cmd_okserver(host):
    c = listen_one(host)
    c.settimeout(20)
    got = b""
    while len(got) < 10:
        b = c.recv(10 - len(got))
        if not b:
            break
        got += b
    c.sendall(b"ok\n")
    c.close()
    print("read %d" % len(got), flush=True)
    return 0 if len(got) == 10 else 1


def cmd_halfclose(host):
    c = listen_one(host)
    c.shutdown(socket.SHUT_WR)
    n = 0
    rc = 0
    end = time.monotonic() + 60
    buf = bytearray(1 << 20)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            print("60 s passed before EOF", file=sys.stderr)
            rc = 1
            break
        c.settimeout(left)
        try:
            k = c.recv_into(buf)
        except OSError as e:
            print("recv: %s" % e, file=sys.stderr)
            rc = 1
            break
        if k == 0:
            break
        n += k
    c.close()
    print("read %d" % n, flush=True)
    return rc


def cmd_slowdrain(host, port, nbytes, chunk, interval):
    data = os.urandom(nbytes)
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    # A small fixed receive buffer: the echo piles up in the server.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    s.settimeout(10)
    s.connect((host, port))
    print("port %d" % s.getsockname()[1], flush=True)
    s.settimeout(None)
    err = []

    def sender():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=sender, daemon=True)
    t0 = time.monotonic()
    t.start()
    limit = 2.0 * nbytes / chunk * interval + 10
    back = bytearray()
    why = None
    tick = t0
    while len(back) < nbytes and why is None:
        tick += interval
        now = time.monotonic()
        if now - t0 > limit:
            why = "%.0f s passed" % limit
            break
        if tick > now:
            time.sleep(tick - now)
        want = min(chunk, nbytes - len(back))
        while want > 0:
            try:
                b = s.recv(want, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as e:
                why = os.strerror(e.errno) if e.errno else str(e)
                break
            if not b:
                why = "EOF"
                break
            back += b
            want -= len(b)
        if back != data[:len(back)]:
            why = "echo differs from byte %d" % len(back)
    t.join(5)
    if why is None and err:
        why = "send: %s" % err[0]
    if why is None and len(back) != nbytes:
        why = "short echo"
    s.close()
    if why is not None:
        print("dropped after %d bytes: %s" % (len(back), why), flush=True)
        return 1
    print("ok %d in %.1f s" % (nbytes, time.monotonic() - t0), flush=True)
    return 0


def cmd_idle(host, port, limit):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect((host, port))
    print("port %d" % s.getsockname()[1], flush=True)
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        b = s.recv(4096)
        how = "closed" if not b else "got data"
    except socket.timeout:
        how = "still open"
    except OSError as e:
        how = "closed (%s)" % (os.strerror(e.errno) if e.errno else e)
    s.close()
    print("%s after %.1f s" % (how, time.monotonic() - t0), flush=True)
    return 0 if how.startswith("closed") else 1


def echo_wait(socks, line, limit):
    """Wait until each socket in socks echoes line or is closed; returns
    (echoed, closed, silent)."""
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        got[s] = b""
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    echoed = closed = 0
    end = time.monotonic() + limit
    while sel.get_map() and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                b = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if not b:
                closed += 1
                sel.unregister(s)
                continue
            got[s] += b
            if got[s] == line:
                echoed += 1
                sel.unregister(s)
            elif not line.startswith(got[s]):
                print("wrong echo %r" % got[s], file=sys.stderr)
                closed += 1
                sel.unregister(s)
    silent = len(sel.get_map())
    sel.close()
    return echoed, closed, silent


def cmd_churn(host, port, rounds, n):
    raise_nofile(n + 64)
    fam = family_of(host)
    ok = lost = 0
    for r in range(rounds):
        socks = []
        for _ in range(n):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(10)
            try:
                s.connect((host, port))
            except OSError as e:
                print("round %d: connect: %s" % (r, e), file=sys.stderr)
                s.close()
                continue
            try:
                s.sendall(b"h\n")
            except OSError:
                pass
            socks.append(s)
        served, away, silent = echo_wait(socks, b"h\n", 10)
        # Everyone leaves at once; a new client comes right after.
        for s in socks:
            s.close()
        line = b"new %d\n" % r
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(5)
        how = "echoed"
        try:
            s.connect((host, port))
            s.sendall(line)
            e, c, _ = echo_wait([s], line, 5)
            if e != 1:
                how = "closed" if c else "silent"
        except OSError as e:
            how = os.strerror(e.errno) if e.errno else str(e)
        s.close()
        if how == "echoed":
            ok += 1
        else:
            lost += 1
        print("round %d: %d served, %d turned away, %d silent; new client "
              "%s" % (r, served, away, silent, how), flush=True)
    print("rounds %d echoed %d lost %d" % (rounds, ok, lost), flush=True)
    return 1 if lost else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "okserver":
        return cmd_okserver(rest[0] if rest else "127.0.0.1")
    if cmd == "halfclose":
        return cmd_halfclose(rest[0] if rest else "127.0.0.1")
    if cmd == "slowdrain" and len(rest) == 5:
        return cmd_slowdrain(rest[0], int(rest[1]), int(rest[2]),
                             int(rest[3]), float(rest[4]))
    if cmd == "idle" and len(rest) == 3:
        return cmd_idle(rest[0], int(rest[1]), float(rest[2]))
    if cmd == "churn" and len(rest) == 4:
        return cmd_churn(rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
