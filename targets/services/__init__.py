"""The writes of targets: the progress engine and its recompute machinery, and the baselines."""

from targets.services.baselines import BaselineError, baseline_checked, baselines_import, baselines_set
from targets.services.progress import (
    RecomputeBusy,
    progress_claim,
    progress_compute,
    progress_recompute,
    progress_recompute_request,
    progress_recompute_request_running,
    progress_refresh,
    progress_release,
    progress_run,
    region_campaigns,
    time_progress,
)

__all__ = [
    "BaselineError",
    "RecomputeBusy",
    "baseline_checked",
    "baselines_import",
    "baselines_set",
    "progress_claim",
    "progress_compute",
    "progress_recompute",
    "progress_recompute_request",
    "progress_recompute_request_running",
    "progress_refresh",
    "progress_release",
    "progress_run",
    "region_campaigns",
    "time_progress",
]
