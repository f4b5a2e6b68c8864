#!/usr/bin/env python3
"""hostile_io.py: hostile surroundings for netdemo, for test/hostile/.

    hostile_io.py hold FIFO [--line REGEX] [--fill] [--drain GO OUT]
        make FIFO (if need be) and open it for reading, print "ready", then
        read nothing -- so a writer blocks once the pipe is full.  With
        --line, first read (and print) until a line matching REGEX has been
        read (e.g. netdemo's "listening on" line on its standard error).
        With --fill, then fill the pipe with dots itself, so that any later
        write blocks at once.  Prints "full" once the pipe is full.  With
        --drain, once the file GO exists, read everything to OUT until the
        writers close, print "drained N" and exit.  Gives up after 60 s.
    hostile_io.py slowread OUT [--pause S] [--chunk N] [--delay S]
                  [--limit S] [--pipe-size N] -- CMD...
        run CMD with its standard output a pipe set O_NONBLOCK; read
        CHUNK bytes (default 16384) every DELAY seconds (default 0.002),
        but nothing for S seconds (default 0.5: the pipe fills) after the
        first read and again after every 4 MiB; write what was read to
        OUT.  --pipe-size sets the pipe's capacity (F_SETPIPE_SZ).  Prints
        "exit N read B bytes" and exits with CMD's status (124 and CMD
        killed after LIMIT seconds, default 30).
    hostile_io.py flood HOST PORT N [PAUSE N]...
        against `tcp-serve --max-clients 1`: connect one client and check
        that it is echoed; then connect N clients one after another, each
        waiting (at most 2 s) to be closed by the server; after PAUSE
        seconds N more, and so on.  Then close the first client and check
        that a new client is echoed (a client the server closes before it
        has seen the first one leave is counted as turned away, and tried
        again).  Prints "turned away T silent S" and "echo after: ok" (or
        "failed"); exit 0 only if all went so.
    hostile_io.py backlog
        listen on 127.0.0.1 with a backlog of 0 and never accept; fill the
        accept queue until a further connect gets no answer, then print
        "port P" and hold (60 s at most).
    hostile_io.py sockwait PID tcp|udp STATE [TENTHS]
        wait (default at most 5 s) until process PID has a socket of that
        protocol in STATE (/proc/net hex: 0A listen, 02 SYN sent, 07 an
        unconnected UDP socket) and print its local port; exit 1 if not.
    hostile_io.py manyfds MINFD -- CMD...
        raise the soft RLIMIT_NOFILE, open /dev/null until descriptor MINFD
        is taken (all inherited), then exec CMD.

Every wait is bounded; stdlib only.
"""

import errno
import fcntl
import os
import re
import resource
import select
import signal
import socket
import stat
import subprocess
import sys
import termios
import time

F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
MiB = 1 << 20


def say(text):
    print(text, flush=True)


def fionread(fd):
    buf = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    return int.from_bytes(buf, sys.byteorder)


def pipe_size(fd):
    try:
        return fcntl.fcntl(fd, F_GETPIPE_SZ)
    except OSError:
        return 65536


def is_full(fd):
    # A write of up to PIPE_BUF bytes needs that much room; less than a
    # page left is full for any writer of lines.
    return fionread(fd) > pipe_size(fd) - 4096


# --- hold ------------------------------------------------------------------

