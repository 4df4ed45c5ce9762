"""The training toolkit shared by fine-tune, LoRA, SFT, DPO and KTO."""

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
from benchlab.methods.training.quantization import (
    TRAINING_QUANTIZATION,
    TrainingQuantization,
    check_quantization_support,
    count_parameters,
    footprint_mb,
    prepare_quantized,
    quantization_summary,
    quantized_spec,
)
from benchlab.methods.training.trl_trainer import run_trl_trainer, trl_arguments

__all__ = [
    "TRAINING_QUANTIZATION",
    "TrainingPlan",
    "TrainingQuantization",
    "artifact_digest",
    "carve_validation",
    "check_quantization_support",
    "count_parameters",
    "experiment_key",
    "footprint_mb",
    "history_of",
    "prepare_quantized",
    "progress_callback",
    "quantization_summary",
    "quantized_spec",
    "run_trainer",
    "run_trl_trainer",
    "shared_folder",
    "total_steps",
    "train_once",
    "trl_arguments",
    "use_cpu",
]
