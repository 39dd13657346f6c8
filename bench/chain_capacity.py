#!/usr/bin/env python3
"""The Python side of bench/chain-capacity.sh (see there and bench/README.md).

  chain_capacity.py stamp OUT            copy stdin (the agent's stdout: one alert a line) to OUT,
                                         each line prefixed by its arrival (CLOCK_REALTIME ns) and a tab
  chain_capacity.py metrics URL          the agent's counters as one JSON object
  chain_capacity.py idle URL MIN_S MAX_S wait until the agent is idle (every line received accounted
                                         for, nothing new for 1 s), at least MIN_S, at most MAX_S seconds
  chain_capacity.py sample SENSOR_PID AGENT_PID OUT START_NS
                                         from START_NS (ns since the epoch) until SIGTERM: the sensor's state
                                         every 10 ms (running, waiting for events, blocked sending to the
                                         agent) and the CPU of both, to OUT as JSON
  chain_capacity.py oci CONFIG ROOTFS CGROUP ARG...   turn `runc spec`'s config into a Docker-like container
  chain_capacity.py step ...             one step's JSON (see step())
  chain_capacity.py summary DIR          summary.json and the table, from DIR/step-*.json
"""
import glob
import json
import math
import os
import signal
import sys
import time
import urllib.request

PACKET_RULE = "Packet socket in container"
LOST_RULE = "Sensor lost events"
# Docker's default capability set (0x00000000a80425fb): it holds CAP_NET_RAW, which the storm's raw
# sockets and the attacker's packet socket need.
DOCKER_CAPS = ["CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
               "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
               "CAP_SETUID", "CAP_SYS_CHROOT"]


def stamp(out):
    with open(out, "ab", buffering=0) as f:
        for line in sys.stdin.buffer:  # a pipe: each line as soon as the agent writes it
            f.write(b"%d\t" % time.time_ns() + line)


def read_metrics(url):
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    sums, buckets = {}, {}
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        v = float(value)
        if name == "vigil_event_latency_seconds_bucket":
            le = name_labels.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = buckets.get(le, 0) + v
        sums[name] = sums.get(name, 0) + v
    g = lambda n: int(sums.get(n, 0))
    return {"received": g("vigil_events_received_total"), "processed": g("vigil_events_processed_total"),
            "rejected": g("vigil_events_rejected_total"), "dropped": g("vigil_events_dropped_total"),
            "sensor_lost": g("vigil_sensor_lost_events_total"), "alerts": g("vigil_alerts_total"),
            "alerts_suppressed": g("vigil_alerts_suppressed_total"), "latency_buckets": buckets}


def idle(url, min_s, max_s):
    start = time.monotonic()
    last, since = None, start
    while True:
        m = read_metrics(url)
        now = time.monotonic()
        key = m["received"]
        if key != last:
            last, since = key, now
        balanced = m["received"] == m["processed"] + m["rejected"] + m["dropped"]
        if balanced and now - since >= 1.0 and now - start >= min_s:
            return 0
        if now - start >= max_s:
            print(f"chain-capacity: the agent was not idle after {max_s:.0f} s: {m}", file=sys.stderr)
            return 0
        time.sleep(0.2)


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def sample(pid, agent, out, start_ns):
    """Where the sensor spends the step: a full kernel ring with the sensor blocked in send() is the
    agent's backpressure; with the sensor waiting in poll or runnable, the agent kept up."""
    counts, stop = {}, []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    time.sleep(max(0, (start_ns - time.time_ns()) / 1e9))
    t0, s0, a0 = time.monotonic(), cpu_seconds(pid), cpu_seconds(agent)
    while not stop:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            wchan = open(f"/proc/{pid}/wchan").read().strip()
        except OSError:
            break
        if state == "R":
            k = "running"
        elif wchan in ("", "0"):
            k = "changing_state"  # woken between the two reads
        elif "poll" in wchan:
            k = "waiting_for_events"
        elif any(w in wchan for w in ("sock", "unix", "send", "stream")):
            k = "blocked_sending_to_agent"
        else:
            k = "other:" + wchan
        counts[k] = counts.get(k, 0) + 1
        time.sleep(0.01)
    wall = time.monotonic() - t0
    json.dump({"states": counts, "sensor_cpu_percent": round(100 * (cpu_seconds(pid) - s0) / wall, 1),
               "agent_cpu_percent": round(100 * (cpu_seconds(agent) - a0) / wall, 1)}, open(out, "w"))


