"""A tiny LLaVA (CLIP vision tower + Llama) with a locally trained tokenizer, saved like a hub VLM.

It loads through `AutoModelForImageTextToText` / `AutoProcessor` and answers with the real chat
template and image-token expansion, so the VLM code paths run offline in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from benchlab.quickstart.shapes import IMAGE_SIZE

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

__all__ = ["IMAGE_TOKEN", "TINY_VLM_CHAT_TEMPLATE", "TINY_VLM_PATCH_SIZE", "build_tiny_vlm"]

IMAGE_TOKEN = "<image>"
# 8-pixel patches: 64 image tokens per 64-pixel image, fine enough for a LoRA-tuned tiny model
# to name colours and sizes (16-pixel patches left it guessing colours too).
TINY_VLM_PATCH_SIZE = 8
_HEAD_STD = 0.2

# USER: <image>\nquestion / ASSISTANT: answer</s>, one message per line; images where the
# message puts them. The generation prompt ends at "ASSISTANT:" so the answer starts with a space,
# as it does in training text rendered by the same template.
TINY_VLM_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ message['role'] | upper }}: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}{{ '<image>\n' }}"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{% if message['role'] == 'assistant' %}{{ '</s>' }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)


def _tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on the quick tasks' and shapes' text; `<image>` is special."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from benchlab.quickstart.shapes_data import vlm_corpus
    from benchlab.quickstart.synthetic import corpus

    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=["<s>", "</s>", "<pad>", IMAGE_TOKEN],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([*corpus(), *vlm_corpus()], trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": IMAGE_TOKEN},
        padding_side="left",  # batched generation appends after the prompt
    )
    fast.chat_template = TINY_VLM_CHAT_TEMPLATE
    return fast


def build_tiny_vlm(directory: Path, *, seed: int = 0) -> Path:
    """A 2-layer CLIP vision tower + 2-layer Llama as LLaVA, with processor, via save_pretrained."""
    import torch
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    tokenizer = _tokenizer()
    image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    patches = (IMAGE_SIZE // TINY_VLM_PATCH_SIZE) ** 2
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=IMAGE_SIZE,
        patch_size=TINY_VLM_PATCH_SIZE,
        projection_dim=32,
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    # "default" drops CLIP's class token from the image features, so the processor must add one
    # token (num_additional_image_tokens=1) and then drop it again: both sides see `patches`.
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=image_token_id,
        image_seq_length=patches,
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    image_processor = CLIPImageProcessorPil(  # the Pillow backend: no torchvision needed
        size={"shortest_edge": IMAGE_SIZE},
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=TINY_VLM_PATCH_SIZE,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=TINY_VLM_CHAT_TEMPLATE,
        image_token=IMAGE_TOKEN,
    )
    with torch.random.fork_rng():  # building on first use must not shift a run's random state
        torch.manual_seed(seed)
        model = LlavaForConditionalGeneration(config)
        # At the default std (0.02) the untrained output head gives near-uniform logits that an
        # adapter cannot sharpen (LoRA never trains the head: TRL refuses it there), so a
        # LoRA-tuned tiny model could not become confident; a wider head lets it.
        torch.nn.init.normal_(model.lm_head.weight, std=_HEAD_STD)
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory
