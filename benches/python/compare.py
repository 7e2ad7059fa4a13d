#!/usr/bin/env python3
"""kiln (eager and fused) against NumPy, numexpr and JAX on the standard workloads.

Runs, one workload at a time and in this one session,

    cargo run --release --example workloads -- --json --only NAME --scale S --reps R
    <this python> benches/python/workloads.py --only NAME --scale S --reps R

collects their JSON lines, prints a markdown table of median times and checksum
agreement, and draws a bar chart:

    .venv/bin/python benches/python/compare.py                        # full size
    .venv/bin/python benches/python/compare.py --scale 0.05 --plot /tmp/bench.png
    .venv/bin/python benches/python/compare.py --only zscore --reps 10 --save runs.jsonl
    .venv/bin/python benches/python/compare.py --load runs.jsonl --plot /tmp/again.png
    .venv/bin/python benches/python/compare.py --only chain --rounds 5   # paired rounds

"fused vs jax" is JAX's median over kiln fused's (2.0× means kiln fused takes half
JAX's time); "fused vs numpy" and "fused vs eager" likewise. "checksums agree?"
compares every library's checksum with kiln's (fused, else eager) within rtol ·
(max(|a|, |b|) + √n), rtol = 1e-6 for the float32 workloads and 1e-12 for the float64
ones (1e-9 for rocklin, whose dot products of 20 000 terms round differently in each
BLAS); the √n term keeps a checksum that is zero in exact arithmetic (zscore's)
comparable. A workload that kiln cannot run yet shows "-" in its kiln columns (its
error goes to stderr) and its checksums are compared with NumPy's instead.

With ``--rounds K`` every workload runs K times, kiln and the Python libraries
alternating which goes first, and each round's ratios are taken from that round's own
medians: the machine's speed drifts by a third within minutes on a shared VM, and a
ratio of two runs seconds apart is paired, where two single runs may fall in different
phases. The table then shows each mode's median over the rounds and, for the ratios,
the median of the per-round ratios with their range (lowest–highest).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORKLOADS = ["zscore", "chain", "sum", "softmax", "pmodel", "matmul", "rocklin", "lda_predict"]
SIZES = {
    "zscore": 10_000_000,
    "chain": 10_000_000,
    "sum": 100_000_000,
    "softmax": 4096 * 4096,
    "pmodel": 10_000_000,
    "matmul": 2048 * 2048,
    "rocklin": 20_000 * 500,
    "lda_predict": 400_000 * 300,
}
F32_WORKLOADS = {"chain", "sum", "softmax", "matmul"}
# rocklin's outputs are dot products of 20 000 terms (~5 000 each) minus their column
# means: its checksum is 0 in exact arithmetic, and BLAS libraries that sum in another
# order differ by ~1e-12 of each element's size, more than the f64 default allows.
RTOL = {"rocklin": 1e-9}
MODES = ["numpy", "numexpr", "jax", "eager", "fused"]
LABELS = {
    "numpy": "NumPy",
    "numexpr": "numexpr",
    "jax": "JAX (jit)",
    "eager": "kiln eager",
    "fused": "kiln fused",
}


def run_json(cmd: list[str], what: str) -> list[dict]:
    """Runs cmd, returns the JSON objects it printed (one per line); stderr passes through."""
    print(f"$ {' '.join(cmd)}", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    rows = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    if proc.returncode != 0:
        print(f"{what} exited with {proc.returncode} (kept {len(rows)} results)", file=sys.stderr)
    return rows


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def agreement(workload: str, ref: dict | None, others: list[dict]) -> str:
    """Checksums of `others` against `ref`'s: "yes (worst)" or "NO: mode diff, ..."."""
    if ref is None or not others:
        return "-"
    rtol = RTOL.get(workload, 1e-6 if workload in F32_WORKLOADS else 1e-12)
    a = ref["checksum"]
    bad, worst = [], 0.0
    for r in others:
        b = r["checksum"]
        scale = max(abs(a), abs(b)) + math.sqrt(r["n"])
        diff = abs(a - b) / scale if math.isfinite(a) and math.isfinite(b) else math.inf
        if not diff <= rtol:
            bad.append(f"{r['mode']} {diff:.0e}")
        worst = max(worst, diff)
    vs = "" if ref["mode"] in ("fused", "eager") else f", vs {ref['mode']}: no kiln result"
    return f"yes ({worst:.0e}{vs})" if not bad else "NO: " + ", ".join(bad) + vs


