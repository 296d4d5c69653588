#!/usr/bin/env python3
"""Turns the raw console output of bench/vm/guest/bench.sh into results.md, results.json and
results.svg: per scheduler the median and min-max of every measurement, and its ratio to
EEVDF, paired by repetition (EEVDF ran just before, in the same boot).

  analyze.py CONSOLE_LOG [--out DIR]
  analyze.py --self-test CANNED_LOG     (meson test: analyses a canned log, checks the output)
"""
import argparse
import json
import re
import statistics
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

LINE = re.compile(r"BENCH rep=(\d+) sched=(\S+) mode=(\S+) wl=(\S+) key=(\S+) val=(\S+)")
EJECTED = re.compile(r"BENCH-EJECTED rep=(\d+) sched=(\S+) mode=(\S+)(?: wl=(\S+))? why=(.*)")
CONFIG = re.compile(r"BENCH-CONFIG (.*)")

# (workload, key, label, unit, which way is better)
METRICS = [
    ("hackbench", "time_s", "hackbench time", "s", "lower"),
    ("pipe", "usecs_per_op", "perf bench sched pipe", "us/op", "lower"),
    ("cyclic_idle", "avg_us", "cyclictest avg latency, idle", "us", "lower"),
    ("cyclic_loaded", "avg_us", "cyclictest avg latency, with hogs", "us", "lower"),
    ("hogs3", "total_cpu_s", "3 hogs on 2 CPUs: total CPU", "s", "higher"),
    ("hogs3", "max_min", "3 hogs: max/min CPU", "", "lower"),
    ("nice", "nice0_nice5", "nice 0 / nice 5 CPU ratio", "", "equal"),
]
DAEMON_WORKLOADS = ["hackbench", "pipe", "cyclic_idle", "cyclic_loaded", "hogs3", "nice"]

# The targets, for the vruntime policy: (sched, mode, workload, key, kind, bound).
# kind "ratio<=": median ratio to EEVDF at most bound; "ratio>=": at least; "abs<=": the
# measurement itself; "ratio~": ratio within bound of 1.
TARGETS = [
    ("vruntime", "builtin-idle", "hackbench", "time_s", "ratio<=", 0.90),
    ("vruntime", "builtin-idle", "pipe", "usecs_per_op", "ratio<=", 1.05),
    ("vruntime", "full-user", "pipe", "usecs_per_op", "ratio<=", 1.30),
    ("vruntime", "builtin-idle", "hogs3", "total_cpu_s", "ratio>=", 0.99),
    ("vruntime", "builtin-idle", "hogs3", "max_min", "abs<=", 1.05),
    ("vruntime", "builtin-idle", "nice", "nice0_nice5", "ratio~", 0.10),
    ("vruntime", "builtin-idle", "cyclic_idle", "avg_us", "ratio<=", 1.10),
    ("vruntime", "builtin-idle", "cyclic_loaded", "avg_us", "ratio<=", 1.10),
]


def parse(text):
    """{(sched, mode): {(wl, key): {rep: value}}}, configs in first-seen order, settings and
    the runs the kernel ejected [(rep, sched, mode, workload or None, why)], whose numbers are
    left out (part of such a run was EEVDF's): that workload's, or with BENCH_ORDER=session
    (no workload named) all of the repetition's."""
    lines = [raw.replace("\r", "") for raw in text.splitlines()]
    ejected = []
    for line in lines:
        m = EJECTED.search(line)
        if m:
            ejected.append((int(m.group(1)), m.group(2), m.group(3), m.group(4),
                            m.group(5).strip()))
    dropped = {(r, s, m, w) for r, s, m, w, _ in ejected}
    data, order, settings = {}, [], ""
    for line in lines:
        m = CONFIG.search(line)
        if m:
            settings = m.group(1).strip()
            continue
        m = LINE.search(line)
        if not m:
            continue
        rep, sched, mode, wl, key, val = m.groups()
        if {(int(rep), sched, mode, None), (int(rep), sched, mode, wl)} & dropped:
            continue
        try:
            v = float(val)
        except ValueError:
            continue
        cfg = (sched, mode)
        if cfg not in data:
            data[cfg] = {}
            order.append(cfg)
        data[cfg].setdefault((wl, key), {})[int(rep)] = v
    return data, order, settings, ejected


