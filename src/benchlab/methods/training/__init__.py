"""The training toolkit shared by fine-tune, LoRA, SFT, DPO and KTO (text and vision models)."""

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
from benchlab.methods.training.vision import (
    VisionTraining,
    fitting_vision_rows,
    train_vision_model,
    vision_collator,
)
from benchlab.methods.training.vision_data import conversation_data, data_identity, llava_rows
from benchlab.methods.training.vision_rows import VisionRow, pair_rows

__all__ = [
    "TRAINING_QUANTIZATION",
    "TrainingPlan",
    "TrainingQuantization",
    "VisionRow",
    "VisionTraining",
    "artifact_digest",
    "carve_validation",
    "check_quantization_support",
    "conversation_data",
    "count_parameters",
    "data_identity",
    "experiment_key",
    "fitting_vision_rows",
    "footprint_mb",
    "history_of",
    "llava_rows",
    "pair_rows",
    "prepare_quantized",
    "progress_callback",
    "quantization_summary",
    "quantized_spec",
    "run_trainer",
    "run_trl_trainer",
    "shared_folder",
    "total_steps",
    "train_once",
    "train_vision_model",
    "trl_arguments",
    "use_cpu",
    "vision_collator",
]
