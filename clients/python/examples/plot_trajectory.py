#!/usr/bin/env python3
"""Plots models' trajectories of one task on a log-token axis with ±stderr bands and the first
model's detected phases, from a running cortexql server.

    python3 clients/python/examples/plot_trajectory.py --models pythia-160m,pythia-410m --task piqa --out piqa.png

Needs the cortexql package (pip install ./clients/python); the plot also needs matplotlib (without it the tables are printed and
the plot is skipped). The lines after the table are stable, for scripts and tests to read.
"""

from __future__ import annotations

import argparse
import os
import sys

import cortexql as cq


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("CORTEXQL_URL", cq.DEFAULT_URL), help="GraphQL endpoint")
    ap.add_argument("--models", default="pythia-160m,pythia-410m", help="comma-separated model ids")
    ap.add_argument("--task", default="piqa", help="task or task group, e.g. piqa, mmlu")
    ap.add_argument("--metric", default="acc")
    ap.add_argument("--out", default="trajectory.png", help="PNG to write")
    args = ap.parse_args()

    client = cq.Client(args.url)
    models = [m for m in args.models.split(",") if m]
    df = cq.trajectories(models, args.task, args.metric, client=client)
    cmp = cq.compare(models, args.task, args.metric, align_by="TOKENS", client=client)
    ph = cq.phases(models[0], [cq.task_signal(args.task, args.metric)], client=client, bootstrap=200, seed=0)

    print(df.pivot(index="step", columns="model", values="value").to_string())
    print()
    for model, rows in df.groupby("model", sort=False):
        last = rows.sort_values("step").iloc[-1]
        print(f"rows {model}: {len(rows)}")
        # repr() of a float round-trips exactly: the value is the warehouse's, digit for digit.
        print(f"final {model} step={int(last.step)} value={float(last.value)!r} stderr={float(last.stderr)!r}")
    for r in cmp.correlations.itertuples():
        print(f"correlation {r.model_a} {r.model_b} r={r.r!r} n={r.n}")
    labels = " ".join(f"{s.label}({s.start_step}-{s.end_step})" for s in ph.segments.itertuples())
    print(f"phases {models[0]}: k={ph.k[models[0]]} {labels}")
    datasets = cq.datasets(client=client).dataset.tolist()
    if datasets:
        brain = cq.brain_trajectory(models[0], datasets[0], client=client)
        print(f"brain {models[0]} {datasets[0]}: {(brain.status == 'READY').sum()} checkpoints with a score")
    else:
        print("brain: no fMRI datasets in this warehouse")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: skipped (matplotlib is not installed)")
        return 0

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    shown = df[df.tokens > 0]  # step 0 has 0 tokens: no place on a log axis
    for model, rows in shown.groupby("model", sort=False):
        line, = ax.plot(rows.tokens, rows.value, marker="o", markersize=3, label=model)
        ax.fill_between(rows.tokens, rows.value - rows.stderr, rows.value + rows.stderr, color=line.get_color(), alpha=0.2, linewidth=0)
    first = shown[shown.model == models[0]].set_index("step").tokens
    for i, s in enumerate(ph.segments.itertuples()):
        # A breakpoint is the last checkpoint of the segment on its left: bands meet there.
        lo = first.get(ph.segments.end_step.iloc[i - 1] if i else s.start_step)
        hi = first.get(s.end_step)
        if lo is None or hi is None:
            continue
        ax.axvspan(lo, hi, color=f"C{7 + i % 3}", alpha=0.08 + 0.05 * (i % 2), linewidth=0)
        ax.text(lo, 1.0, f" {s.label}", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("training tokens")
    ax.set_ylabel(f"{args.task} / {args.metric}")
    ax.set_title(f"{args.task} over training (±1 stderr; phases of {models[0]})", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