def summary(values):
    vs = sorted(values)
    return {"median": statistics.median(vs), "min": vs[0], "max": vs[-1], "n": len(vs)}


def analyse(data, order):
    base = next((c for c in order if c[0] == "eevdf"), None)
    results = []
    for cfg in order:
        for (wl, key), reps in data[cfg].items():
            entry = {"sched": cfg[0], "mode": cfg[1], "workload": wl, "key": key,
                     "values": [reps[r] for r in sorted(reps)], **summary(reps.values())}
            if base and cfg != base and (wl, key) in data[base]:
                ref = data[base][(wl, key)]
                ratios = [reps[r] / ref[r] for r in sorted(reps) if r in ref and ref[r] != 0]
                if ratios:
                    entry["ratio"] = {"values": ratios, **summary(ratios)}
            results.append(entry)
    return base, results


def find(results, sched, mode, wl, key):
    for r in results:
        if (r["sched"], r["mode"], r["workload"], r["key"]) == (sched, mode, wl, key):
            return r
    return None


def judge_targets(results):
    out = []
    for sched, mode, wl, key, kind, bound in TARGETS:
        r = find(results, sched, mode, wl, key)
        t = {"sched": sched, "mode": mode, "workload": wl, "key": key, "kind": kind,
             "bound": bound, "measured": None, "met": None, "gap": None}
        if r is not None:
            if kind == "abs<=":
                m = r["median"]
            elif "ratio" in r:
                m = r["ratio"]["median"]
            else:
                m = None
            if m is not None:
                t["measured"] = m
                if kind in ("ratio<=", "abs<="):
                    t["met"], t["gap"] = m <= bound, m / bound - 1
                elif kind == "ratio>=":
                    t["met"], t["gap"] = m >= bound, 1 - m / bound
                else:
                    t["met"], t["gap"] = abs(m - 1) <= bound, abs(m - 1) - bound
        out.append(t)
    return out


def cfg_name(cfg):
    return "EEVDF" if cfg[0] == "eevdf" else f"{cfg[0]} {cfg[1]}"


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3f}"


def target_text(kind, bound):
    return {"ratio<=": f"<= {bound:.2f}x EEVDF", "ratio>=": f">= {bound:.2f}x EEVDF",
            "abs<=": f"<= {bound:.2f}", "ratio~": f"within {bound:.0%} of EEVDF's"}[kind]