def fmt_ms(r: dict | None) -> str:
    if r is None:
        return "-"
    ms = r["median_ms"]
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def combine(rows: list[dict]) -> dict:
    """One mode's rounds as one result: the median over rounds of the round medians
    (the first round's checksum; every round's is compared in `table`)."""
    out = dict(rows[0])
    out["median_ms"] = median([r["median_ms"] for r in rows])
    out["rounds"] = len(rows)
    return out


def paired_ratio(rounds: dict[int, dict[str, dict]], num: str, den: str) -> str:
    """The median over rounds of num's time over den's, both from the same round, with
    the range when there are several rounds."""
    rs = [
        r[num]["median_ms"] / r[den]["median_ms"]
        for r in rounds.values()
        if num in r and den in r and r[den]["median_ms"] > 0
    ]
    if not rs:
        return "-"
    if len(rs) == 1:
        return f"{rs[0]:.2f}×"
    return f"{median(rs):.2f}× ({min(rs):.2f}–{max(rs):.2f})"


def by_round(raw: list[dict]) -> dict[str, dict[int, dict[str, dict]]]:
    """workload -> round -> mode -> result (files saved before --rounds have round 0)."""
    out: dict[str, dict[int, dict[str, dict]]] = {}
    for r in raw:
        out.setdefault(r["workload"], {}).setdefault(r.get("round", 0), {})[r["mode"]] = r
    return out


def combined(rounds: dict[str, dict[int, dict[str, dict]]]) -> dict[str, dict[str, dict]]:
    """workload -> mode -> the mode's rounds combined (`combine`)."""
    out: dict[str, dict[str, dict]] = {}
    for w, rs in rounds.items():
        modes: dict[str, list[dict]] = {}
        for r in rs.values():
            for mode, row in r.items():
                modes.setdefault(mode, []).append(row)
        out[w] = {mode: combine(rows) for mode, rows in modes.items()}
    return out


