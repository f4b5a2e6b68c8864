#!/usr/bin/env python3
"""dg_json.py: read netdemo's JSON Lines (every line must parse).

  dg_json.py get FILE KEY       KEY of each object that has it, one a line
                                (strings as is, the rest as JSON)
  dg_json.py payload FILE N OUT the exact bytes of message N (from 0) into
                                OUT, from "data" or "data_base64"
"""
import base64
import json
import sys


def objects(name):
    with open(name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main():
    cmd, name = sys.argv[1], sys.argv[2]
    objs = objects(name)
    if cmd == "get":
        key = sys.argv[3]
        for o in objs:
            if key in o:
                v = o[key]
                print(v if isinstance(v, str) else json.dumps(v))
    elif cmd == "payload":
        msgs = [o for o in objs if "data" in o or "data_base64" in o]
        o = msgs[int(sys.argv[3])]
        if "data_base64" in o:
            data = base64.b64decode(o["data_base64"], validate=True)
        else:
            data = o["data"].encode("utf-8")
        with open(sys.argv[4], "wb") as f:
            f.write(data)
    else:
        sys.exit("dg_json.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
