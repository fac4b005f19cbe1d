"""Jobs that compute missing cells: their state, and waiting for them."""

from __future__ import annotations

import time
from typing import Iterable, Optional, Union

import pandas as pd

from .client import Client, CortexQLError, default_client
from .frames import frame

FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}
_JOB = "{ id status kind modelId step dataset progress { fraction cellsDone cellsTotal } error device }"
JOB_COLUMNS = ["job_id", "status", "kind", "model", "step", "dataset", "fraction", "cells_done", "cells_total", "error", "device"]


def _ids(jobs: Union[str, Iterable[str], pd.DataFrame]) -> list[str]:
    if isinstance(jobs, str):
        return [jobs]
    if isinstance(jobs, pd.DataFrame):
        jobs = jobs["job_id"].dropna().tolist()
    return list(dict.fromkeys(j for j in jobs if j))  # unique, in order


def job_status(jobs: Union[str, Iterable[str], pd.DataFrame], client: Optional[Client] = None) -> pd.DataFrame:
    """One row per job (ids, or a frame's ``job_id`` column): job_id, status, kind, model, step,
    dataset, fraction, cells_done, cells_total, error, device. An unknown id raises NOT_FOUND."""
    ids = _ids(jobs)
    if not ids:
        return frame([], JOB_COLUMNS)
    params = ", ".join(f"$j{i}: ID!" for i in range(len(ids)))
    fields = " ".join(f"j{i}: job(id: $j{i}) {_JOB}" for i in range(len(ids)))
    data = default_client(client).query(f"query Jobs({params}) {{ {fields} }}", {f"j{i}": j for i, j in enumerate(ids)})
    rows = []
    for i, job_id in enumerate(ids):
        j = data[f"j{i}"]
        if j is None:
            raise CortexQLError([{"message": f"job '{job_id}' does not exist", "extensions": {"code": "NOT_FOUND", "what": "job", "id": job_id}}])
        p = j["progress"]
        rows.append({"job_id": j["id"], "status": j["status"], "kind": j["kind"], "model": j["modelId"], "step": j["step"], "dataset": j["dataset"],
                     "fraction": p["fraction"], "cells_done": p["cellsDone"], "cells_total": p["cellsTotal"], "error": j["error"], "device": j["device"]})
    return frame(rows, JOB_COLUMNS)


def wait_for(
    jobs: Union[str, Iterable[str], pd.DataFrame],
    timeout: float = 600.0,
    poll_seconds: float = 1.0,
    client: Optional[Client] = None,
) -> pd.DataFrame:
    """Polls until every job has finished (SUCCEEDED, FAILED or CANCELLED) and returns job_status.
    ``jobs``: an id, ids, or a frame from brain_trajectory / internal_trajectory (its ``job_id``
    column; READY rows have none). Past ``timeout`` seconds raises TimeoutError naming the jobs
    still running; failed jobs are rows with status FAILED and their ``error``, not exceptions."""
    ids = _ids(jobs)
    deadline = time.monotonic() + timeout
    while True:
        status = job_status(ids, client)
        if status["status"].isin(FINISHED).all():
            return status
        if time.monotonic() >= deadline:
            waiting = status.loc[~status["status"].isin(FINISHED), "job_id"].tolist()
            raise TimeoutError(f"jobs still running after {timeout} s: {', '.join(waiting)}")
        time.sleep(poll_seconds)
