#!/usr/bin/env python3
# report.py: turns one bench.sh run (its raw key=value lines) into
# results/latest.json, results/latest.md (ratios against the peers measured in
# the same run; median and min–max over the repeats) and PNG charts.
# Usage: report.py [--no-charts] RUN_DIR RESULTS_DIR
import json
import statistics
import sys
from pathlib import Path

PEERS = ["refloop", "refloop-session", "tcpserver", "xinetd", "socket-activate", "usherd"]
LEVELS = [1, 16, 64]
HANDLERS = ["glibc", "raw"]
ACTIVATORS = ["coldact", "socket-activate", "usherd"]
SERVICES = ["static", "dynamic"]


def parse_line(line):
    fields = {}
    for token in line.split():
        key, eq, value = token.partition("=")
        if eq:
            fields[key] = value
    return fields


def read_raw(path):
    if not path.exists():
        return []
    return [parse_line(line) for line in path.read_text().splitlines() if line.strip()]


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def spread(values):
    values = [v for v in (number(x) for x in values) if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    return sorted_values[int(fraction * (len(sorted_values) - 1) + 0.5)]


def ratio(value, reference):
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def accept_section(run):
    cells = {}
    for line in read_raw(run / "accept" / "raw.txt"):
        key = (line.get("contender"), line.get("handler"), int(line.get("concurrency", 0)))
        cells.setdefault(key, []).append(line)
    out = []
    for (contender, handler, level), lines in sorted(cells.items()):
        field = lambda name: spread([line.get(name) for line in lines])
        out.append({
            "contender": contender, "handler": handler, "concurrency": level,
            "conn_per_s": field("cps"), "p50_us": field("p50_us"), "p99_us": field("p99_us"),
            "daemon_cpu_us_per_conn": field("sup_oncpu_us_per_conn"),
            "children_cpu_us_per_conn": field("child_cpu_us_per_conn"),
            "rss_kib": field("rss_after_kib"), "machine_busy_pct": field("machine_busy_pct"),
            "errors": sum(int(number(line.get("errors")) or 0) for line in lines),
            "zombies": max(int(number(line.get("zombies")) or 0) for line in lines),
        })
    by_key = {(c["contender"], c["handler"], c["concurrency"]): c for c in out}
    for cell in out:
        reference = by_key.get(("refloop", cell["handler"], cell["concurrency"]))
        median = lambda c, name: (c.get(name) or {}).get("median") if c else None
        cell["conn_per_s_vs_refloop"] = ratio(median(cell, "conn_per_s"), median(reference, "conn_per_s"))
        cell["p99_vs_refloop"] = ratio(median(cell, "p99_us"), median(reference, "p99_us"))
    skipped = {}
    skipped_file = run / "accept" / "skipped.txt"
    if skipped_file.exists():
        for line in skipped_file.read_text().splitlines():
            name, _, reason = line.partition("\t")
            skipped[name] = reason
    return {"cells": out, "skipped": skipped}


def cold_section(run):
    groups = {}
    for line in read_raw(run / "cold" / "raw.txt"):
        if line.get("scenario") == "cold":
            groups.setdefault((line["activator"], line["service"]), []).append(line)
    cells = []
    order = lambda key: (ACTIVATORS.index(key[0]) if key[0] in ACTIVATORS else 99,
                         SERVICES.index(key[1]) if key[1] in SERVICES else 99)
    for (activator, service), lines in sorted(groups.items(), key=lambda item: order(item[0])):
        samples = sorted(float(v) for line in lines for v in line.get("raw_us", "").split(",") if v)
        cells.append({
            "activator": activator, "service": service, "samples_us": samples,
            "p50_us": percentile(samples, 0.5), "p90_us": percentile(samples, 0.9),
            "p99_us": percentile(samples, 0.99), "p50_us_per_repeat": spread([line.get("p50_us") for line in lines]),
            "daemon_cpu_us_per_activation": spread([line.get("sup_cpu_us_per_act") for line in lines]),
            "errors": sum(int(number(line.get("errors")) or 0) for line in lines),
        })
    by_key = {(c["activator"], c["service"]): c for c in cells}
    for cell in cells:
        reference = by_key.get(("coldact", cell["service"]))
        cell["p50_vs_coldact"] = ratio(cell["p50_us"], reference["p50_us"] if reference else None)
    return {"cells": cells}


def steady_section(run):
    groups = {}
    for line in read_raw(run / "cold" / "raw.txt"):
        if line.get("scenario") == "steady":
            groups.setdefault((line["mode"], int(line.get("concurrency", 0))), []).append(line)
    cells = [{"mode": mode, "concurrency": level, "conn_per_s": spread([l.get("cps") for l in lines]),
              "p99_us": spread([l.get("p99_us") for l in lines]),
              "service_cpu_us_per_conn": spread([l.get("sup_oncpu_us_per_conn") for l in lines]),
              "errors": sum(int(number(l.get("errors")) or 0) for l in lines)}
             for (mode, level), lines in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0] != "own-socket"))]
    by_key = {(c["mode"], c["concurrency"]): c for c in cells}
    for cell in cells:
        own = by_key.get(("own-socket", cell["concurrency"]))
        cell["vs_own_socket"] = ratio(cell["conn_per_s"]["median"] if cell["conn_per_s"] else None,
                                      own["conn_per_s"]["median"] if own and own["conn_per_s"] else None)
    return {"cells": cells}


