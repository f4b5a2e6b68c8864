#!/usr/bin/env python3
"""scale_clients.py: many TCP clients held at once, for test/scale.bats.

    scale_clients.py echo HOST PORT N [LIMIT]
        raise this process's RLIMIT_NOFILE (exit 77 if the hard limit is
        too low), open N connections one after another and hold them all;
        then send "c I\\n" on each and read the echo back on each.  Only
        then close them all.  Prints one json object:
            {"clients": N, "connected": C, "echoed": E, "closed": X,
             "silent": S, "wrong": W, "bytes": B,
             "connect_s": T1, "echo_s": T2}
        closed: EOF or an error before the whole echo; silent: neither
        within the deadline; wrong: an echo that differs from what was
        sent; bytes: what was sent on all of them.  Exit 0 only if every
        client connected and got its echo.  LIMIT (default 60 s) bounds
        the whole run.
    scale_clients.py idle HOST PORT ACTIVE SILENT PERIOD DURATION
        open ACTIVE + SILENT connections, alternately an active one and a
        silent one (an active one first, so that the server's oldest
        client stays active); an active one sends a byte as soon as it is
        connected, and every PERIOD seconds while the others connect.
        Then for DURATION seconds every active one sends one byte every
        PERIOD seconds and reads its echo; the silent ones send nothing
        and only watch for the server to close them.  Then each active
        one sends "end\\n" and waits (at most 10 s) until all it sent has
        come back.  Prints one json object:
            {"active": A, "silent": S, "silent_dropped": D,
             "active_dropped": AD, "active_echoed": AE, "wrong": W,
             "bytes": B, "connect_s": T, "drop_s_min": T, "drop_s_max": T,
             "silent_ports": [...], "active_ports": [...]}
        silent_dropped: silent ones the server closed during the DURATION
        (drop_s_*: how long after its connect); active_echoed: active ones
        that got every byte back and were never closed; bytes: what the
        active ones sent, all told.  Exit 0 only if every silent one was
        dropped and every active one echoed.

Every wait is bounded; stdlib only.
"""

import errno
import json
import os
import resource
import select
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import family_of  # noqa: E402