def cmd_hold(args):
    fifo = args.pop(0)
    line_re = fill = drain = None
    while args:
        a = args.pop(0)
        if a == "--line":
            line_re = re.compile(args.pop(0).encode())
        elif a == "--fill":
            fill = True
        elif a == "--drain":
            drain = (args.pop(0), args.pop(0))
        else:
            raise SystemExit("hold: unknown option %s" % a)
    try:
        os.mkfifo(fifo)
    except FileExistsError:
        if not stat.S_ISFIFO(os.stat(fifo).st_mode):
            raise
    r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    say("ready")
    end = time.monotonic() + 60
    if line_re is not None:
        got = b""
        while time.monotonic() < end:
            ready, _, _ = select.select([r], [], [], 0.1)
            if not ready:
                continue
            try:
                b = os.read(r, 4096)
            except BlockingIOError:
                continue
            if not b:
                # No writer yet, or it went: wait for one.
                time.sleep(0.05)
                continue
            got += b
            sys.stdout.buffer.write(b)
            sys.stdout.flush()
            if any(line_re.search(x) for x in got.split(b"\n")[:-1]):
                break
    w = None
    if fill:
        w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        for size in (65536, 4096, 1):
            while True:
                try:
                    os.write(w, b"." * size)
                except BlockingIOError:
                    break
    said_full = False
    while time.monotonic() < end:
        if not said_full and is_full(r):
            say("full")
            said_full = True
        if drain is not None and os.path.exists(drain[0]):
            return drain_to(r, drain[1], end)
        time.sleep(0.05)
    return 1


def drain_to(r, out, end):
    n = 0
    with open(out, "wb") as f:
        while time.monotonic() < end:
            ready, _, _ = select.select([r], [], [], 0.2)
            if not ready:
                continue
            try:
                b = os.read(r, 65536)
            except BlockingIOError:
                continue
            if not b:
                say("drained %d" % n)
                return 0
            f.write(b)
            n += len(b)
    say("drained %d (gave up)" % n)
    return 1


# --- slowread --------------------------------------------------------------

