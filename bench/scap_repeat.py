#!/usr/bin/env python3
"""Writes a capture whose events are those of a sysdig/libscap capture repeated N times.

    bench/scap_repeat.py IN.scap N OUT.scap

A capture is a pcapng-style sequence of blocks (u32 type, u32 total length, body, u32 total length):
the section header, machine info, interface/user/process/fd tables, then the event blocks. The copy
keeps everything before the first event block once (so the reader loads the process table once: the
start-up), then the run of event blocks N times, then whatever followed them. Gzip input is read
decompressed; the output is plain (libscap reads both). The event bytes are not changed: every copy
carries the original timestamps and thread ids.

Used by bench/sysdig-compare.sh so that one sysdig process reads many events after a single open,
as `vigil replay` reads the JSON-lines twin concatenated N times.
"""
import gzip
import struct
import sys

# libscap's event block types: EV, EVF, EV_V2, EVF_V2 (and the large-payload V2 variants).
EVENT_BLOCKS = {0x204, 0x208, 0x216, 0x217, 0x222, 0x223}


def blocks(raw):
    i = 0
    while i < len(raw):
        if len(raw) - i < 12:
            raise ValueError(f"truncated block at byte {i}")
        btype, blen = struct.unpack_from("<II", raw, i)
        if blen < 12 or i + blen > len(raw):
            raise ValueError(f"bad block length {blen} at byte {i}")
        yield btype, raw[i:i + blen]
        i += blen


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: scap_repeat.py IN.scap N OUT.scap")
    src, copies, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if copies < 1:
        sys.exit("N must be >= 1")
    raw = open(src, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    head, events, tail = [], [], []
    for btype, block in blocks(raw):
        if btype in EVENT_BLOCKS:
            if tail:
                sys.exit(f"{src}: a non-event block (0x{tail[0][0]:x}) lies between event blocks")
            events.append(block)
        elif events:
            tail.append((btype, block))
        else:
            head.append(block)
    body = b"".join(events)
    with open(dst, "wb") as out:
        out.write(b"".join(head))
        for _ in range(copies):
            out.write(body)
        out.write(b"".join(b for _, b in tail))
    print(len(events), file=sys.stderr)


if __name__ == "__main__":
    main()