def oci(config, rootfs, cgroup, args):
    c = json.load(open(config))
    c["process"]["capabilities"] = {k: DOCKER_CAPS for k in ("bounding", "effective", "permitted")}
    c["process"]["args"] = args
    c["process"]["terminal"] = False
    c["process"]["noNewPrivileges"] = False
    c["process"]["env"] = ["PATH=/bin", "HOME=/"]
    c["root"] = {"path": rootfs, "readonly": True}
    c["hostname"] = cgroup.rsplit("/", 1)[1][:12]
    c["linux"]["cgroupsPath"] = cgroup
    json.dump(c, open(config, "w"), indent=1)


def quantile(values, q):
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def hist_quantile(b0, b1, q):
    """histogram_quantile over the delta of two cumulative bucket sets; seconds -> µs."""
    les = sorted(((float("inf") if k == "+Inf" else float(k)), b1.get(k, 0) - b0.get(k, 0)) for k in b1)
    if not les or les[-1][1] <= 0:
        return None
    total, rank, prev_le, prev_c = les[-1][1], q * les[-1][1], 0.0, 0.0
    for le, c in les:
        if c >= rank:
            if le == float("inf"):
                return round(prev_le * 1e6)
            return round((prev_le + (le - prev_le) * ((rank - prev_c) / max(c - prev_c, 1e-9))) * 1e6)
        prev_le, prev_c = le, c
    return None


