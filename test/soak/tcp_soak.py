#!/usr/bin/env python3
"""tcp_soak.py: CLIENTS concurrent clients against an echo server for SECONDS.

Each client loops: connect, then one of
  echo      send random chunks, read the echo back, compare, close;
  halfclose send, shut down writing, read to EOF, compare everything;
  reset     send some, close with SO_LINGER 0 (RST) without reading;
  stall     send up to 3 MiB, read nothing for a while, then read all back.
Every echo that completes must match byte for byte.  Prints one line of
key=value counters; exit 1 on any mismatch or if nothing completed.
"""
import argparse
import asyncio
import os
import random
import socket
import struct
import sys
import time


class Counters:
    def __init__(self):
        self.completed = 0
        self.mismatched = 0
        self.resets = 0
        self.errors = 0
        self.bytes = 0


async def read_exact(reader, n, deadline):
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("echo not back in time")
        chunk = await asyncio.wait_for(reader.read(min(n - len(buf), 1 << 18)), left)
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


async def one_round(port, rng, c, stop_at):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    action = rng.choice(["echo", "echo", "halfclose", "reset", "stall"])
    deadline = time.monotonic() + 60
    try:
        if action == "reset":
            writer.write(os.urandom(rng.randint(1, 200_000)))
            await asyncio.sleep(rng.random() * 0.05)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            c.resets += 1
            return
        if action == "stall":
            data = os.urandom(rng.randint(1, 3 << 20))
            writer.write(data)
            await asyncio.sleep(0.2 + rng.random() * 1.5)
            got = await read_exact(reader, len(data), deadline)
            await writer.drain()
        elif action == "halfclose":
            data = os.urandom(rng.randint(0, 300_000))
            writer.write(data)
            await writer.drain()
            writer.write_eof()
            got = await read_exact(reader, len(data) + 1, deadline)
        else:
            data = b""
            got = b""
            for _ in range(rng.randint(1, 8)):
                part = os.urandom(rng.randint(1, 64 << 10))
                writer.write(part)
                await writer.drain()
                got += await read_exact(reader, len(part), deadline)
                data += part
        c.bytes += len(data)
        if got == data:
            c.completed += 1
        else:
            c.mismatched += 1
            print(f"mismatch: {action} sent {len(data)} got {len(got)}", file=sys.stderr)
    finally:
        if not writer.transport.is_closing():
            writer.close()


async def client(port, seed, c, stop_at):
    rng = random.Random(seed)
    while time.monotonic() < stop_at:
        try:
            await one_round(port, rng, c, stop_at)
        except (ConnectionError, OSError, TimeoutError, asyncio.TimeoutError) as e:
            c.errors += 1
            print(f"client error: {e!r}", file=sys.stderr)
            await asyncio.sleep(0.05)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    c = Counters()
    stop_at = time.monotonic() + args.seconds
    await asyncio.gather(*(client(args.port, i, c, stop_at) for i in range(args.clients)))
    print(f"completed={c.completed} mismatched={c.mismatched} resets={c.resets} "
          f"errors={c.errors} bytes={c.bytes}")
    return 0 if c.mismatched == 0 and c.completed > 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
