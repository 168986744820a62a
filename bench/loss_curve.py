#!/usr/bin/env python3
"""Plots a pretraining run's metrics.jsonl (loss, and speed in audio hours per hour) as a PNG.

Usage: bench/loss_curve.py RUN/metrics.jsonl OUT.png [TITLE]   (needs matplotlib)
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    metrics, out = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else metrics
    rows = [json.loads(line) for line in open(metrics) if line.strip()]
    steps = [r["step"] for r in rows]
    fig, loss_ax = plt.subplots(figsize=(7, 4), dpi=110)
    loss_ax.plot(steps, [r["loss"] for r in rows], color="tab:blue")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss, mean of 10 steps", color="tab:blue")
    loss_ax.set_yscale("log")
    if all("audio_hours_per_hour" in r for r in rows):
        speed_ax = loss_ax.twinx()
        speed_ax.plot(steps, [r["audio_hours_per_hour"] for r in rows], color="tab:orange", alpha=0.6)
        speed_ax.set_ylabel("audio hours per hour", color="tab:orange")
        speed_ax.set_ylim(bottom=0)
    loss_ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()
