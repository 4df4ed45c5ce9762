"""Training data as a whole: reading training files and describing their composition."""

from benchlab.data.composition import (
    Composition,
    GroupComposition,
    composition,
    row_text,
    token_counter,
    write_composition_csv,
    write_composition_plot,
)
from benchlab.data.llava import LlavaRow, llava_chat_row, read_llava
from benchlab.data.reading import read_rows

__all__ = [
    "Composition",
    "GroupComposition",
    "LlavaRow",
    "composition",
    "llava_chat_row",
    "read_llava",
    "read_rows",
    "row_text",
    "token_counter",
    "write_composition_csv",
    "write_composition_plot",
]
