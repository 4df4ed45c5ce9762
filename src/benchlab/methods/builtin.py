"""Imports every built-in method module so that each registers its mode type."""

from benchlab.methods import finetune, lora, prompting  # noqa: F401