def markdown(settings, order, results, targets, ejected):
    lines = [f"Settings: `{settings}`" if settings else "Settings: (none printed)", ""]
    for rep, sched, mode, wl, why in ejected:
        what = f"{sched} {mode}, repetition {rep}" + (f", {wl}" if wl else "")
        lines.append(f"- The kernel ejected scxd ({what}): {why}. "
                     "That run's numbers are left out.")
    if ejected:
        lines.append("")
    cols = [c for c in order]
    lines.append("Medians (min-max over repetitions):")
    lines.append("")
    lines.append("| measurement | " + " | ".join(cfg_name(c) for c in cols) + " |")
    lines.append("| --- |" + " ---: |" * len(cols))
    for wl, key, label, unit, _ in METRICS:
        cells = []
        for c in cols:
            r = find(results, c[0], c[1], wl, key)
            cells.append("-" if r is None else f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])})")
        lines.append(f"| {label}{' (' + unit + ')' if unit else ''} | " + " | ".join(cells) + " |")
    scxd = [c for c in cols if c[0] != "eevdf"]
    lines += ["", "Ratio to EEVDF, paired by repetition: median (min-max):", ""]
    lines.append("| measurement | better | " + " | ".join(cfg_name(c) for c in scxd) + " |")
    lines.append("| --- | --- |" + " ---: |" * len(scxd))
    for wl, key, label, _, better in METRICS:
        cells = []
        for c in scxd:
            r = find(results, c[0], c[1], wl, key)
            q = r.get("ratio") if r else None
            cells.append("-" if q is None else f"{q['median']:.2f} ({q['min']:.2f}-{q['max']:.2f})")
        lines.append(f"| {label} | {better} | " + " | ".join(cells) + " |")
    lines += ["", "Daemon CPU time during each workload, s: median (min-max); share of the "
              "workload's wall time:", ""]
    lines.append("| workload | " + " | ".join(cfg_name(c) for c in scxd) + " |")
    lines.append("| --- |" + " ---: |" * len(scxd))
    for wl in DAEMON_WORKLOADS:
        cells = []
        for c in scxd:
            r = find(results, c[0], c[1], wl, "daemon_cpu_s")
            w = find(results, c[0], c[1], wl, "wall_s")
            if r is None:
                cells.append("-")
                continue
            share = f", {r['median'] / w['median']:.1%}" if w and w["median"] > 0 else ""
            cells.append(f"{fmt(r['median'])} ({fmt(r['min'])}-{fmt(r['max'])}){share}")
        lines.append(f"| {wl} | " + " | ".join(cells) + " |")
    lines += ["", "Targets of issue 7 (vruntime):", ""]
    lines.append("| measurement | mode | target | measured | met |")
    lines.append("| --- | --- | --- | ---: | --- |")
    labels = {(wl, key): label for wl, key, label, _, _ in METRICS}
    for t in targets:
        if t["measured"] is None:
            met = "not measured"
        elif t["met"]:
            met = "yes"
        else:
            met = f"no (missed by {t['gap']:.1%})" if t["kind"] != "ratio~" else \
                f"no ({t['gap']:.1%} beyond the band)"
        unit = "x" if t["kind"] != "abs<=" else ""
        meas = "-" if t["measured"] is None else f"{t['measured']:.3f}{unit}"
        lines.append(f"| {labels[(t['workload'], t['key'])]} | {t['mode']} | "
                     f"{target_text(t['kind'], t['bound'])} | {meas} | {met} |")
    return "\n".join(lines) + "\n"


