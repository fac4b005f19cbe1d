"""DataFrames in a fixed column order, numeric where the values are numbers."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

# Columns that hold names or statuses, never converted to numbers.
_TEXT = {"model", "label", "reason", "model_a", "model_b", "status", "job_id", "task", "metric", "dataset", "roi", "name", "id", "family", "kind", "error", "device", "signal"}


def frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows with exactly ``columns`` (also when empty); numeric columns numeric, None → NaN."""
    df = pd.DataFrame(list(rows), columns=columns)
    for col in df.columns:
        if df[col].dtype == object and col not in _TEXT:
            converted = pd.to_numeric(df[col], errors="coerce")
            if converted.notna().sum() == df[col].notna().sum():
                df[col] = converted
    return df
