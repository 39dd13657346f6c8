#!/usr/bin/env python3
"""Stand-in for the agent: accepts connections on a Unix stream socket, one
after another, and appends everything received to a file.
usage: listen.py SOCKET OUTFILE"""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
with open(out, "ab", buffering=0) as f:
    while True:
        conn, _ = srv.accept()
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            f.write(data)
        conn.close()