def table(rounds: dict[str, dict[int, dict[str, dict]]], workloads: list[str]) -> str:
    head = [
        "workload",
        "numpy ms",
        "numexpr ms",
        "jax ms",
        "kiln eager ms",
        "kiln fused ms",
        "fused vs jax",
        "fused vs numpy",
        "fused vs eager",
        "checksums agree? (worst rel. diff)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * 8 + ["---"]) + "|"]
    results = combined(rounds)
    for w in workloads:
        r = results.get(w, {})
        # kiln's checksum is the reference; without one, NumPy's. Every round's
        # checksums are compared with it.
        ref = r.get("fused") or r.get("eager") or r.get("numpy")
        others = [row for rnd in rounds.get(w, {}).values() for m, row in rnd.items() if m in MODES]
        cells = [
            w,
            fmt_ms(r.get("numpy")),
            fmt_ms(r.get("numexpr")),
            fmt_ms(r.get("jax")),
            fmt_ms(r.get("eager")),
            fmt_ms(r.get("fused")),
            paired_ratio(rounds.get(w, {}), "jax", "fused"),
            paired_ratio(rounds.get(w, {}), "numpy", "fused"),
            paired_ratio(rounds.get(w, {}), "eager", "fused"),
            agreement(w, ref, others),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results, workloads, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = 0.8 / len(MODES)
    colors = {"numpy": "#4c72b0", "numexpr": "#8172b3", "jax": "#55a868", "eager": "#dd8452", "fused": "#c44e52"}
    fig, ax = plt.subplots(figsize=(max(6, 1.9 * len(workloads) + 2), 4.8))
    for k, mode in enumerate(MODES):
        xs, ys = [], []
        for i, w in enumerate(workloads):
            r = results.get(w, {}).get(mode)
            if r is not None and r["median_ms"] > 0:
                xs.append(i + (k - (len(MODES) - 1) / 2) * width)
                ys.append(r["median_ms"])
        bars = ax.bar(xs, ys, width, label=LABELS[mode], color=colors[mode])
        for i, w in enumerate(workloads):  # mark what did not run
            if results.get(w, {}).get(mode) is None:
                x = i + (k - (len(MODES) - 1) / 2) * width
                ax.annotate("n/a", (x, 0), xycoords=("data", "axes fraction"), ha="center", va="bottom",
                            fontsize=6, rotation=90, xytext=(0, 3), textcoords="offset points", color="0.4")
        for b, y in zip(bars, ys):
            ax.annotate(
                f"{y:.3g}" if y < 1000 else f"{y:.0f}",
                (b.get_x() + b.get_width() / 2, y),
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_yscale("log")
    ax.set_ylabel("median time, ms (log scale; lower is better)")
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, ncol=len(MODES), loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.grid(axis="y", which="both", alpha=0.25)
    ax.margins(y=0.25)
    ax.set_xlim(-0.6, len(workloads) - 0.4)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=WORKLOADS, help="run one workload")
    p.add_argument("--reps", type=int, default=5, help="timed runs after the warm-up (default 5)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every workload this many times, kiln and Python alternating which goes first; ratios are paired by round (default 1)",
    )
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the standard sizes (default 1)")
    p.add_argument("--plot", default="docs/benchmarks.png", help="PNG to write (default docs/benchmarks.png)")
    p.add_argument("--save", help="also write every raw JSON result to this file, one per line")
    p.add_argument(
        "--load",
        help="run nothing: make the table and chart from a file written by --save (--reps then only labels the title)",
    )
    a = p.parse_args(argv)
    workloads = [a.only] if a.only else WORKLOADS
    common = ["--scale", repr(a.scale), "--reps", str(a.reps)]

    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    raw = []
    if a.load:
        raw = [json.loads(line) for line in Path(a.load).read_text().splitlines() if line.strip()]
        raw = [r for r in raw if r["workload"] in workloads]
        a.rounds = len({r.get("round", 0) for r in raw}) or 1
        if not a.only:  # the workloads the file holds
            workloads = [w for w in WORKLOADS if any(r["workload"] == w for r in raw)]
        if raw:  # the scale the file was made at, for the title
            a.scale = raw[0]["n"] / SIZES[raw[0]["workload"]]
    else:
        # Build first, so that the build's output does not interleave with the runs.
        subprocess.run(["cargo", "build", "--release", "--example", "workloads"], cwd=ROOT, check=True)
    for rnd in [] if a.load else range(a.rounds):
        for w in workloads:
            runs = [
                (["cargo", "run", "-q", "--release", "--example", "workloads", "--", "--json", "--only", w, *common],
                 f"kiln {w}"),
                ([sys.executable, str(HERE / "workloads.py"), "--only", w, *common], f"workloads.py {w}"),
            ]
            if rnd % 2:  # alternate which side runs first
                runs.reverse()
            for cmd, what in runs:
                for r in run_json(cmd, what):
                    r["round"] = rnd
                    raw.append(r)

    rounds = by_round(raw)
    results = combined(rounds)
    md = table(rounds, workloads)
    cores = os.cpu_count()
    of = f"median of {a.reps}" + (f", {a.rounds} paired rounds" if a.rounds > 1 else "")
    title = f"kiln vs NumPy / numexpr / JAX — scale {a.scale:g}, {of}, {cpu_name()}, {cores} cores"
    print(f"\n{title}\n\n{md}")
    if a.save:
        Path(a.save).write_text("".join(json.dumps(r) + "\n" for r in raw))
    plot_path = Path(a.plot)
    if not plot_path.is_absolute():
        plot_path = ROOT / plot_path
    plot(results, workloads, plot_path, title)
    print(f"\nchart: {plot_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
