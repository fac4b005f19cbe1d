"""A small notebook client for a cortexql server: GraphQL queries into pandas DataFrames.

Needs only ``requests`` and ``pandas``::

    import cortexql_client as cq

    cq.trajectories(["pythia-160m", "pythia-410m"], "piqa")            # one row per model × checkpoint
    cq.compare(["pythia-160m", "pythia-410m"], "mmlu", align_by="TOKENS").correlations
    cq.phases("pythia-410m", ["lambada_openai", "mmlu"]).segments
    cq.brain_trajectory("my-model", "my-dataset", roi="all")

The server is ``CORTEXQL_URL`` (default http://127.0.0.1:4000/graphql); an API key, when the
server needs one, is ``CORTEXQL_API_KEY`` (sent as ``Authorization: Bearer <key>``). Every
function also takes ``client=Client(url, api_key)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence, Union

import pandas as pd
import requests

DEFAULT_URL = "http://127.0.0.1:4000/graphql"

Signal = Union[str, Mapping[str, Any]]


class CortexQLError(RuntimeError):
    """A GraphQL error response; ``codes`` are the errors' ``extensions.code`` (e.g. NOT_FOUND)."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        self.codes = [(e.get("extensions") or {}).get("code") for e in errors]
        super().__init__("; ".join(f"[{c}] {e.get('message')}" for c, e in zip(self.codes, errors)))


class Client:
    """POSTs GraphQL as JSON (the content type Apollo's CSRF prevention requires)."""

    def __init__(self, url: str | None = None, api_key: str | None = None, timeout: float = 120.0):
        self.url = url or os.environ.get("CORTEXQL_URL", DEFAULT_URL)
        self.api_key = api_key or os.environ.get("CORTEXQL_API_KEY")
        self.timeout = timeout
        self.session = requests.Session()

    def query(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        res = self.session.post(self.url, json={"query": query, "variables": dict(variables or {})}, headers=headers, timeout=self.timeout)
        try:
            body = res.json()
        except ValueError:
            res.raise_for_status()
            raise
        if body.get("errors"):
            raise CortexQLError(body["errors"])
        res.raise_for_status()
        return body["data"]


def _client(client: Client | None) -> Client:
    return client or Client()


def task_signal(task: str, metric: str = "acc") -> dict[str, Any]:
    """A task or task group (e.g. "mmlu") and metric."""
    return {"kind": "TASK", "task": task, "metric": metric}


def brain_signal(dataset: str, roi: str = "all", layer: int | None = None) -> dict[str, Any]:
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


_TRAJECTORY = "{ step tokens fraction value stderr nTasks }"


def trajectories(models: Sequence[str] | str, task: str, metric: str = "acc", client: Client | None = None) -> pd.DataFrame:
    """Model.taskTrajectory of each model: columns model, step, tokens, fraction, value, stderr, n_tasks.

    One request; an unknown model raises CortexQLError with code NOT_FOUND.
    """
    models = [models] if isinstance(models, str) else list(models)
    fields = " ".join(
        f"m{i}: model(id: $m{i}) {{ id taskTrajectory(task: $task, metric: $metric) {_TRAJECTORY} }}" for i in range(len(models))
    )
    params = "".join(f", $m{i}: ID!" for i in range(len(models)))
    data = _client(client).query(
        f"query Trajectories($task: String!, $metric: String!{params}) {{ {fields} }}",
        {"task": task, "metric": metric, **{f"m{i}": m for i, m in enumerate(models)}},
    )
    rows = [{"model": data[f"m{i}"]["id"], **p} for i in range(len(models)) for p in data[f"m{i}"]["taskTrajectory"]]
    return _frame(rows, ["model", "step", "tokens", "fraction", "value", "stderr", "nTasks"]).rename(columns={"nTasks": "n_tasks"})


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
    task: str | None = None,
    metric: str = "acc",
    align_by: str = "TOKENS",
    signal: Mapping[str, Any] | None = None,
    grid_points: int | None = None,
    grid_scale: str = "LOG",
    client: Client | None = None,
) -> Comparison:
    """compareModels on a common axis (STEP, TOKENS or FRACTION), optionally on a shared grid.

    Give ``task`` (+ ``metric``) or a brain / internal ``signal``.
    """
    variables = {
        "models": list(models),
        "task": task,
        "metric": metric,
        "signal": dict(signal) if signal else None,
        "alignBy": align_by.upper(),
        "grid": {"points": grid_points, "scale": grid_scale} if grid_points else None,
    }
    c = _client(client).query(_COMPARE, variables)["compareModels"]
    points = _frame([{"model": s["modelId"], **p} for s in c["series"] for p in s["points"]], ["model", "x", "step", "value", "stderr"])
    summary = _frame(
        [
            {
                "model": s["modelId"],
                "n_points": len(s["points"]),
                **{f"{which}_{k}": (s[which] or {}).get(k) for which in ("best", "final") for k in ("x", "step", "value")},
            }
            for s in c["series"]
        ],
        ["model", "n_points", "best_x", "best_step", "best_value", "final_x", "final_step", "final_value"],
    )
    correlations = _frame(
        [{"model_a": r["modelA"], "model_b": r["modelB"], "r": r["r"], "n": r["n"], "reason": r["reason"]} for r in c["correlations"]],
        ["model_a", "model_b", "r", "n", "reason"],
    )
    return Comparison(points, summary, correlations)


