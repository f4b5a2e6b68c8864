#!/usr/bin/env python3
"""dg_send.py HOST PORT FILE...: send each FILE's bytes as one UDP datagram
to HOST:PORT (IPv4 or IPv6, from the address), in order."""
import socket
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: dg_send.py HOST PORT FILE...")
    host, port = sys.argv[1], int(sys.argv[2])
    fam, typ, proto, _, addr = socket.getaddrinfo(
        host, port, 0, socket.SOCK_DGRAM)[0]
    with socket.socket(fam, typ, proto) as s:
        for name in sys.argv[3:]:
            with open(name, "rb") as f:
                s.sendto(f.read(), addr)


if __name__ == "__main__":
    main()
