#!/usr/bin/env python3
"""pace_stamps.py COUNT IDLE: receive up to COUNT datagrams on 127.0.0.1 (a
port the kernel picks, announced on stderr as "listening on ADDR:PORT"),
until IDLE seconds pass without one; print each datagram's kernel receive
time (SO_TIMESTAMPNS, in microseconds since the epoch), one a line."""
import socket
import struct
import sys

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux


def main():
    count, idle = int(sys.argv[1]), float(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(("127.0.0.1", 0))
    print("pace_stamps: listening on 127.0.0.1:%d" % s.getsockname()[1],
          file=sys.stderr, flush=True)
    s.settimeout(idle)
    n = 0
    try:
        while n < count:
            _, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, ns = struct.unpack("qq", data[:16])
                    print(sec * 1000000 + ns // 1000, flush=True)
            n += 1
    except socket.timeout:
        pass


if __name__ == "__main__":
    main()
