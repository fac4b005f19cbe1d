"""cortexql: a notebook client for a cortexql server — GraphQL queries into pandas DataFrames.

    import cortexql as cq

    cq.models()                                                     # what the server holds
    cq.trajectories(["pythia-160m", "pythia-410m"], "piqa")         # one row per model × checkpoint
    cq.brain_trajectory("sim-tinygpt", "sim-narratives", roi="STS") # with status and job_id per cell
    cq.phases(["pythia-160m", "pythia-410m"], ["lambada_openai", "mmlu"]).segments
    cq.wait_for(df)                                                 # the jobs of a frame's PENDING cells

The server is ``$CORTEXQL_URL`` (default http://127.0.0.1:4000/graphql); an API key, when the
server needs one, ``$CORTEXQL_API_KEY``. Every function also takes ``client=Client(url, api_key)``.
Errors raise CortexQLError, whose ``code`` is the server's ``extensions.code``.
"""

from .client import DEFAULT_URL, Client, CortexQLError
from .compare import Comparison, compare
from .discovery import datasets, models, rois, tasks
from .jobs import job_status, wait_for
from .phases import Phases, brain_signal, internal_signal, phases, task_signal
from .trajectories import brain_trajectory, internal_trajectory, trajectories

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL", "Client", "CortexQLError", "Comparison", "Phases",
    "models", "tasks", "datasets", "rois",
    "trajectories", "brain_trajectory", "internal_trajectory", "compare", "phases",
    "task_signal", "brain_signal", "internal_signal",
    "job_status", "wait_for",
]
