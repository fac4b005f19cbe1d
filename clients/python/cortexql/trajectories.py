"""Trajectories over training: task scores, brain scores and internal metrics per checkpoint."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import pandas as pd

from .client import Client, default_client
from .frames import frame

_TASK_POINT = "{ step tokens fraction value stderr nTasks }"
_CELL_POINT = "{ step tokens fraction layer value status jobId reason }"
CELL_COLUMNS = ["model", "step", "tokens", "fraction", "layer", "value", "status", "job_id", "reason"]


def trajectories(models: Union[Sequence[str], str], task: str, metric: str = "acc", client: Optional[Client] = None) -> pd.DataFrame:
    """Model.taskTrajectory of each model in one request: columns model, step, tokens, fraction,
    value, stderr, n_tasks. An unknown model raises CortexQLError (code NOT_FOUND)."""
    models = [models] if isinstance(models, str) else list(models)
    fields = " ".join(f"m{i}: model(id: $m{i}) {{ id taskTrajectory(task: $task, metric: $metric) {_TASK_POINT} }}" for i in range(len(models)))
    params = "".join(f", $m{i}: ID!" for i in range(len(models)))
    data = default_client(client).query(
        f"query Trajectories($task: String!, $metric: String!{params}) {{ {fields} }}",
        {"task": task, "metric": metric, **{f"m{i}": m for i, m in enumerate(models)}},
    )
    rows = [{"model": data[f"m{i}"]["id"], **p} for i in range(len(models)) for p in data[f"m{i}"]["taskTrajectory"]]
    return frame(rows, ["model", "step", "tokens", "fraction", "value", "stderr", "nTasks"]).rename(columns={"nTasks": "n_tasks"})


def _cells(model: str, points: list[dict]) -> pd.DataFrame:
    rows = [{"model": model, **{k: v for k, v in p.items() if k != "jobId"}, "job_id": p.get("jobId")} for p in points]
    return frame(rows, CELL_COLUMNS)


def brain_trajectory(
    model: str,
    dataset: str,
    roi: str = "all",
    layer: Optional[int] = None,
    statistic: str = "MEAN_R",
    subject: Optional[str] = None,
    policy: str = "IF_MISSING",
    wait_seconds: int = 30,
    client: Optional[Client] = None,
) -> pd.DataFrame:
    """Model.brainTrajectory, one row per computable checkpoint: columns model, step, tokens,
    fraction, layer, value, status, job_id, reason. ``status`` is READY (``value`` holds the score;
    the best layer when ``layer`` is None), PENDING (being computed: ``job_id``; see wait_for),
    MISSING, FAILED or NEVER (``reason`` says why) — a cell never computed is never a silent NaN.
    ``policy``: NEVER (stored cells only), IF_MISSING (start computing missing ones) or WAIT."""
    data = default_client(client).query(
        f"""query Brain($model: ID!, $dataset: ID!, $roi: String!, $layer: Int, $statistic: BrainStatistic!, $subject: String, $policy: CellPolicy!, $wait: Int!) {{
          model(id: $model) {{ brainTrajectory(dataset: $dataset, roi: $roi, layer: $layer, statistic: $statistic, subject: $subject, policy: $policy, waitSeconds: $wait) {_CELL_POINT} }} }}""",
        {"model": model, "dataset": dataset, "roi": roi, "layer": layer, "statistic": statistic.upper(), "subject": subject, "policy": policy.upper(), "wait": wait_seconds},
    )
    return _cells(model, data["model"]["brainTrajectory"])


def internal_trajectory(
    model: str, metric: str, layer: int, dataset: str, policy: str = "IF_MISSING", wait_seconds: int = 30, client: Optional[Client] = None
) -> pd.DataFrame:
    """Model.internalTrajectory (twoNN, effectiveRank, participationRatio, anisotropy, meanNorm,
    linearCKA at one layer): the same columns and statuses as brain_trajectory."""
    data = default_client(client).query(
        f"""query Internal($model: ID!, $metric: String!, $layer: Int!, $dataset: ID!, $policy: CellPolicy!, $wait: Int!) {{
          model(id: $model) {{ internalTrajectory(metric: $metric, layer: $layer, dataset: $dataset, policy: $policy, waitSeconds: $wait) {_CELL_POINT} }} }}""",
        {"model": model, "metric": metric, "layer": layer, "dataset": dataset, "policy": policy.upper(), "wait": wait_seconds},
    )
    return _cells(model, data["model"]["internalTrajectory"])
