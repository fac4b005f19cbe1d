"""compareModels: several models on a common training axis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pandas as pd

from .client import Client, default_client
from .frames import frame


@dataclass
class Comparison:
    """compareModels as three DataFrames."""

    points: pd.DataFrame  # model, x, step, value, stderr (x on the common axis)
    summary: pd.DataFrame  # model, n_points, best_x, best_step, best_value, final_x, final_step, final_value
    correlations: pd.DataFrame  # model_a, model_b, r, n, reason


_COMPARE = """
query Compare($models: [ID!]!, $task: String, $metric: String!, $signal: SignalInput, $alignBy: AlignBy!, $grid: GridInput) {
  compareModels(models: $models, task: $task, metric: $metric, signal: $signal, alignBy: $alignBy, grid: $grid) {
    series { modelId points { x step value stderr } best { x step value } final { x step value } }
    correlations { modelA modelB r n reason }
  }
}"""


def compare(
    models: Sequence[str],
    task: Optional[str] = None,
    metric: str = "acc",
    align_by: str = "TOKENS",
    signal: Optional[Mapping[str, Any]] = None,
    grid_points: Optional[int] = None,
    grid_scale: str = "LOG",
    client: Optional[Client] = None,
) -> Comparison:
    """compareModels on a common axis (STEP, TOKENS or FRACTION), optionally on a shared grid.
    Give ``task`` (+ ``metric``) or a brain / internal ``signal``."""
    variables = {
        "models": list(models),
        "task": task,
        "metric": metric,
        "signal": dict(signal) if signal else None,
        "alignBy": align_by.upper(),
        "grid": {"points": grid_points, "scale": grid_scale} if grid_points else None,
    }
    c = default_client(client).query(_COMPARE, variables)["compareModels"]
    points = frame([{"model": s["modelId"], **p} for s in c["series"] for p in s["points"]], ["model", "x", "step", "value", "stderr"])
    summary = frame(
        [
            {"model": s["modelId"], "n_points": len(s["points"]),
             **{f"{which}_{k}": (s[which] or {}).get(k) for which in ("best", "final") for k in ("x", "step", "value")}}
            for s in c["series"]
        ],
        ["model", "n_points", "best_x", "best_step", "best_value", "final_x", "final_step", "final_value"],
    )
    correlations = frame(
        [{"model_a": r["modelA"], "model_b": r["modelB"], "r": r["r"], "n": r["n"], "reason": r["reason"]} for r in c["correlations"]],
        ["model_a", "model_b", "r", "n", "reason"],
    )
    return Comparison(points, summary, correlations)