def want_nofile(n):
    """Raise the soft RLIMIT_NOFILE to n; False if the hard one is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n or soft == resource.RLIM_INFINITY:
        return True
    if hard != resource.RLIM_INFINITY and hard < n:
        print("hard RLIMIT_NOFILE %d < %d" % (hard, n), file=sys.stderr)
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return True


def open_clients(host, port, n, end):
    """n connections, one after another; stops early at the deadline."""
    socks = []
    for _ in range(n):
        if time.monotonic() >= end:
            break
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        s.settimeout(max(0.1, min(10.0, end - time.monotonic())))
        try:
            s.connect((host, port))
        except OSError as e:
            print("connect %d: %s" % (len(socks), e), file=sys.stderr)
            s.close()
            break
        s.setblocking(False)
        socks.append(s)
    return socks


def say(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


# --- echo ------------------------------------------------------------------

def cmd_echo(host, port, n, limit=60.0):
    if not want_nofile(n + 64):
        return 77
    t0 = time.monotonic()
    end = t0 + limit
    socks = open_clients(host, port, n, end)
    t1 = time.monotonic()
    sel = selectors.DefaultSelector()
    want, got = {}, {}
    nbytes = 0
    for i, s in enumerate(socks):
        want[s] = b"c %d\n" % i
        got[s] = b""
        try:
            # A few bytes into an empty send buffer: never blocks.
            if s.send(want[s]) != len(want[s]):
                raise OSError("short send")
        except OSError as e:
            print("send %d: %s" % (i, e), file=sys.stderr)
            continue
        nbytes += len(want[s])
        sel.register(s, selectors.EVENT_READ)
    echoed = closed = wrong = 0
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
    t2 = time.monotonic()
    silent = len(sel.get_map())
    sel.close()
    say({"clients": n, "connected": len(socks), "echoed": echoed,
         "closed": closed, "silent": silent, "wrong": wrong,
         "bytes": nbytes, "connect_s": round(t1 - t0, 3),
         "echo_s": round(t2 - t1, 3)})
    for s in socks:
        s.close()
    return 0 if echoed == n else 1


# --- idle ------------------------------------------------------------------

class Client:
    def __init__(self, sock, active, t_open):
        self.sock = sock
        self.active = active
        self.t_open = t_open
        self.port = sock.getsockname()[1]
        self.sent = b""
        self.got = b""
        self.closed_at = None   # when the server closed it
        self.wrong = False


def cmd_idle(host, port, nactive, nsilent, period, duration):
    if not want_nofile(nactive + nsilent + 64):
        return 77
    end = time.monotonic() + duration + 30
    roles = []
    for i in range(max(nactive, nsilent)):
        roles += [True] if i < nactive else []
        roles += [False] if i < nsilent else []
    sel = selectors.DefaultSelector()
    clients = []

    def send(c, data):
        try:
            n = c.sock.send(data)
        except OSError:
            n = 0
        c.sent += data[:n]

    def tick():
        for c in clients:
            if c.active and c.closed_at is None:
                send(c, b"a")

    def pump(until):
        """Read what comes until the time until."""
        while len(sel.get_map()) > 0:
            left = until - time.monotonic()
            if left <= 0:
                return
            for key, _ in sel.select(timeout=left):
                c = key.data
                try:
                    data = c.sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    c.closed_at = time.monotonic()
                    sel.unregister(c.sock)
                    continue
                c.got += data
                if not c.active or not c.sent.startswith(c.got):
                    c.wrong = True
                    sel.unregister(c.sock)

    # Connect one at a time, without blocking: an active client sends its
    # first byte as soon as it is connected, and every PERIOD meanwhile
    # all the active ones connected so far send one, so that none is
    # quiet for longer than PERIOD however long the connects take.
    t_start = last_tick = time.monotonic()
    for active in roles:
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, port))
        done = err == 0
        if err not in (0, errno.EINPROGRESS):
            print("connect %d: %s" % (len(clients), os.strerror(err)),
                  file=sys.stderr)
        while err == errno.EINPROGRESS and time.monotonic() < end:
            now = time.monotonic()
            if now - last_tick >= period:
                tick()
                last_tick = now
            _, w, _ = select.select([], [s], [],
                                    max(0.0, last_tick + period - now))
            if w:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                done = err == 0
                if err:
                    print("connect %d: %s" % (len(clients),
                                              os.strerror(err)),
                          file=sys.stderr)
                break
        if not done:
            s.close()
            break
        c = Client(s, active, time.monotonic())
        clients.append(c)
        sel.register(s, selectors.EVENT_READ, c)
        if active:
            send(c, b"a")
        if time.monotonic() - last_tick >= period:
            tick()
            last_tick = time.monotonic()
    connect_s = time.monotonic() - t_start

    t0 = time.monotonic()
    ticks = int(duration / period) + 1
    for k in range(ticks):
        tick()
        pump(min(t0 + (k + 1) * period, t0 + duration))
    # Whatever the silent ones did, it was within the DURATION.
    for c in clients:
        if not c.active and c.closed_at is None and \
                c.sock.fileno() in sel.get_map():
            sel.unregister(c.sock)
    for c in clients:
        if c.active and c.closed_at is None:
            send(c, b"end\n")
    last = time.monotonic() + 10
    while time.monotonic() < last and any(
            c.active and c.closed_at is None and not c.wrong and
            c.got != c.sent for c in clients):
        pump(min(last, time.monotonic() + 0.2))
    sel.close()

    silent = [c for c in clients if not c.active]
    active = [c for c in clients if c.active]
    dropped = [c for c in silent if c.closed_at is not None]
    drop_s = [c.closed_at - c.t_open for c in dropped]
    echoed = [c for c in active if c.closed_at is None and not c.wrong and
              c.got == c.sent and c.sent.endswith(b"end\n")]
    say({"active": len(active), "silent": len(silent),
         "silent_dropped": len(dropped),
         "active_dropped": sum(c.closed_at is not None for c in active),
         "active_echoed": len(echoed),
         "wrong": sum(c.wrong for c in clients),
         "bytes": sum(len(c.sent) for c in clients),
         "connect_s": round(connect_s, 3),
         "drop_s_min": round(min(drop_s), 3) if drop_s else None,
         "drop_s_max": round(max(drop_s), 3) if drop_s else None,
         "silent_ports": sorted(c.port for c in silent),
         "active_ports": sorted(c.port for c in active)})
    for c in clients:
        c.sock.close()
    ok = len(dropped) == nsilent and len(echoed) == nactive
    return 0 if ok else 1


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    rest = argv[4:]
    if cmd == "echo":
        limit = float(rest[1]) if len(rest) > 1 else 60.0
        return cmd_echo(host, port, int(rest[0]), limit)
    if cmd == "idle" and len(rest) == 4:
        return cmd_idle(host, port, int(rest[0]), int(rest[1]),
                        float(rest[2]), float(rest[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
