"""What the server holds: models, tasks, datasets and their ROIs, as DataFrames."""

from __future__ import annotations

from typing import Optional

import pandas as pd

from .client import Client, default_client
from .frames import frame


def models(client: Optional[Client] = None, page_size: int = 500) -> pd.DataFrame:
    """Every model: columns model, family, params, n_layers, tokens_per_step, final_step, n_checkpoints."""
    rows, after = [], None
    while True:
        data = default_client(client).query(
            """query Models($first: Int!, $after: String) { models(first: $first, after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes { id family params nLayers tokensPerStep finalStep checkpoints(first: 1) { totalCount } } } }""",
            {"first": page_size, "after": after},
        )["models"]
        rows += [
            {"model": m["id"], "family": m["family"], "params": m["params"], "n_layers": m["nLayers"], "tokens_per_step": m["tokensPerStep"],
             "final_step": m["finalStep"], "n_checkpoints": m["checkpoints"]["totalCount"]}
            for m in data["nodes"]
        ]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    return frame(rows, ["model", "family", "params", "n_layers", "tokens_per_step", "final_step", "n_checkpoints"])


def tasks(model: Optional[str] = None, client: Optional[Client] = None) -> pd.DataFrame:
    """Stored tasks (of one model when given): columns task, metrics (a list), n_models, n_checkpoints."""
    data = default_client(client).query(
        "query Tasks($model: ID) { tasks(model: $model) { task metrics nModels nCheckpoints } }", {"model": model}
    )["tasks"] or []
    return frame(
        [{"task": t["task"], "metrics": t["metrics"], "n_models": t["nModels"], "n_checkpoints": t["nCheckpoints"]} for t in data],
        ["task", "metrics", "n_models", "n_checkpoints"],
    )


def datasets(client: Optional[Client] = None) -> pd.DataFrame:
    """fMRI datasets: columns dataset, subjects (a list), n_runs, tr_seconds, rois (a list of names)."""
    data = default_client(client).query("query Datasets { datasets { id subjects trSeconds runs { __typename } rois { name } } }")["datasets"]
    return frame(
        [{"dataset": d["id"], "subjects": d["subjects"], "n_runs": len(d["runs"]), "tr_seconds": d["trSeconds"], "rois": [r["name"] for r in d["rois"]]} for d in data],
        ["dataset", "subjects", "n_runs", "tr_seconds", "rois"],
    )


def rois(dataset: str, client: Optional[Client] = None) -> pd.DataFrame:
    """The ROIs a brain query accepts for ``dataset`` ("all" first): columns dataset, roi, n_voxels."""
    data = default_client(client).query("query Rois($id: ID!) { dataset(id: $id) { rois { name nVoxels } } }", {"id": dataset})["dataset"]
    return frame([{"dataset": dataset, "roi": r["name"], "n_voxels": r["nVoxels"]} for r in data["rois"]], ["dataset", "roi", "n_voxels"])
