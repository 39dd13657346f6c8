#!/usr/bin/env python3
"""The side-by-side of bench/sysdig-compare.sh (read that script's header first).

sysdig (libsinsp, the library Falco is built on) filters the binary captures of the corpus, and
`vigil replay` matches the same conditions, as rules, on the captures' JSON-lines twins. Two parts:

1. Agreement: for every capture that has a twin, the number of events each condition matches, by
   sysdig on the .scap (one run per condition, matched events printed and counted) and by vigil on
   the .jsonl (one run with every condition as a rule, alerts counted by rule). They must be equal.
2. Speed, start-up excluded: for the larger captures, each tool reads its input repeated N times
   (the twin concatenated N times; the capture's event blocks repeated N times after one header and
   process table, by bench/scap_repeat.py) and once. Both tools match all the conditions at once
   (sysdig: their `or`; vigil: one rule each). Per tool: wall and CPU time of the whole process,
   median of --runs runs. Start-up (process, JVM, rule compilation, sysdig's open and process
   table) is removed by subtraction: rate = (events in N copies - events in 1) / (time N - time 1).
   Beside it, each tool's own in-process figure: sysdig -v's "Elapsed time" (clock(): CPU time of
   its read loop, after the open) and vigil replay --stats (wall time from the first read to the
   last event through the pipeline). Events are the displayed events (= JSONL lines); sysdig also
   reads the capture's internal events (procinfo...), counted separately.

Writes one JSON document (--out) and prints a table. Exit 1 if any count disagrees.
"""
import argparse
import csv
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