@dataclass
class Phases:
    """detectPhases: k, BIC per k, segments and breakpoints as DataFrames."""

    k: int
    signals: list[str]
    bic: pd.DataFrame  # k, bic
    segments: pd.DataFrame  # index, label, start_step, end_step, start_x, end_x, n_points
    breakpoints: pd.DataFrame  # step, tokens, x, ci_low_step, ci_high_step
    excluded: pd.DataFrame  # step, reason


_PHASES = """
query Phases($model: ID!, $signals: [SignalInput!]!, $options: PhaseOptionsInput) {
  detectPhases(model: $model, signals: $signals, options: $options) {
    k signals bicByK { k bic }
    segments { index label startStep endStep startX endX nPoints }
    breakpoints { step tokens x ci { lowStep highStep } }
    excluded { step reason }
  }
}"""


def phases(model: str, signals: Iterable[Signal] | Signal, client: Client | None = None, **options: Any) -> Phases:
    """Training phases of a model (shared breakpoints of the signals, k by BIC unless ``k=`` is given).

    ``signals``: task names (``"mmlu"``) or dicts from task_signal / brain_signal / internal_signal.
    ``options``: PhaseOptionsInput fields, e.g. ``bootstrap=200, seed=0, k=2, axis="LOG_TOKENS"``.
    """
    if isinstance(signals, (str, Mapping)):
        signals = [signals]
    p = _client(client).query(_PHASES, {"model": model, "signals": [_signal(s) for s in signals], "options": options or None})["detectPhases"]
    segments = _frame(
        [
            {"index": s["index"], "label": s["label"], "start_step": s["startStep"], "end_step": s["endStep"],
             "start_x": s["startX"], "end_x": s["endX"], "n_points": s["nPoints"]}
            for s in p["segments"]
        ],
        ["index", "label", "start_step", "end_step", "start_x", "end_x", "n_points"],
    )
    breakpoints = _frame(
        [
            {"step": b["step"], "tokens": b["tokens"], "x": b["x"],
             "ci_low_step": (b["ci"] or {}).get("lowStep"), "ci_high_step": (b["ci"] or {}).get("highStep")}
            for b in p["breakpoints"]
        ],
        ["step", "tokens", "x", "ci_low_step", "ci_high_step"],
    )
    return Phases(p["k"], p["signals"], _frame(p["bicByK"], ["k", "bic"]), segments, breakpoints, _frame(p["excluded"], ["step", "reason"]))


def brain_trajectory(
    model: str, dataset: str, roi: str = "all", layer: int | None = None, client: Client | None = None
) -> pd.DataFrame:
    """Model.brainTrajectory: columns model, step, tokens, fraction, layer, value (the best layer per
    checkpoint when ``layer`` is None; value is NaN where undefined)."""
    data = _client(client).query(
        """query Brain($model: ID!, $dataset: ID!, $roi: String!, $layer: Int) {
          model(id: $model) { brainTrajectory(dataset: $dataset, roi: $roi, layer: $layer) { step tokens fraction layer value } } }""",
        {"model": model, "dataset": dataset, "roi": roi, "layer": layer},
    )
    rows = [{"model": model, **p} for p in data["model"]["brainTrajectory"]]
    return _frame(rows, ["model", "step", "tokens", "fraction", "layer", "value"])


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows in a fixed column order (also when empty); numeric columns are numeric, None → NaN."""
    df = pd.DataFrame(rows, columns=columns)
    for col in df.columns:
        if df[col].dtype == object and col not in ("model", "label", "reason", "model_a", "model_b"):
            converted = pd.to_numeric(df[col], errors="coerce")
            if converted.notna().sum() == df[col].notna().sum():
                df[col] = converted
    return df
