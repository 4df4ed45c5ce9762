"""Vision-language tasks: captioning (COCO, TextCaps, any folder) and MMBench, torch-free."""

from benchlab.tasks.vision.captions import DEFAULT_CAPTION_PROMPT, CaptionOptions, CaptionTask
from benchlab.tasks.vision.mmbench_task import MMBenchOptions, MMBenchTask

__all__ = [
    "DEFAULT_CAPTION_PROMPT",
    "CaptionOptions",
    "CaptionTask",
    "MMBenchOptions",
    "MMBenchTask",
]
