"""The training toolkit shared by fine-tune, LoRA and SFT (and DPO next)."""

from benchlab.methods.training.artifacts import (
    artifact_digest,
    experiment_key,
    shared_folder,
    train_once,
)
from benchlab.methods.training.data import carve_validation
from benchlab.methods.training.hf_trainer import run_trainer
from benchlab.methods.training.loop import (
    TrainingPlan,
    history_of,
    progress_callback,
    total_steps,
    use_cpu,
)

__all__ = [
    "TrainingPlan",
    "artifact_digest",
    "carve_validation",
    "experiment_key",
    "history_of",
    "progress_callback",
    "run_trainer",
    "shared_folder",
    "total_steps",
    "train_once",
    "use_cpu",
]
