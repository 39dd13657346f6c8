#!/usr/bin/env python3
"""Benchmark stand-in for the agent: accepts one connection, counts lines,
lines of one event type, and the losses the sensor reports; prints one JSON
summary when the sensor closes the connection.
usage: reader.py SOCKET EVT_TYPE"""
import json
import os
import socket
import sys

path, evt_type = sys.argv[1], sys.argv[2]
marker = b'"evt.type":"%s"' % evt_type.encode()
# The start of a loss line; a command line that contains it is escaped (\").
LOST = b'{"evt.type":"vigil_sensor_lost"'
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
conn, _ = srv.accept()
lines = typed = reads = 0
lost = {}
tail = b""
while True:
    chunk = conn.recv(1 << 20)
    if not chunk:
        break
    reads += 1
    buf = tail + chunk
    end = buf.rfind(b"\n") + 1  # only complete lines; keep the rest
    done, tail = buf[:end], buf[end:]
    lines += done.count(b"\n")
    typed += done.count(marker)
    if LOST in done:
        for line in done.split(b"\n"):
            if line.startswith(LOST):
                e = json.loads(line)
                lost[e["evt.arg.reason"]] = lost.get(e["evt.arg.reason"], 0) + e["evt.arg.lost"]
print(json.dumps({"lines": lines, "events_of_type": typed, "reads": reads, "lost": lost}))
