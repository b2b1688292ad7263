#!/usr/bin/env python3
"""Turns bench/load's results into the markdown table of bench/README.md (between the load:begin and
load:end markers): medians of the interleaved repetitions, ratios measured in the same run, and a
failure (exit 1) if any response was not 200 or not full-length."""
import json, statistics, sys

results_path, readme_path, reps, seconds, connections, size100k, size1m = sys.argv[1:8]
sizes = {"100k": int(size100k), "1m": int(size1m)}
rows = [json.loads(line) for line in open(results_path) if line.strip()]
problems = []
runs = {}
for row in rows:
    if row["target"].startswith("rss"):
        continue
    r = row["result"]
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    if errors:
        problems.append(f'{row["target"]} {row["size"]}: {errors} errors ({r})')
    if row["size"] in sizes and r["bytes"] < r["requests"] * sizes[row["size"]]:
        problems.append(f'{row["target"]} {row["size"]}: {r["bytes"]} bytes for {r["requests"]} responses of {sizes[row["size"]]}')
    runs.setdefault((row["target"], row["size"]), []).append(r)

def median(target, size, key):
    values = runs.get((target, size), [])
    if not values:
        return None
    if key == "mbps":
        return statistics.median(v["bytes"] / v["seconds"] / 1e6 for v in values)
    if key == "rps":
        return statistics.median(v["requests"] / v["seconds"] for v in values)
    return statistics.median(v[key] for v in values)

