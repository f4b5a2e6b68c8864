#!/usr/bin/env python3
"""hostile_dgram.py: ground truth for test/hostile/dgram.bats.

  hostile_dgram.py lines N...        one line per N on standard output, line
                                     K (from 0) N bytes of pattern(K, N)
  hostile_dgram.py payloads FILE [K:]N...
                                     the message objects of netdemo's JSON
                                     Lines FILE are exactly one per N, in
                                     order, each with "len" N and "data"
                                     pattern(K, N) (byte-exact; K is the
                                     line of `lines`, by default the
                                     position of the argument)
  hostile_dgram.py expect FILE EXPR...
                                     every Python EXPR is true, with s the
                                     summary object of FILE (None if none),
                                     m the list of message objects, close(a,
                                     b, rel) and between(x, lo, hi)

Every line of FILE must parse as JSON.  On failure: the reason and FILE's
objects (cut) on standard error, exit 1.
"""
import json
import sys

ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "#\\")


def pattern(k, n):
    """N printable bytes, different for each K (no '#', no backslash)."""
    a = len(ALPHABET)
    return "".join(ALPHABET[(i * 7 + k * 13) % a] for i in range(n))


def objects(name):
    with open(name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def messages(objs):
    return [o for o in objs if "data" in o or "data_base64" in o]


def summary(objs):
    s = [o for o in objs if o.get("event") == "summary"]
    return s[-1] if s else None


def close(a, b, rel=0.01):
    return a is not None and b is not None and abs(a - b) <= rel * abs(b)


def between(x, lo, hi):
    return x is not None and lo <= x <= hi


def fail(why, objs):
    print("hostile_dgram.py: " + why, file=sys.stderr)
    for o in objs:
        text = json.dumps(o)
        print("  " + (text[:300] + " ..." if len(text) > 300 else text),
              file=sys.stderr)
    sys.exit(1)


def main():
    cmd = sys.argv[1]
    if cmd == "lines":
        out = sys.stdout
        for k, n in enumerate(sys.argv[2:]):
            out.write(pattern(k, int(n)) + "\n")
    elif cmd == "payloads":
        objs = objects(sys.argv[2])
        want = [tuple(int(x) for x in a.split(":")) if ":" in a
                else (k, int(a)) for k, a in enumerate(sys.argv[3:])]
        msgs = messages(objs)
        if len(msgs) != len(want):
            fail("%d messages, want %d" % (len(msgs), len(want)), objs)
        for i, (o, (k, n)) in enumerate(zip(msgs, want)):
            if o.get("len") != n:
                fail("message %d: len %r, want %d" % (i, o.get("len"), n),
                     objs)
            if o.get("data") != pattern(k, n):
                fail("message %d: data is not the %d bytes of line %d" %
                     (i, n, k), objs)
    elif cmd == "expect":
        objs = objects(sys.argv[2])
        env = {"s": summary(objs), "m": messages(objs), "close": close,
               "between": between}
        for expr in sys.argv[3:]:
            try:
                ok = eval(expr, {"__builtins__": {"len": len, "abs": abs,
                                                  "all": all, "any": any}},
                          env)
            except Exception as e:  # a missing key is a failure, say so
                fail("%s: %s: %s" % (expr, type(e).__name__, e), objs)
            if not ok:
                fail("not true: " + expr, objs)
    else:
        sys.exit("hostile_dgram.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