def step(args):
    """args: OUT LABEL TARGET SYSCALL M0 M1 CPU_JSON ALERTS ATTACKER_CID ATTACK_FILE STORM_FILE..."""
    out, label, target, syscall, m0p, m1p, cpup, alerts_path, attacker, attack_path = args[:10]
    storm_files = args[10:]
    m0, m1, cpu = json.load(open(m0p)), json.load(open(m1p)), json.load(open(cpup))
    states = cpu["sampled"]["states"]
    n_states = max(sum(states.values()), 1)
    d = {k: m1[k] - m0[k] for k in ("received", "processed", "rejected", "dropped", "sensor_lost", "alerts",
                                    "alerts_suppressed")}
    storms = [json.loads(l) for f in storm_files for l in open(f) if l.startswith("{")]
    calls = sum(s["calls"] for s in storms)
    secs = max((s["seconds"] for s in storms), default=0)
    attacks = [tuple(int(x) for x in l.split()) for l in open(attack_path) if l.strip()]
    sent = [a for a in attacks if a[2] >= 0]
    alerts = []
    for line in open(alerts_path, "rb"):
        arrival, _, body = line.partition(b"\t")
        try:
            a = json.loads(body)
        except ValueError:
            continue
        alerts.append((int(arrival), a))
    window = (min((a[0] for a in attacks), default=0), max((a[1] for a in attacks), default=0))
    mine = [(t, a) for t, a in alerts if a.get("rule") == PACKET_RULE
            and a.get("output_fields", {}).get("container.id") == attacker]
    lat_attacker, lat_rawtime, skew, missed = [], [], [], 0
    for t0, t1, _ in sent:
        best = None
        for arrival, a in mine:
            raw = int(a["output_fields"].get("evt.rawtime") or 0)
            if abs(raw - t0) < 100_000_000 and (best is None or abs(raw - t0) < abs(best[1] - t0)):
                best = (arrival, raw)
        if best is None:
            missed += 1
            continue
        lat_attacker.append((best[0] - t0) / 1e6)
        lat_rawtime.append((best[0] - best[1]) / 1e6)
        skew.append((best[1] - t0) / 1e3)
    lost_alerts = [a for t, a in alerts if a.get("rule") == LOST_RULE and window[0] - 2e9 <= t]
    expected = calls + len(sent)
    r = {
        "label": label, "target_calls_per_second": int(target), "syscall": syscall,
        "storm_calls": calls, "storm_seconds": secs,
        "storm_calls_per_second": round(calls / secs) if secs else 0,
        "storm_behind_resets": sum(s.get("behind_resets", 0) for s in storms),
        "storm_late_start_ms": round(max((s.get("late_ns", 0) for s in storms), default=0) / 1e6, 1),
        "expected_events": expected,
        # The Unix socket loses nothing: what the agent received is what the sensor delivered.
        "sensor_delivered_agent_received": d["received"],
        "sensor_ring_lost": d["sensor_lost"],
        "agent_processed": d["processed"], "agent_dropped": d["dropped"], "agent_rejected": d["rejected"],
        # Lines beyond the storm and the attacks (the rest of the node: other processes' forks, execs, exits),
        # or, when negative, events missing from every count.
        "other_lines": d["received"] + d["sensor_lost"] - expected,
        "alerts_raised": d["alerts"],
        "sensor_lost_alerts": len(lost_alerts),
        "attacks": len(attacks), "attacks_opened": len(sent), "attacks_alerted": len(lat_attacker),
        "attacks_missed": missed,
        "latency_ms_attacker_clock": summary_of(lat_attacker),
        "latency_ms_from_evt_rawtime": summary_of(lat_rawtime),
        "evt_rawtime_minus_attacker_t0_us": summary_of(skew),
        "in_agent_latency_us": {"p50": hist_quantile(m0["latency_buckets"], m1["latency_buckets"], 0.5),
                                "p99": hist_quantile(m0["latency_buckets"], m1["latency_buckets"], 0.99)},
        # Over the storm (from its start until the containers exited), % of one core.
        "agent_cpu_percent": cpu["sampled"]["agent_cpu_percent"],
        "sensor_cpu_percent": cpu["sampled"]["sensor_cpu_percent"],
        # /proc/SENSOR/stat and wchan every 10 ms over the step: blocked_sending_to_agent is the agent's
        # backpressure; a ring lost while the sensor was rarely blocked is the sensor not scheduled in time.
        "sensor_time_percent": {k: round(100 * v / n_states, 1) for k, v in sorted(states.items(), key=lambda x: -x[1])},
        "load_average_start": cpu["load_start"], "load_average_end": cpu["load_end"],
    }
    r["zero_loss"] = (r["sensor_ring_lost"] == 0 and r["agent_dropped"] == 0 and r["agent_rejected"] == 0
                      and r["other_lines"] >= 0 and missed == 0 and r["sensor_lost_alerts"] == 0)
    # Another producer of events on the node (another session's storm) shares the ring and the agent:
    # such a step says little about this storm's rate.
    r["disturbed"] = r["other_lines"] > max(10_000, 0.05 * expected)
    json.dump(r, open(out, "w"), indent=2)
    print(row(r) + (" | disturbed: %s lines from elsewhere" % f'{r["other_lines"]:,}' if r["disturbed"] else ""))


def summary_of(values):
    if not values:
        return None
    return {"n": len(values), "p50": round(quantile(values, 0.5), 3), "p99": round(quantile(values, 0.99), 3),
            "max": round(max(values), 3)}


def fmt_lat(s):
    return "-" if not s else f'{s["p50"]:.1f} / {s["p99"]:.1f} / {s["max"]:.1f}'


HEADER = ("step", "target/s", "storm calls/s", "agent received", "ring lost", "dropped/rejected", "other",
          "attacks alerted", "syscall->alert ms p50/p99/max", "from evt.rawtime p50/p99", "in-agent p99 us",
          "CPU agent/sensor %", "sensor blocked on agent %", "load")