def scale_section(run):
    groups = {}
    for line in read_raw(run / "scale" / "raw.txt"):
        groups.setdefault(int(line["units"]), []).append(line)
    return {"cells": [{
        "units": units, "ready_ms": spread([l.get("ready_ms") for l in lines]),
        "cpu_ms_to_ready": spread([l.get("cpu_ms") for l in lines]),
        "idle_rss_kib": spread([l.get("idle_rss_kib") for l in lines]),
        "idle_wakeups": spread([l.get("wakeups") for l in lines]),
        "idle_seconds": number(lines[0].get("idle_seconds")),
        "load_average": spread([l.get("load") for l in lines]),
    } for units, lines in sorted(groups.items())]}


def stability_section(run):
    cells = []
    for line in read_raw(run / "stability" / "raw.txt"):
        before, after = number(line.get("rss_before_kib")), number(line.get("rss_after_kib"))
        cells.append({
            "contender": line.get("contender"), "connections": number(line.get("ok")),
            "errors": number(line.get("errors")), "rss_before_kib": before,
            "rss_peak_kib": number(line.get("rss_peak_kib")), "rss_after_kib": after,
            "rss_growth_kib": after - before if before is not None and after is not None else None,
            "fds_before": number(line.get("fds_before")), "fds_after": number(line.get("fds_after")),
            "zombies": number(line.get("zombies")), "conn_per_s": number(line.get("cps")),
        })
    return {"cells": cells}


def liveops_section(run):
    directory = run / "liveops"
    if not directory.exists():
        return {"ran": False}
    section = {"ran": True, "files": {}}
    for path in sorted(directory.iterdir()):
        if path.suffix == ".json":
            section["files"][path.name] = json.loads(path.read_text())
        elif path.is_file():
            section["files"][path.name] = path.read_text()[-4000:]
    return section


def machine_section(run):
    machine = {}
    path = run / "machine.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            machine.update(parse_line(line))
    machine["cpu_model"] = machine.get("cpu_model", "").replace("_", " ")
    return machine


