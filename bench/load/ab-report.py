#!/usr/bin/env python3
"""Summarises bench/load's "ab" runs (this build and a baseline build loaded in the same seconds, half
the connections each): per repetition and as medians, requests per second and CPU time per request of
each, and their ratios. Exits 1 if any response was not 200 or not full-length."""
import json, statistics, sys

ab_path, size100k, size1m = sys.argv[1:4]
sizes = {"100k": int(size100k), "1m": int(size1m)}
rows = [json.loads(line) for line in open(ab_path) if line.strip()]
problems = []
by_size = {}
for row in rows:
    size = row["size"]
    per_tick = 1e6 / row["ticks_per_second"]
    entry = {}
    for i, build in enumerate(("gateway", "baseline")):
        r = row[build]
        errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
        if errors:
            problems.append(f"{build} {size}: {errors} errors ({r})")
        if r["bytes"] < r["requests"] * sizes[size]:
            problems.append(f'{build} {size}: {r["bytes"]} bytes for {r["requests"]} responses of {sizes[size]}')
        ticks = row["ticks_after"][i] - row["ticks_before"][i]
        entry[build] = (r["requests"] / r["seconds"], ticks * per_tick / max(r["requests"], 1), r["p99_ms"])
    by_size.setdefault(size, []).append(entry)

print("| Size | Repetition | this build req/s | baseline req/s | req/s, this / baseline | CPU µs per request, this / baseline |")
print("|---|---|---|---|---|---|")
for size, entries in by_size.items():
    for n, e in enumerate(entries, 1):
        (ra, ca, _), (rb, cb, _) = e["gateway"], e["baseline"]
        print(f"| {size} | {n} | {ra:,.0f} | {rb:,.0f} | {ra / rb:.2f}x | {ca:.0f} / {cb:.0f} = {ca / cb:.2f}x |")
    rate = statistics.median(e["gateway"][0] / e["baseline"][0] for e in entries)
    cpu = statistics.median(e["gateway"][1] / e["baseline"][1] for e in entries)
    print(f"| {size} | **median** | | | **{rate:.2f}x** | **{cpu:.2f}x** |")
print()
print("Every response was 200 and full-length." if not problems else "Problems: " + "; ".join(problems))
sys.exit(1 if problems else 0)