def fmt(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"

lines = [
    f"Measured {reps} interleaved repetitions of {seconds} s, medians; wrk `-t1 -c{connections}` on core 0, every server and redis-server on core 1.",
    "",
    "| Target | 100 KB MB/s | 100 KB req/s | 100 KB p50 / p99 ms | 1 MB MB/s | 1 MB req/s | 1 MB p50 / p99 ms |",
    "|---|---|---|---|---|---|---|",
]
names = {
    "origin": "nginx static origin, direct (wrk-bound: a floor)",
    "nginx-proxy": "nginx reverse proxy (tuned)",
    "nginx-cache": "nginx with `proxy_cache` on tmpfs, warm (100 fragments)",
    "yarp": "bare YARP forwarder",
    "gateway": "**KvsGateway, forwarding** (fragment cache off)",
    "cached": "**KvsGateway, warm cache** (as shipped; 64 viewers, 100 fragments)",
}
for target in ["origin", "nginx-proxy", "nginx-cache", "yarp", "gateway", "cached"]:
    cells = []
    for s in ["100k", "1m"]:
        cells += [fmt(median(target, s, "mbps")), fmt(median(target, s, "rps")), f'{fmt(median(target, s, "p50_ms"), 1)} / {fmt(median(target, s, "p99_ms"), 1)}']
    lines.append(f"| {names[target]} | " + " | ".join(cells) + " |")

def ratio(a, b, s, key="mbps"):
    x, y = median(a, s, key), median(b, s, key)
    if not x or not y:
        return "–"
    # The same ratio within each repetition (runs minutes apart on a shared machine drift together).
    pairs = list(zip(runs.get((a, s), []), runs.get((b, s), [])))
    value = (lambda v: v["bytes"] / v["seconds"]) if key == "mbps" else (lambda v: v[key])
    each = sorted(value(p) / value(q) for p, q in pairs if value(q))
    spread = f" ({each[0]:.2f}–{each[-1]:.2f})" if len(each) > 1 else ""
    return f"{x / y:.2f}×{spread}"

lines += [
    "",
    "| Ratio (same run; of the medians, and in brackets the lowest and highest within one repetition) | 100 KB | 1 MB |",
    "|---|---|---|",
    f"| gateway / bare YARP forwarder (target ≥ 0.9×) | {ratio('gateway', 'yarp', '100k')} | {ratio('gateway', 'yarp', '1m')} |",
    f"| gateway / nginx proxy (targets ≥ 0.5× at 100 KB, ≥ 1.0× at 1 MB) | {ratio('gateway', 'nginx-proxy', '100k')} | {ratio('gateway', 'nginx-proxy', '1m')} |",
    f"| gateway p99 / nginx proxy p99 (target ≤ 2×) | {ratio('gateway', 'nginx-proxy', '100k', 'p99_ms')} | {ratio('gateway', 'nginx-proxy', '1m', 'p99_ms')} |",
    f"| bare YARP forwarder / nginx proxy | {ratio('yarp', 'nginx-proxy', '100k')} | {ratio('yarp', 'nginx-proxy', '1m')} |",
    f"| warm-cache gateway / nginx proxy (target ≥ 1.0×) | {ratio('cached', 'nginx-proxy', '100k')} | {ratio('cached', 'nginx-proxy', '1m')} |",
    f"| warm-cache gateway / nginx `proxy_cache` (target ≥ 0.7×) | {ratio('cached', 'nginx-cache', '100k')} | {ratio('cached', 'nginx-cache', '1m')} |",
    f"| warm-cache gateway p99 / nginx `proxy_cache` p99 | {ratio('cached', 'nginx-cache', '100k', 'p99_ms')} | {ratio('cached', 'nginx-cache', '1m', 'p99_ms')} |",
    "",
]
rss = {(row["target"], row["size"]): row["kb"] for row in rows if row["target"].startswith("rss")}
def mb(target, s):
    return fmt(rss.get((target, s), 0) / 1024)
manifest_rps, media_rps = median("manifest", "-", "rps"), median("cached", "1m", "rps")
viewers = None if not manifest_rps or not media_rps else 1 / (1 / manifest_rps + 0.5 / media_rps)
lines += [
    "| Also measured | |",
    "|---|---|",
    f"| session URLs issued, origin session pooled (a presigned SigV4 POST replayed, {connections} connections; target ≥ 5,000/s) | {fmt(median('session-urls', '-', 'rps'))}/s, p99 {fmt(median('session-urls', '-', 'p99_ms'), 1)} ms |",
    f"| 1000-fragment manifest through the gateway, shared (16 connections; target ≥ 3,000 req/s) | {fmt(median('manifest', '-', 'rps'))} req/s, p50 {fmt(median('manifest', '-', 'p50_ms'), 1)} ms |",
    f"| forwarding gateway at 500 connections, 1 MB / 100 KB | {fmt(median('gateway-500', '1m', 'mbps'))} / {fmt(median('gateway-500', '100k', 'mbps'))} MB/s |",
    f"| cached gateway at 500 connections over 1000 fragments (1 GB at 1 MB: 4× its cache), 1 MB / 100 KB | {fmt(median('cached-500', '1m', 'mbps'))} / {fmt(median('cached-500', '100k', 'mbps'))} MB/s |",
    f"| forwarding gateway peak RSS (VmHWM), 1 MB / 100 KB process, after everything above (target ≤ 200 MB) | {mb('rss-gateway', '1m')} / {mb('rss-gateway', '100k')} MB |",
    f"| cached gateway peak RSS, 1 MB / 100 KB process (target ≤ its 256 MiB cache + 200 MB) | {mb('rss-cached', '1m')} / {mb('rss-cached', '100k')} MB |",
    f"| LIVE viewers of one stream one gateway core serves (4 Mbit/s: a 1 MB fragment every 2 s and a manifest a second each; from the two rows above them) | {fmt(viewers)} |",
    "",
    "Every response was 200 and full-length." if not problems else "**Problems:** " + "; ".join(problems),
]
table = "\n".join(lines)
print(table)
readme = "" if readme_path == "-" else open(readme_path).read()
begin, end = "<!-- load:begin -->", "<!-- load:end -->"
if begin in readme and end in readme:
    readme = readme[: readme.index(begin) + len(begin)] + "\n" + table + "\n" + readme[readme.index(end):]
    open(readme_path, "w").write(readme)
sys.exit(1 if problems else 0)