def svg(order, results):
    """Horizontal bars: each scxd configuration's median ratio to EEVDF per measurement,
    with a min-max whisker and a line at 1.0."""
    scxd = [c for c in order if c[0] != "eevdf"]
    colours = ["#4c72b0", "#8fb0e0", "#dd8452", "#f0b890", "#55a868", "#a0d0a8", "#8172b3",
               "#c0b0e0"]
    bar, gap, left, width = 9, 14, 250, 420
    rows = [(wl, key, label) for wl, key, label, _, _ in METRICS]
    vmax = 1.5
    for r in results:
        if "ratio" in r:
            vmax = max(vmax, min(r["ratio"]["max"], 4.0))
    height = 60 + len(rows) * (len(scxd) * bar + gap) + 20 * ((len(scxd) + 1) // 2)
    x = lambda v: left + width * min(v, vmax) / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="13">scxd / EEVDF per measurement (median, '
           f'min-max whisker); 1.0 = same as EEVDF</text>']
    y = 34
    for wl, key, label in rows:
        out.append(f'<text x="10" y="{y + len(scxd) * bar / 2 + 4}">{label}</text>')
        for i, c in enumerate(scxd):
            r = find(results, c[0], c[1], wl, key)
            if r and "ratio" in r:
                q = r["ratio"]
                out.append(f'<rect x="{left}" y="{y}" width="{x(q["median"]) - left:.1f}" '
                           f'height="{bar - 1}" fill="{colours[i % len(colours)]}"/>')
                out.append(f'<line x1="{x(q["min"]):.1f}" x2="{x(q["max"]):.1f}" '
                           f'y1="{y + bar / 2 - 0.5}" y2="{y + bar / 2 - 0.5}" stroke="#222"/>')
                if q["median"] > vmax:  # clipped: say how far it goes
                    out.append(f'<text x="{left + width + 3}" y="{y + bar - 1}" font-size="9">'
                               f'{q["median"]:.1f}</text>')
            y += bar
        y += gap
    out.append(f'<line x1="{x(1.0):.1f}" x2="{x(1.0):.1f}" y1="28" y2="{y - gap + 2}" '
               f'stroke="#c00" stroke-dasharray="3,2"/>')
    for v in (0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
        if v <= vmax:
            out.append(f'<text x="{x(v) - 6:.1f}" y="{y}" fill="#555">{v:g}</text>')
    y += 16
    for i, c in enumerate(scxd):
        lx, ly = 10 + (i % 2) * 300, y + (i // 2) * 18
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="10" '
                   f'fill="{colours[i % len(colours)]}"/>')
        out.append(f'<text x="{lx + 18}" y="{ly}">{cfg_name(c)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_all(log, out):
    data, order, settings, ejected = parse(Path(log).read_text(errors="replace"))
    if not data:
        raise SystemExit(f"analyze.py: {log}: no BENCH lines (did the guest run start?)")
    base, results = analyse(data, order)
    targets = judge_targets(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(markdown(settings, order, results, targets, ejected))
    (out / "results.json").write_text(json.dumps(
        {"settings": settings, "baseline": cfg_name(base) if base else None,
         "configs": [cfg_name(c) for c in order], "results": results, "targets": targets,
         "ejected": [{"rep": r, "sched": s, "mode": m, "workload": wl, "why": w}
                     for r, s, m, wl, w in ejected]},
        indent=1) + "\n")
    (out / "results.svg").write_text(svg(order, results))
    return results, targets


def self_test(log):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        results, targets = write_all(log, out)
        doc = json.loads((out / "results.json").read_text())
        ET.parse(out / "results.svg")  # well-formed XML
        md = (out / "results.md").read_text()
        problems = []
        # The canned log: EEVDF hackbench 2.0, 2.2; vruntime builtin-idle 1.8, 2.2.
        r = find(results, "vruntime", "builtin-idle", "hackbench", "time_s")
        if r is None or abs(r["median"] - 2.0) > 1e-9:
            problems.append(f"hackbench median: {r and r['median']}")
        elif abs(r["ratio"]["min"] - 0.9) > 1e-9 or abs(r["ratio"]["max"] - 1.0) > 1e-9:
            problems.append(f"hackbench ratio range: {r['ratio']}")
        t = [t for t in targets if t["workload"] == "hogs3" and t["key"] == "max_min"][0]
        if t["met"] is not True:
            problems.append(f"max/min target: {t}")
        # The canned log's vruntime full-user repetition 2 was ejected: only repetition 1 counts.
        r = find(results, "vruntime", "full-user", "hackbench", "time_s")
        if r is None or r["values"] != [3.0] or len(doc["ejected"]) != 2:
            problems.append(f"ejected run not left out: {r and r['values']}, {doc['ejected']}")
        # Its vruntime builtin-idle pipe of repetition 2 was ejected (workload order): only
        # that number is left out.
        r = find(results, "vruntime", "builtin-idle", "pipe", "usecs_per_op")
        h = find(results, "vruntime", "builtin-idle", "hackbench", "time_s")
        if r is None or len(r["values"]) != 1 or h is None or len(h["values"]) != 2:
            problems.append(f"ejected workload: pipe {r and r['values']}, "
                            f"hackbench {h and h['values']}")
        if doc["baseline"] != "EEVDF" or len(doc["configs"]) < 2:
            problems.append(f"configs: {doc['configs']}")
        for need in ("Ratio to EEVDF", "Targets of issue 7", "missed by", "ejected scxd"):
            if need not in md:
                problems.append(f"results.md lacks '{need}'")
        if problems:
            print("analyze.py self-test FAILED:\n  " + "\n  ".join(problems))
            return 1
        print(md)
        print("analyze.py self-test: ok")
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--out", default=None, help="output directory (default: next to the log)")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.log)
    write_all(a.log, Path(a.out) if a.out else Path(a.log).parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
