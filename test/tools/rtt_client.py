#!/usr/bin/env python3
"""rtt_client.py PORT MODE N [SIZE]: send N datagrams from one socket to
127.0.0.1:PORT as fast as it can, then read replies until none has come
for 0.5 s (at most 5 s), and print one JSON object:
  {"sent", "send_s" (first send to last send), "replies",
   "span_s" (first send to last reply), "bad" (replies that are not, byte
   for byte, a datagram sent), "seqs" (distinct sequences answered)}
MODE plain: payloads without a --seq header ("plain N").
MODE seq:   valid --seq headers (netdemo's seq.h: '#', 12-digit sequence,
            '@', 16-digit send time in us, '|'), then a payload that makes
            the datagram SIZE bytes (default: 31 + 1 + seq % 200, so each
            datagram's length differs from its neighbours')."""
import json
import socket
import sys
import time


def datagram(mode, n, size):
    if mode == "plain":
        return b"plain %d" % n
    head = b"#%012d@%016d|" % (n, time.time_ns() // 1000)
    want = size if size else len(head) + 1 + n % 200
    return head + b"x" * max(want - len(head), 0)


def main():
    port, mode, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for every reply while we are still sending (root may force it).
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    sent = set()
    t0 = time.monotonic()
    for n in range(count):
        d = datagram(mode, n, size)
        sent.add(d)
        s.sendto(d, ("127.0.0.1", port))
    t1 = last = time.monotonic()
    replies = bad = 0
    seqs = set()
    s.settimeout(0.5)
    while time.monotonic() - t1 < 5:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        last = time.monotonic()
        replies += 1
        if d in sent:
            seqs.add(d[1:13])
        else:
            bad += 1
    print(json.dumps({"sent": count, "send_s": t1 - t0, "replies": replies,
                      "span_s": last - t0, "bad": bad, "seqs": len(seqs)}))


if __name__ == "__main__":
    main()