# (name, condition): the same text is a sysdig filter and a Vigil/Falco rule condition. Disjoint by
# event type (so their `or` matches the sum), and each one uses only fields the JSONL twins carry.
CONDITIONS = [
    ("spawn", "evt.type in (execve, execveat) and evt.dir = <"),
    ("connect_ip", "evt.type = connect and evt.dir = < and fd.sockfamily = ip"),
    ("open_read_etc", "evt.type in (open, openat) and evt.dir = < and evt.arg.flags contains O_RDONLY"
                      " and fd.typechar = f and fd.num >= 0 and fd.name startswith /etc/"),
    ("container_send", "evt.type in (sendto, sendmsg, write) and evt.dir = < and container.id != host"
                       " and fd.typechar = 4"),
    ("no_match", "proc.name in (xmrig, minerd, cpuminer)"),
]
DESCRIPTIONS = {
    "spawn": "a process image was replaced (Falco's spawned_process macro)",
    "connect_ip": "an IP connect returned (Falco's outbound macro without its result check)",
    "open_read_etc": "a file under /etc opened read-only (Falco's open_read macro, flags form)",
    "container_send": "a container process sent on an IPv4 socket (state: container.id, fd type)",
    "no_match": "miner process names, tested on every event (no event type): matches nothing here",
}
# What sysdig prints per match in the timed runs, so both sides format their matches (vigil writes an
# alert as JSON); the agreement runs print only %evt.num.
# The leading * prints events with N/A fields too (without it sysdig silently skips them).
SYSDIG_MATCH_FORMAT = "*%evt.time %evt.num %evt.type %proc.name %proc.pid %container.id %fd.name"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_timed(cmd, stdout_path, stderr_path):
    """Runs cmd; returns (wall seconds, CPU seconds user+sys of the process and its children, exit)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode


def manifest(corpus):
    rows = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not r["jsonl"] or not os.path.exists(os.path.join(corpus, r["jsonl"])):
                continue
            rows.append({"capture": r["file"][:-len(".scap")], "scap": os.path.join(corpus, r["file"]),
                         "jsonl": os.path.join(corpus, r["jsonl"]), "displayed": int(r["events_displayed"])})
    return rows


def read_jsonl(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        return f.read()


def write_rules(path):
    with open(path, "w") as f:
        for name, cond in CONDITIONS:
            output = f"{name} (proc=%proc.name pid=%proc.pid num=%evt.num fd=%fd.name)"
            # JSON strings are YAML scalars: no quoting surprises.
            f.write(f"- rule: {name}\n  desc: {json.dumps(DESCRIPTIONS[name])}\n  condition: {json.dumps(cond)}\n"
                    f"  output: {json.dumps(output)}\n  priority: NOTICE\n")


def vigil_cmd(args, rules, cfg, inp):
    """vigil replay with only the given rule file (None: no rules at all)."""
    return ["java", *shlex.split(args.java_opts), "-jar", args.jar, "replay", "--stats", "--no-default-rules",
            "--config", cfg, *(["--rules", rules] if rules else []), inp]


def count_rules(path):
    counts = {name: 0 for name, _ in CONDITIONS}
    with open(path, "rb") as f:
        for line in f:
            m = re.search(rb'"rule":"([a-z_]+)"', line)
            if m:
                counts[m.group(1).decode()] = counts.get(m.group(1).decode(), 0) + 1
    return counts


def vigil_summary(stderr_path):
    lines = [l for l in open(stderr_path, encoding="utf-8", errors="replace").read().splitlines()
             if l.startswith("{")]
    if not lines:
        raise SystemExit(f"vigil replay printed no summary: see {stderr_path}")
    return json.loads(lines[-1])


def sysdig_elapsed(stderr_path):
    """sysdig -v: 'Elapsed time: 0.123, Captured Events: N, X eps' (clock() around its read loop)."""
    m = re.search(r"Elapsed time: ([0-9.]+), Captured Events: ([0-9]+)", open(stderr_path).read())
    if not m:
        raise SystemExit(f"sysdig -v printed no 'Elapsed time' line: see {stderr_path}")
    return float(m.group(1)), int(m.group(2))


def agreement(args, caps, rules, cfg, work):
    rows, ok = [], True
    for c in caps:
        sysdig_counts = {}
        for name, cond in CONDITIONS:
            out = subprocess.run(["sysdig", "-r", c["scap"], "-p", "%evt.num", cond], capture_output=True, check=True)
            sysdig_counts[name] = len(out.stdout.splitlines())
        vout, verr = os.path.join(work, "agree.out"), os.path.join(work, "agree.err")
        _, _, code = run_timed(vigil_cmd(args, rules, cfg, c["jsonl"]), vout, verr)
        if code != 0:
            raise SystemExit(f"vigil replay exited {code} on {c['jsonl']}: {open(verr).read()}")
        summary = vigil_summary(verr)
        vigil_counts = count_rules(vout)
        agree = sysdig_counts == vigil_counts
        ok &= agree
        rows.append({"capture": c["capture"], "events": summary["processed"], "sysdig": sysdig_counts,
                     "vigil": vigil_counts, "agree": agree})
        if not agree or summary["processed"] != c["displayed"]:
            log(f"  vigil's summary: {json.dumps(summary)} (MANIFEST: {c['displayed']} events)")
        log(f"  {c['capture']:<40} {summary['processed']:>6} events  "
            + "  ".join(f"{n}={sysdig_counts[n]}/{vigil_counts[n]}" for n, _ in CONDITIONS)
            + ("" if agree else "  DISAGREE"))
    return rows, ok


def timing(args, c, agree_row, rules, cfg, work):
    copies = max(2, -(-args.events // c["displayed"]))
    twin = read_jsonl(c["jsonl"])
    if not twin.endswith(b"\n"):
        twin += b"\n"
    inputs = {}
    for k in (1, copies):
        j = os.path.join(work, f"twin-{k}.jsonl")
        with open(j, "wb") as f:
            for _ in range(k):
                f.write(twin)
        s = os.path.join(work, f"scap-{k}.scap")
        r = subprocess.run([sys.executable, args.repeat, c["scap"], str(k), s], capture_output=True, text=True, check=True)
        inputs[k] = (s, j)
    blocks_per_copy = int(r.stderr.strip())
    either = " or ".join(f"({cond})" for _, cond in CONDITIONS)
    expected = sum(agree_row["sysdig"].values())
    # The two sides, and each one's floor: sysdig reading and tracking state with no filter (-q), vigil
    # decoding and tracking state with no rules. The floors are not checked for matches.
    variants = ("sysdig", "vigil", "sysdig_no_filter", "vigil_no_rules")
    res = {k: {v: [] for v in variants} for k in (1, copies)}
    so, se = os.path.join(work, "t.out"), os.path.join(work, "t.err")
    for run in range(args.runs):
        for variant in variants:
            for k in (copies, 1):
                s, j = inputs[k]
                if variant.startswith("sysdig"):
                    cmd = (["sysdig", "-v", "-r", s, "-p", SYSDIG_MATCH_FORMAT, either] if variant == "sysdig"
                           else ["sysdig", "-v", "-q", "-r", s])
                else:
                    cmd = vigil_cmd(args, rules if variant == "vigil" else None, cfg, j)
                wall, cpu, code = run_timed(cmd, so, se)
                if code != 0:
                    raise SystemExit(f"{variant} exited {code}: {open(se).read()}")
                row = {"wall": wall, "cpu": cpu}
                if variant.startswith("sysdig"):
                    row["elapsed"], row["captured"] = sysdig_elapsed(se)
                    with open(so, "rb") as f:
                        row["matches"] = sum(1 for _ in f)
                else:
                    summary = vigil_summary(se)
                    if summary["processed"] != k * c["displayed"]:
                        raise SystemExit(f"{variant} processed {summary['processed']} of {k * c['displayed']} events")
                    row["seconds"] = summary["seconds"]
                    row["matches"] = sum(count_rules(so).values())
                res[k][variant].append(row)
    out = {"capture": c["capture"], "copies": copies, "displayed_per_copy": c["displayed"],
           "sysdig_blocks_per_copy": blocks_per_copy, "jsonl_bytes_per_copy": len(twin),
           "runs": args.runs, "expected_matches_per_copy": expected, "raw": {str(k): v for k, v in res.items()}}
    n_events = (copies - 1) * c["displayed"]
    for variant in variants:
        med = lambda k, key: statistics.median(r[key] for r in res[k][variant])
        t = {"wall_n": med(copies, "wall"), "wall_1": med(1, "wall"), "cpu_n": med(copies, "cpu"),
             "cpu_1": med(1, "cpu")}
        if variant in ("sysdig", "vigil"):
            t["matches_scale_with_copies"] = all(r["matches"] == k * expected for k in (1, copies)
                                                 for r in res[k][variant])
        t["events_per_second"] = round(n_events / (t["wall_n"] - t["wall_1"])) if t["wall_n"] > t["wall_1"] else None
        t["events_per_cpu_second"] = round(n_events / (t["cpu_n"] - t["cpu_1"])) if t["cpu_n"] > t["cpu_1"] else None
        if variant.startswith("sysdig") and t["events_per_second"]:
            # what libsinsp read: the displayed events and the capture's internal ones
            t["blocks_per_second"] = round(t["events_per_second"] * blocks_per_copy / c["displayed"])
        if variant.startswith("sysdig"):
            t["inloop_cpu_seconds_n"] = med(copies, "elapsed")
            t["inloop_events_per_cpu_second"] = (round(copies * c["displayed"] / t["inloop_cpu_seconds_n"])
                                                 if t["inloop_cpu_seconds_n"] > 0 else None)
        else:
            t["stats_seconds_n"] = med(copies, "seconds")
            t["stats_events_per_second"] = round(copies * c["displayed"] / t["stats_seconds_n"])
        out[variant] = t
    s, v = out["sysdig"], out["vigil"]
    out["vigil_over_sysdig"] = (round(v["events_per_second"] / s["events_per_second"], 3)
                                if v["events_per_second"] and s["events_per_second"] else None)
    for k in (1, copies):
        for p in inputs[k]:
            os.remove(p)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--repeat", required=True, help="bench/scap_repeat.py")
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--events", type=int, default=1_000_000, help="events per timed input (copies = this / capture)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--min-events", type=int, default=400, help="time only captures with at least this many events")
    args = ap.parse_args()

    caps = manifest(args.corpus)
    if not caps:
        raise SystemExit(f"no capture with a JSON-lines twin in {args.corpus}")
    rules, cfg = os.path.join(args.work, "rules.yaml"), os.path.join(args.work, "config.yaml")
    write_rules(rules)
    with open(cfg, "w") as f:
        f.write("hostname: sysdig-compare\n")
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_start = os.getloadavg()

    log(f"agreement: matches per condition, sysdig on .scap / vigil on .jsonl ({len(caps)} captures)")
    rows, ok = agreement(args, caps, rules, cfg, args.work)

    timed = []
    if args.runs > 0:
        log(f"speed: {args.runs} run(s) per tool and input, ~{args.events} events per repeated input")
        by_name = {r["capture"]: r for r in rows}
        for c in caps:
            if c["displayed"] >= args.min_events:
                t = timing(args, c, by_name[c["capture"]], rules, cfg, args.work)
                ok &= t["sysdig"]["matches_scale_with_copies"] and t["vigil"]["matches_scale_with_copies"]
                timed.append(t)
                s, v = t["sysdig"], t["vigil"]
                log(f"  {c['capture']:<40} x{t['copies']:<5} sysdig {s['events_per_second']} ev/s "
                    f"({s['events_per_cpu_second']} per CPU-s; -v loop {s['inloop_events_per_cpu_second']}), "
                    f"vigil {v['events_per_second']} ev/s ({v['events_per_cpu_second']} per CPU-s; "
                    f"--stats {v['stats_events_per_second']}); vigil/sysdig {t['vigil_over_sysdig']}"
                    + f"; floors: sysdig no filter {t['sysdig_no_filter']['events_per_second']}, "
                      f"vigil no rules {t['vigil_no_rules']['events_per_second']}"
                    + ("" if s["matches_scale_with_copies"] and v["matches_scale_with_copies"]
                       else "  MATCHES DO NOT SCALE WITH COPIES"))

    def total(tool, key_n, key_1):
        ev = sum((t["copies"] - 1) * t["displayed_per_copy"] for t in timed)
        dt = sum(t[tool][key_n] - t[tool][key_1] for t in timed)
        return round(ev / dt) if dt > 0 else None

    agg = None
    if timed:
        agg = {"captures": [t["capture"] for t in timed],
               "sysdig_events_per_second": total("sysdig", "wall_n", "wall_1"),
               "vigil_events_per_second": total("vigil", "wall_n", "wall_1"),
               "sysdig_events_per_cpu_second": total("sysdig", "cpu_n", "cpu_1"),
               "vigil_events_per_cpu_second": total("vigil", "cpu_n", "cpu_1"),
               "sysdig_no_filter_events_per_second": total("sysdig_no_filter", "wall_n", "wall_1"),
               "vigil_no_rules_events_per_second": total("vigil_no_rules", "wall_n", "wall_1")}
        if agg["sysdig_events_per_second"] and agg["vigil_events_per_second"]:
            agg["vigil_over_sysdig"] = round(agg["vigil_events_per_second"] / agg["sysdig_events_per_second"], 3)
        log(f"all timed captures: sysdig {agg['sysdig_events_per_second']} ev/s "
            f"({agg['sysdig_events_per_cpu_second']} per CPU-s), vigil {agg['vigil_events_per_second']} ev/s "
            f"({agg['vigil_events_per_cpu_second']} per CPU-s); floors: sysdig no filter "
            f"{agg['sysdig_no_filter_events_per_second']}, vigil no rules {agg['vigil_no_rules_events_per_second']}")

    sysdig_version = subprocess.run(["sysdig", "--version"], capture_output=True, text=True).stdout.strip()
    libs_version = subprocess.run(["sysdig", "--libs-version"], capture_output=True, text=True).stdout.strip()
    java_version = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    doc = {
        "benchmark": "sysdig-compare", "started": started, "host": platform.node(), "cpus": os.cpu_count(),
        "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
        "sysdig": sysdig_version, "sysdig_libs": libs_version, "java": java_version,
        "vigil_java_opts": args.java_opts, "corpus": args.corpus,
        "conditions": [{"name": n, "condition": c} for n, c in CONDITIONS],
        "sysdig_match_format": SYSDIG_MATCH_FORMAT,
        "method": "rate = (events in N copies - events in 1 copy) / (median time N - median time 1), whole "
                  "process, wall and CPU (user+sys); events = displayed events = JSON lines",
        "agreement": rows, "counts_agree": all(r["agree"] for r in rows),
        "timing": timed, "aggregate": agg, "ok": ok,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    log(f"results: {args.out}")
    if not ok:
        log("FAIL: sysdig and vigil disagree (see 'agreement' / 'matches_scale_with_copies')")
        sys.exit(1)


if __name__ == "__main__":
    main()