def show(value, digits=0, unit=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def show_spread(cell, digits=0, scale=1.0):
    if not cell:
        return "–"
    median = show(cell["median"] * scale, digits)
    if cell["n"] < 2:
        return median
    return f"{median} ({show(cell['min'] * scale, digits)}–{show(cell['max'] * scale, digits)})"


def show_ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def median_of(cell, name):
    return (cell.get(name) or {}).get("median")


def accept_markdown(section):
    lines = ["## 1. Accept=yes against the C loop and the peers", "",
             "conn/s, median (min–max) over the repeats, × refloop (the C accept + posix_spawn loop) "
             "of the same run; p99 in µs and × refloop's p99; daemon CPU in µs per connection (its own threads, schedstat). "
             "refloop-session is the same loop starting each handler in a session of its own (setsid), "
             "as systemd and usherd do; with sched_autogroup on, each session is a scheduling group of its own.", ""]
    cells = {(c["contender"], c["handler"], c["concurrency"]): c for c in section["cells"]}
    for handler in HANDLERS:
        lines += [f"### {handler} handler", "",
                  "| contender | " + " | ".join(f"c{n} conn/s" for n in LEVELS) + " | "
                  + " | ".join(f"c{n} p99 µs" for n in LEVELS) + " | " + " | ".join(f"c{n} CPU µs" for n in LEVELS)
                  + " | RSS KiB | errors |",
                  "| --- |" + " ---: |" * (3 * len(LEVELS) + 2)]
        for contender in PEERS:
            row = [cells.get((contender, handler, n)) for n in LEVELS]
            if not any(row):
                continue
            throughput = [f"{show_spread(c['conn_per_s'])} **{show_ratio(c['conn_per_s_vs_refloop'])}**" if c else "–"
                          for c in row]
            tail = [f"{show_spread(c['p99_us'])} ({show_ratio(c['p99_vs_refloop'])})" if c else "–" for c in row]
            cpu = [show_spread(c["daemon_cpu_us_per_conn"], 1) if c else "–" for c in row]
            present = [c for c in row if c]
            rss = max(median_of(c, "rss_kib") or 0 for c in present)
            errors = sum(c["errors"] for c in present)
            lines.append(f"| {contender} | " + " | ".join(throughput + tail + cpu) + f" | {show(rss)} | {errors} |")
        lines.append("")
    for name, reason in section["skipped"].items():
        lines.append(f"- {name} skipped: {reason}")
    return lines


def cold_markdown(section):
    lines = ["## 2. Accept=no cold activation", "",
             "connect → first byte while the service is not running (µs, all samples pooled); "
             "× the C fork+exec activator (coldact) of the same run; p50 per repeat as min–max.", "",
             "| activator | service | samples | p50 | p90 | p99 | × coldact (p50) | p50 per repeat | daemon CPU µs/activation | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for cell in section["cells"]:
        repeat = cell["p50_us_per_repeat"]
        lines.append(f"| {cell['activator']} | {cell['service']} | {len(cell['samples_us'])} | {show(cell['p50_us'])} | "
                     f"{show(cell['p90_us'])} | {show(cell['p99_us'])} | {show_ratio(cell['p50_vs_coldact'])} | "
                     f"{show(repeat['min']) + '–' + show(repeat['max']) if repeat and repeat['n'] > 1 else '–'} | "
                     f"{show_spread(cell['daemon_cpu_us_per_activation'], 1)} | {cell['errors']} |")
    return lines + [""]


def steady_markdown(section):
    lines = ["## 3. Accept=no steady state", "",
             "The same service (static) answering every connection on the listener usherd passed it, against "
             "binding its own socket (target ≥ 0.98×).", "",
             "| mode | concurrency | conn/s | × own socket | p99 µs | service CPU µs/conn | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for cell in section["cells"]:
        lines.append(f"| {cell['mode']} | {cell['concurrency']} | {show_spread(cell['conn_per_s'])} | "
                     f"{show_ratio(cell['vs_own_socket'])} | {show_spread(cell['p99_us'])} | "
                     f"{show_spread(cell['service_cpu_us_per_conn'], 1)} | {cell['errors']} |")
    return lines + [""]


def scale_markdown(section):
    lines = ["## 4. Scale: unit count", "",
             "N socket + service pairs (above 100, every other socket AF_UNIX); start → READY=1 (wall and usherd's "
             "own CPU), idle RSS 2 s later, and the context switches of all its threads while idle.", "",
             "| units | start → READY ms | CPU to READY ms | idle RSS MiB | idle wakeups | load average |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for cell in section["cells"]:
        lines.append(f"| {cell['units']:,} | {show_spread(cell['ready_ms'], 1)} | {show_spread(cell['cpu_ms_to_ready'], 1)} | "
                     f"{show_spread(cell['idle_rss_kib'], 1, 1 / 1024)} | {show_spread(cell['idle_wakeups'])} / "
                     f"{show(cell['idle_seconds'])} s | {show_spread(cell['load_average'], 1)} |")
    return lines + [""]


def stability_markdown(section):
    lines = ["## 5. Memory over many connections (Accept=yes, raw handler, c16)", "",
             "| contender | connections | conn/s | RSS before → after KiB (peak) | growth KiB | fds | zombies | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for cell in section["cells"]:
        lines.append(f"| {cell['contender']} | {show(cell['connections'])} | {show(cell['conn_per_s'])} | "
                     f"{show(cell['rss_before_kib'])} → {show(cell['rss_after_kib'])} ({show(cell['rss_peak_kib'])}) | "
                     f"{show(cell['rss_growth_kib'])} | {show(cell['fds_before'])} → {show(cell['fds_after'])} | "
                     f"{show(cell['zombies'])} | {show(cell['errors'])} |")
    return lines + [""]


def liveops_markdown(section):
    if not section["ran"]:
        return ["## 6. Reload and re-exec under load", "", "Not run: bench/liveops.sh is not in this tree.", ""]
    lines = ["## 6. Reload and re-exec under load", "", "From bench/liveops.sh:", "", "```"]
    stdout = section["files"].get("stdout.txt", "")
    lines += stdout.strip().splitlines()[-30:] + ["```", ""]
    return lines


def markdown(report):
    machine = report["machine"]
    mode = "QUICK (one small round per cell)" if machine.get("quick") == "1" else f"full, {machine.get('repeats')} repeats per cell"
    lines = [f"# usherd benchmark, {machine.get('started', '?')}", "",
             f"- machine: {machine.get('cpus', '?')} CPUs ({machine.get('cpu_model', '?')}), Linux {machine.get('kernel', '?')}, "
             f"load average at start {machine.get('load_at_start', '?')}, sched_autogroup {machine.get('autogroup', '?')}",
             f"- mode: {mode}; peers {machine.get('peers', '?')}",
             "- every figure comes from this one run; ratios compare cells of the same run", ""]
    lines += accept_markdown(report["accept"]) + cold_markdown(report["cold"]) + steady_markdown(report["steady"])
    lines += scale_markdown(report["scale"]) + stability_markdown(report["stability"]) + liveops_markdown(report["liveops"])
    return "\n".join(lines) + "\n"


def charts(report, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = {(c["contender"], c["handler"], c["concurrency"]): c for c in report["accept"]["cells"]}
    for name, label in (("conn_per_s", "connections / s"), ("p99_us", "p99 latency (µs)")):
        figure, axes = plt.subplots(1, len(HANDLERS), figsize=(11, 4.2), sharey=False)
        for axis, handler in zip(axes, HANDLERS):
            for contender in PEERS:
                points = [(n, cells[(contender, handler, n)][name]) for n in LEVELS
                          if (contender, handler, n) in cells and cells[(contender, handler, n)][name]]
                if not points:
                    continue
                xs = [n for n, _ in points]
                medians = [s["median"] for _, s in points]
                errors = [[s["median"] - s["min"] for _, s in points], [s["max"] - s["median"] for _, s in points]]
                axis.errorbar(xs, medians, yerr=errors, marker="o", capsize=3, label=contender,
                              linewidth=2.5 if contender == "usherd" else 1.2)
            axis.set_xscale("log")
            axis.set_xticks(LEVELS, [str(n) for n in LEVELS])
            axis.set_xlabel("concurrent clients")
            axis.set_ylabel(label)
            axis.set_title(f"Accept=yes, {handler} handler")
            axis.grid(alpha=0.3)
        if axes[0].get_legend_handles_labels()[0]:
            axes[0].legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(results / f"accept-{'throughput' if name == 'conn_per_s' else 'p99'}.png", dpi=110)
        plt.close(figure)

    cold = report["cold"]["cells"]
    if cold:
        figure, axis = plt.subplots(figsize=(9, 4.2))
        labels = [f"{c['activator']}\n{c['service']}" for c in cold]
        axis.boxplot([c["samples_us"] or [0] for c in cold], showfliers=True, whis=(1, 99))
        axis.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
        axis.set_ylabel("connect → first byte (µs)")
        axis.set_yscale("log")
        axis.set_title("Accept=no cold activation (whiskers p1–p99)")
        axis.grid(alpha=0.3, axis="y")
        figure.tight_layout()
        figure.savefig(results / "cold-activation.png", dpi=110)
        plt.close(figure)

    scale = report["scale"]["cells"]
    if scale:
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        units = [c["units"] for c in scale]
        for axis, name, scale_by, label in ((left, "idle_rss_kib", 1 / 1024, "idle RSS (MiB)"),
                                            (right, "ready_ms", 1, "start → READY (ms)")):
            values = [(c[name] or {}).get("median", 0) * scale_by for c in scale]
            axis.plot(units, values, marker="o", label="usherd")
            axis.set_xscale("log")
            axis.set_xlabel("socket units")
            axis.set_ylabel(label)
            axis.grid(alpha=0.3)
        left.axhline(6, color="grey", linestyle="--", label="target, 10 units")
        left.axhline(48, color="grey", linestyle=":", label="target, 10,000 units")
        right.axhline(500, color="grey", linestyle="--", label="target, 10,000 units")
        left.legend(fontsize=8)
        right.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(results / "scale.png", dpi=110)
        plt.close(figure)


def main(arguments):
    draw = "--no-charts" not in arguments
    paths = [a for a in arguments if a != "--no-charts"]
    if len(paths) != 2:
        print("usage: report.py [--no-charts] RUN_DIR RESULTS_DIR", file=sys.stderr)
        return 2
    run, results = Path(paths[0]), Path(paths[1])
    results.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine_section(run), "run_dir": str(run), "accept": accept_section(run),
              "cold": cold_section(run), "steady": steady_section(run), "scale": scale_section(run),
              "stability": stability_section(run), "liveops": liveops_section(run)}
    (results / "latest.json").write_text(json.dumps(report, indent=1) + "\n")
    (results / "latest.md").write_text(markdown(report))
    if draw:
        charts(report, results)
    print((results / "latest.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