def row(r):
    rl = r["latency_ms_from_evt_rawtime"]
    return " | ".join(str(x) for x in (
        r["label"], f'{r["target_calls_per_second"]:,}' if r["target_calls_per_second"] else "max",
        f'{r["storm_calls_per_second"]:,}', f'{r["sensor_delivered_agent_received"]:,}',
        f'{r["sensor_ring_lost"]:,}', f'{r["agent_dropped"]}/{r["agent_rejected"]}', f'{r["other_lines"]:,}',
        f'{r["attacks_alerted"]}/{r["attacks_opened"]}', fmt_lat(r["latency_ms_attacker_clock"]),
        "-" if not rl else f'{rl["p50"]:.1f} / {rl["p99"]:.1f}', r["in_agent_latency_us"]["p99"] or "-",
        f'{r["agent_cpu_percent"]} / {r["sensor_cpu_percent"]}',
        r.get("sensor_time_percent", {}).get("blocked_sending_to_agent", 0.0), r["load_average_start"]))


def summary(d):
    steps = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(d, "step-*.json")))]
    meta = json.load(open(os.path.join(d, "run.json")))
    measured = [s for s in steps if s["label"] != "warm-up"]
    clean = [s for s in measured if s["zero_loss"]]
    lossy = [s for s in measured if not s["zero_loss"]]
    best = max(clean, key=lambda s: s["storm_calls_per_second"], default=None)
    first_loss = min(lossy, key=lambda s: s["storm_calls_per_second"], default=None)
    out = dict(meta)
    out.update({
        "sustained_zero_loss_calls_per_second": best["storm_calls_per_second"] if best else 0,
        "zero_loss_step": best["label"] if best else None,
        "first_lossy_step": first_loss["label"] if first_loss else None,
        # A chain that lost nothing at the storm's own limit was not pushed to its own.
        "storm_bound": bool(best and not first_loss and best["storm_calls_per_second"]
                            < 0.9 * best["target_calls_per_second"]),
        "steps": steps})
    json.dump(out, open(os.path.join(d, "summary.json"), "w"), indent=2)
    print(f'\n{meta["machine"]}; load average {meta["load_average_start"]} at the start, '
          f'{meta["load_average_end"]} at the end')
    print(f'storm: {meta["syscall"]}, {meta["storm_containers"]} container(s) x {meta["procs"]} process(es); '
          f'attacks: a packet socket every {meta["attack_interval_ms"]} ms in another container; '
          f'{meta["seconds"]} s a step')
    print(" | ".join(HEADER))
    print("-" * 160)
    for s in steps:
        print(row(s))
    if best:
        print(f'\nhighest rate with 0 lost at every stage: {best["storm_calls_per_second"]:,} syscalls/s '
              f'(step {best["label"]}; syscall->alert p50/p99 {fmt_lat(best["latency_ms_attacker_clock"])} ms)'
              + (" - the storm's own limit, not the chain's" if out["storm_bound"] else ""))
    else:
        print("\nno step ran without loss")
    if first_loss:
        f = first_loss
        print(f'first loss at {f["storm_calls_per_second"]:,} syscalls/s (step {f["label"]}): '
              f'{f["sensor_ring_lost"]:,} lost in the kernel ring (sensor, vigil_sensor_lost_events_total), '
              f'{f["agent_dropped"]} dropped and {f["agent_rejected"]} rejected in the agent, '
              f'{f["attacks_missed"]} of {f["attacks_opened"]} attacks not alerted')
    print(f"JSON: {d}/")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "stamp":
        stamp(args[0])
    elif cmd == "metrics":
        m = read_metrics(args[0])
        json.dump(m, open(args[1], "w")) if len(args) > 1 else print(json.dumps(m))
    elif cmd == "idle":
        sys.exit(idle(args[0], float(args[1]), float(args[2])))
    elif cmd == "sample":
        sample(args[0], args[1], args[2], int(args[3]))
    elif cmd == "oci":
        oci(args[0], args[1], args[2], args[3:])
    elif cmd == "step":
        step(args)
    elif cmd == "summary":
        summary(args[0])
    else:
        sys.exit(f"chain_capacity.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
