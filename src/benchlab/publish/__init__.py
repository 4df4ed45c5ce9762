"""Publish one experiment's model to the Hugging Face Hub with a model card of its measured results.

`assemble` writes the upload folder (weights, tokenizer, README.md card, `.eval_results/`),
`validate_folder` checks it offline, `push_folder` creates the repo and uploads it.
"""

from __future__ import annotations

from benchlab.publish.errors import PublishError
from benchlab.publish.folder import AssembledFolder, assemble
from benchlab.publish.hub import push_folder
from benchlab.publish.validate import validate_folder

__all__ = ["AssembledFolder", "PublishError", "assemble", "push_folder", "validate_folder"]
