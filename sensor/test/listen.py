#!/usr/bin/env python3
"""Stand-in for the agent: accepts connections on a Unix stream socket, one
after another, and appends everything received to a file. With BYTES_PER_S,
it reads no faster than that: an agent on a node busier than this one.
usage: listen.py SOCKET OUTFILE [BYTES_PER_S]"""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
with open(out, "ab", buffering=0) as f:
    while True:
        conn, _ = srv.accept()
        start, total = time.monotonic(), 0
        while True:
            data = conn.recv(1 << 16 if rate else 1 << 20)
            if not data:
                break
            f.write(data)
            total += len(data)
            if rate:
                ahead = start + total / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        conn.close()
