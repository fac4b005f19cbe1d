"""Training phases: shared breakpoints of z-scored signals, for one model or several at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pandas as pd

from .client import Client, default_client
from .frames import frame

Signal = Union[str, Mapping[str, Any]]


def task_signal(task: str, metric: str = "acc") -> dict[str, Any]:
    """A task or task group (e.g. "mmlu") and metric."""
    return {"kind": "TASK", "task": task, "metric": metric}


def brain_signal(dataset: str, roi: str = "all", layer: Optional[int] = None) -> dict[str, Any]:
    """A brain score; ``layer=None`` takes the best layer at each checkpoint."""
    s: dict[str, Any] = {"kind": "BRAIN", "dataset": dataset, "roi": roi}
    if layer is not None:
        s["layer"] = layer
    return s


def internal_signal(metric: str, layer: int, dataset: str) -> dict[str, Any]:
    """An internal-state metric (twoNN, effectiveRank, participationRatio, anisotropy, meanNorm, linearCKA)."""
    return {"kind": "INTERNAL", "metric": metric, "layer": layer, "dataset": dataset}


def _signal(s: Signal) -> dict[str, Any]:
    return task_signal(s) if isinstance(s, str) else dict(s)


@dataclass
class Phases:
    """detectPhases of one or more models; every frame has a ``model`` column."""

    k: dict[str, int]  # model → number of breakpoints chosen
    signals: list[str]
    bic: pd.DataFrame  # model, k, bic
    segments: pd.DataFrame  # model, index, label, start_step, end_step, start_x, end_x, n_points
    breakpoints: pd.DataFrame  # model, step, tokens, x, ci_low_step, ci_high_step
    excluded: pd.DataFrame  # model, step, reason


_FIELDS = """k signals bicByK { k bic }
    segments { index label startStep endStep startX endX nPoints }
    breakpoints { step tokens x ci { lowStep highStep } }
    excluded { step reason }"""


def phases(models: Union[str, Sequence[str]], signals: Union[Iterable[Signal], Signal], client: Optional[Client] = None, **options: Any) -> Phases:
    """Training phases of one model or several (one request): shared breakpoints of the signals,
    k by BIC unless ``k=`` is given. ``signals``: task names (``"mmlu"``) or dicts from
    task_signal / brain_signal / internal_signal. ``options``: PhaseOptionsInput fields, e.g.
    ``bootstrap=200, seed=0, k=2, axis="LOG_TOKENS"``."""
    models = [models] if isinstance(models, str) else list(models)
    if isinstance(signals, (str, Mapping)):
        signals = [signals]
    params = "".join(f", $m{i}: ID!" for i in range(len(models)))
    fields = " ".join(f"m{i}: detectPhases(model: $m{i}, signals: $signals, options: $options) {{ {_FIELDS} }}" for i in range(len(models)))
    data = default_client(client).query(
        f"query Phases($signals: [SignalInput!]!, $options: PhaseOptionsInput{params}) {{ {fields} }}",
        {"signals": [_signal(s) for s in signals], "options": options or None, **{f"m{i}": m for i, m in enumerate(models)}},
    )
    results = [(m, data[f"m{i}"]) for i, m in enumerate(models)]
    segments = frame(
        [{"model": m, "index": s["index"], "label": s["label"], "start_step": s["startStep"], "end_step": s["endStep"],
          "start_x": s["startX"], "end_x": s["endX"], "n_points": s["nPoints"]} for m, p in results for s in p["segments"]],
        ["model", "index", "label", "start_step", "end_step", "start_x", "end_x", "n_points"],
    )
    breakpoints = frame(
        [{"model": m, "step": b["step"], "tokens": b["tokens"], "x": b["x"],
          "ci_low_step": (b["ci"] or {}).get("lowStep"), "ci_high_step": (b["ci"] or {}).get("highStep")} for m, p in results for b in p["breakpoints"]],
        ["model", "step", "tokens", "x", "ci_low_step", "ci_high_step"],
    )
    return Phases(
        {m: p["k"] for m, p in results},
        results[0][1]["signals"] if results else [],
        frame([{"model": m, **b} for m, p in results for b in p["bicByK"]], ["model", "k", "bic"]),
        segments,
        breakpoints,
        frame([{"model": m, **e} for m, p in results for e in p["excluded"]], ["model", "step", "reason"]),
    )
