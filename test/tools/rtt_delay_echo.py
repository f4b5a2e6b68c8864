#!/usr/bin/env python3
"""rtt_delay_echo.py DELAY_MS [SLOW_EVERY SLOW_MS]: a UDP echo on
127.0.0.1, port 0, that answers each datagram unchanged DELAY_MS after it
came (SLOW_MS instead for each datagram whose --seq number N has
N % SLOW_EVERY == SLOW_EVERY - 1).  Prints its port on the first line of stdout; exits after 30 s.
The replies wait in a heap ordered by due time, so a backlog never builds
up: each is sent when due, not after the ones before it."""
import heapq
import select
import socket
import sys
import time


def seq_of(data):
    # The --seq header: '#' 12 digits '@' 16 digits '|' (31 bytes).
    if len(data) >= 31 and data[:1] == b"#" and data[13:14] == b"@":
        try:
            return int(data[1:13])
        except ValueError:
            pass
    return -1


def main():
    delay = float(sys.argv[1]) / 1000
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    slow = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else delay
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    end = time.monotonic() + 30
    due = []  # (when, n, data, addr); n keeps equal times in order
    n = 0
    while time.monotonic() < end:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, data, addr = heapq.heappop(due)
            s.sendto(data, addr)
        wait = min(due[0][0] - now if due else 0.1, end - now)
        if select.select([s], [], [], max(wait, 0))[0]:
            data, addr = s.recvfrom(65536)
            seq = seq_of(data)
            d = slow if every and seq >= 0 and seq % every == every - 1 else delay
            heapq.heappush(due, (time.monotonic() + d, n, data, addr))
            n += 1


if __name__ == "__main__":
    main()
