"""Real checkpoints built here, with random seeded weights and tokenizers trained on the demo's
French and English text: a Marian (sentencepiece vocabularies, MarianTokenizer) at the size
asked, an NLLB-style M2M100 (NllbTokenizer with its language codes) and a decoder-only chat
model (Llama, word-level tokenizer, a chat template). The tests and bench/generate.py translate
with them through the same code as OPUS-MT, NLLB or chat checkpoints."""
from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FRENCH = [REPO / "data" / "demo" / "src.fr", REPO / "data" / "seed-fr" / "src.fr"]
ENGLISH = [REPO / "data" / "demo" / "ref.en", REPO / "data" / "demo" / "sys-a.en", REPO / "data" / "seed-fr" / "hyp.en"]


def _train_spm(files: list[Path], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    text = prefix.with_suffix(".txt")
    text.write_text("".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, hard_vocab_limit=False, bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0,
        num_threads=1, minloglevel=2)
    text.unlink()


def build_marian(folder: Path, d_model: int = 32, layers: int = 2, heads: int = 2, ffn: int = 64,
                 max_positions: int = 128, vocab_size: int = 400, seed: int = 0,
                 init_std: float = 0.3, eos_bias: float | None = None) -> Path:
    """Save a MarianMTModel + MarianTokenizer checkpoint in `folder` and return it."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    _train_spm(FRENCH, folder / "source", vocab_size)
    _train_spm(ENGLISH, folder / "target", vocab_size)
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for name in ("source", "target"):
        processor = spm.SentencePieceProcessor(model_file=str(folder / f"{name}.model"))
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for name in ("source", "target"):
        (folder / f"{name}.model").rename(folder / f"{name}.spm")
        (folder / f"{name}.vocab").unlink()
    tokenizer = MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"),
                                source_lang="fr", target_lang="en", model_max_length=max_positions)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn, max_position_embeddings=max_positions, pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"], decoder_start_token_id=vocab["<pad>"], forced_eos_token_id=vocab["</s>"],
        scale_embedding=True, share_encoder_decoder_embeddings=True, init_std=init_std)
    model = MarianMTModel(config)
    # Random weights rarely choose end-of-sentence; a bias towards it ends outputs at varied
    # lengths, as a trained model's do, instead of every output running to max_new_tokens.
    # Logits spread about init_std * sqrt(d_model); ~3 of those (5.1 at d_model 32) gave lengths
    # from 1 to 48 tokens on the demo source.
    if eos_bias is None:
        eos_bias = 3 * init_std * d_model ** 0.5
    with torch.no_grad():
        model.final_logits_bias[0, vocab["</s>"]] = eos_bias
    model.generation_config.max_new_tokens = 48
    model.generation_config.num_beams = 1
    model.save_pretrained(str(folder))
    return folder


def build_nllb(folder: Path, seed: int = 0) -> Path:
    """A tiny NLLB-style checkpoint (M2M100 architecture, NllbTokenizer with its language codes
    over a sentencepiece model trained on the demo text), random weights."""
    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "text.txt"
    text.write_text("".join(f.read_text(encoding="utf-8") for f in FRENCH + ENGLISH), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(folder / "spm"), vocab_size=300,
                                   hard_vocab_limit=False, num_threads=1, minloglevel=2)
    text.unlink()
    tokenizer = NllbTokenizer(vocab_file=str(folder / "spm.model"))
    tokenizer.save_pretrained(str(folder))
    for name in ("spm.model", "spm.vocab"):
        (folder / name).unlink()
    torch.manual_seed(seed)
    config = M2M100Config(vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                          decoder_ffn_dim=32, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id,
                          bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                          decoder_start_token_id=tokenizer.eos_token_id)
    M2M100ForConditionalGeneration(config).save_pretrained(str(folder))
    return folder


CHAT_TEMPLATE = ("{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
                 "{% if add_generation_prompt %}<s>assistant:{% endif %}")


def build_chat_llm(folder: Path, seed: int = 0) -> Path:
    """A tiny decoder-only chat model (Llama architecture, a word-level tokenizer of the demo
    text with a chat template), random weights."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    raw = Tokenizer(models.WordLevel(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator((line for f in FRENCH + ENGLISH for line in f.read_text(encoding="utf-8").splitlines()),
                            trainers.WordLevelTrainer(special_tokens=["<unk>", "<s>", "</s>", "<pad>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                        pad_token="<pad>")
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(config)
    model.generation_config.max_new_tokens = 12
    model.save_pretrained(str(folder))
    return folder