def cmd_slowread(args):
    out = args.pop(0)
    pause, chunk, delay, limit, size = 0.5, 16384, 0.002, 30.0, 0
    while args and args[0] != "--":
        a = args.pop(0)
        v = args.pop(0)
        if a == "--pause":
            pause = float(v)
        elif a == "--chunk":
            chunk = int(v)
        elif a == "--delay":
            delay = float(v)
        elif a == "--limit":
            limit = float(v)
        elif a == "--pipe-size":
            size = int(v)
        else:
            raise SystemExit("slowread: unknown option %s" % a)
    cmd = args[1:]
    r, w = os.pipe()
    if size:
        fcntl.fcntl(w, F_SETPIPE_SZ, size)
    fl = fcntl.fcntl(w, fcntl.F_GETFL)
    fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    child = subprocess.Popen(cmd, stdout=w)
    os.close(w)

    def on_term(signum, frame):
        child.kill()
        child.wait()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    end = time.monotonic() + limit
    n = 0
    next_pause = 1
    with open(out, "wb") as f:
        while time.monotonic() < end:
            if n >= next_pause:
                time.sleep(pause)
                next_pause = n + 4 * MiB
            ready, _, _ = select.select([r], [], [], 0.2)
            if not ready:
                continue
            b = os.read(r, chunk)
            if not b:
                break
            f.write(b)
            n += len(b)
            time.sleep(delay)
    if time.monotonic() >= end:
        child.kill()
        child.wait()
        say("exit 124 (killed after %g s) read %d bytes" % (limit, n))
        return 124
    try:
        st = child.wait(timeout=max(0.1, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        say("exit 124 (killed after %g s) read %d bytes" % (limit, n))
        return 124
    if st < 0:
        st = 128 - st
    say("exit %d read %d bytes" % (st, n))
    return st


# --- flood -----------------------------------------------------------------

def echo_ok(host, port, text):
    """Connect, send TEXT, read it back: (socket, "ok"), (None, "closed")
    when the server closed the connection first, (None, "error")."""
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(text)
        got = b""
        while len(got) < len(text):
            b = s.recv(4096)
            if not b:
                break
            got += b
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return None, "closed"
    except OSError as e:
        print("echo: %s" % e, file=sys.stderr)
        return None, "error"
    if got == text:
        return s, "ok"
    s.close()
    return None, "closed" if not got else "error"


def turned_away(host, port):
    """Connect; True once the server closes (EOF or reset) within 2 s."""
    try:
        s = socket.create_connection((host, port), timeout=2)
    except OSError:
        return False
    try:
        s.settimeout(2)
        while True:
            if not s.recv(4096):
                return True
    except (ConnectionResetError, ConnectionAbortedError):
        return True
    except OSError:
        return False
    finally:
        s.close()


def cmd_flood(args):
    host, port = args[0], int(args[1])
    plan = [float(x) for x in args[2:]]
    first, how = echo_ok(host, port, b"first\n")
    if how != "ok":
        say("first client not echoed: %s" % how)
        return 1
    away = silent = 0
    end = time.monotonic() + 20
    for i, v in enumerate(plan):
        if i % 2 == 1:
            time.sleep(v)
            continue
        for _ in range(int(v)):
            if silent or time.monotonic() > end:
                break
            if turned_away(host, port):
                away += 1
            else:
                silent += 1
    first.close()
    # The server sees the first client leave, and its slot is free again;
    # a client that comes before that is turned away (and counted).
    how = "error"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        s, how = echo_ok(host, port, b"after\n")
        if s is not None:
            s.close()
        if how != "closed":
            break
        away += 1
        time.sleep(0.05)
    say("turned away %d silent %d" % (away, silent))
    say("echo after: %s" % ("ok" if how == "ok" else "failed"))
    return 0 if how == "ok" and not silent else 1


# --- backlog ---------------------------------------------------------------

def cmd_backlog(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    held = []
    for _ in range(16):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        _, w, _ = select.select([], [c], [], 0.5)
        if not w:
            c.close()
            say("port %d" % port)
            time.sleep(60)
            return 0
        held.append(c)
    say("could not fill the backlog")
    return 1


# --- sockwait --------------------------------------------------------------

def socket_inodes(pid):
    inodes = set()
    d = "/proc/%d/fd" % pid
    for name in os.listdir(d):
        try:
            t = os.readlink(os.path.join(d, name))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]$", t)
        if m:
            inodes.add(m.group(1))
    return inodes


def find_port(pid, proto, state):
    inodes = socket_inodes(pid)
    for fam in ("", "6"):
        try:
            with open("/proc/net/%s%s" % (proto, fam)) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            col = row.split()
            if col[3].upper() == state.upper() and col[9] in inodes:
                return int(col[1].rsplit(":", 1)[1], 16)
    return None


def cmd_sockwait(args):
    pid, proto, state = int(args[0]), args[1], args[2]
    tenths = int(args[3]) if len(args) > 3 else 50
    for _ in range(tenths):
        try:
            port = find_port(pid, proto, state)
        except FileNotFoundError:
            print("process %d is gone" % pid, file=sys.stderr)
            return 1
        if port is not None:
            say(str(port))
            return 0
        time.sleep(0.1)
    print("process %d: no %s socket in state %s after %d s"
          % (pid, proto, state, tenths // 10), file=sys.stderr)
    return 1


# --- manyfds ---------------------------------------------------------------

def cmd_manyfds(args):
    minfd = int(args[0])
    cmd = args[2:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = minfd + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            print("hard RLIMIT_NOFILE %d < %d" % (hard, want),
                  file=sys.stderr)
            return 77
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    fd = -1
    while fd < minfd:
        fd = os.open("/dev/null", os.O_RDONLY)
        os.set_inheritable(fd, True)
    os.execvp(cmd[0], cmd)
    return 127


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmds = {"hold": cmd_hold, "slowread": cmd_slowread, "flood": cmd_flood,
            "backlog": cmd_backlog, "sockwait": cmd_sockwait,
            "manyfds": cmd_manyfds}
    if argv[1] not in cmds:
        print("unknown command %s" % argv[1], file=sys.stderr)
        return 2
    try:
        return cmds[argv[1]](argv[2:])
    except OSError as e:
        if e.errno == errno.EPIPE:
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv))
