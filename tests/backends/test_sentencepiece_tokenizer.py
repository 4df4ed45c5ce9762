"""A model folder that ships its tokenizer only as a SentencePiece model (DeBERTa-v3) loads."""

from __future__ import annotations

import json
from pathlib import Path

from benchlab.backends.loading import load_tokenizer
from benchlab.config.schema import ModelSpec


def test_deberta_v3_style_folder_loads_its_tokenizer(tmp_path: Path) -> None:
    import sentencepiece

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"a great film number {i} and a bad day" for i in range(200)))
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(tmp_path / "spm"),
        vocab_size=40,
        pad_id=0,
        unk_id=1,
        bos_id=2,
        eos_id=3,
        pad_piece="[PAD]",
        unk_piece="[UNK]",
        bos_piece="[CLS]",
        eos_piece="[SEP]",
        minloglevel=2,
    )
    folder = tmp_path / "deberta"
    folder.mkdir()
    (folder / "spm.model").write_bytes((tmp_path / "spm.model").read_bytes())
    (folder / "config.json").write_text(json.dumps({"model_type": "deberta-v2"}))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False})
    )
    spec = ModelSpec(name="deberta", path=str(folder), kind="encoder")
    tokenizer = load_tokenizer(spec)
    pieces = tokenizer.convert_ids_to_tokens(tokenizer("a great film")["input_ids"])
    # the same pieces the SentencePiece model itself produces, inside [CLS] ... [SEP]
    processor = sentencepiece.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    assert pieces == ["[CLS]", *processor.encode("a great film", out_type=str), "[SEP]"]
