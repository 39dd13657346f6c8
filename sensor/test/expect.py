#!/usr/bin/env python3
"""Waits until FILE holds a JSON line matching every KEY=VALUE (VALUE compared
with the JSON value rendered by str(); true/false for booleans), and fails if
any complete line of FILE is not a JSON object.
usage: expect.py [--timeout S] [--absent] FILE KEY=VALUE...
--absent: succeed only if no such line appears within the timeout."""
import json
import sys
import time

args = sys.argv[1:]
timeout, absent = 10.0, False
while args and args[0].startswith("--"):
    if args[0] == "--timeout":
        timeout = float(args[1])
        args = args[2:]
    elif args[0] == "--absent":
        absent = True
        args = args[1:]
    else:
        sys.exit("expect.py: unknown option " + args[0])
path, conds = args[0], [a.split("=", 1) for a in args[1:]]


def render(v):
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def scan():
    with open(path, "rb") as f:
        data = f.read()
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):  # complete lines only
        try:
            obj = json.loads(raw.decode("utf-8"))
        except ValueError as e:
            sys.exit(f"FAIL: {path}:{n}: not JSON ({e}): {raw[:200]!r}")
        if not isinstance(obj, dict):
            sys.exit(f"FAIL: {path}:{n}: not an object")
        if all(k in obj and render(obj[k]) == v for k, v in conds):
            return obj
    return None


deadline = time.time() + timeout
want = " ".join("=".join(c) for c in conds)
if len(want) > 300:
    want = want[:300] + f"... ({len(want)} chars)"
while True:
    hit = scan()
    if hit is not None:
        if absent:
            sys.exit(f"FAIL: unexpected line {json.dumps(hit)}")
        print(f"ok: {want}")
        sys.exit(0)
    if time.time() >= deadline:
        if absent:
            print(f"ok: no {want}")
            sys.exit(0)
        sys.exit(f"FAIL: no line with {want} in {path} after {timeout}s")
    time.sleep(0.05)
