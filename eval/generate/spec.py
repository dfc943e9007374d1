"""Config entries of generated systems: which keys each backend takes, their types and defaults.

Imported by config.py, so it imports nothing heavy. A system mapping is a file (`path:`), a
transformers or CTranslate2 checkpoint (`model:`), an OpenAI-compatible server (`endpoint:`)
or a program (`command:`): exactly one of those four keys, then that kind's keys only.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..registry import suggest
from ..schema import Schema, check_keys

# What an LLM is asked when the config gives no prompt; {src} is the French segment.
DEFAULT_PROMPT = ("Translate the following French text into English. "
                  "Answer with the English translation only.\n\n{src}")

FILE_SCHEMA: Schema = {
    "path": ((str,), None),
    "column": ((str,), "hyp"),
    "format": ((str,), None),
}

MODEL_SCHEMA: Schema = {
    "model": ((str,), None),             # a local checkpoint folder or a hub id
    "backend": ((str,), "transformers"),  # or ctranslate2 (a converted model folder)
    "batch_size": ((int,), 32),
    "generate": ((dict,), {}),           # model.generate settings: num_beams, max_new_tokens...
    "device": ((str,), "auto"),          # auto: cuda when there is one, else cpu
    "dtype": ((str,), "auto"),           # auto: bfloat16 on cuda, float32 on cpu
    "threads": ((int,), None),           # CPU threads for torch (default: torch's, one per core)
    "src_lang": ((str,), None),          # NLLB fra_Latn / M2M100 fr (default by model type)
    "tgt_lang": ((str,), None),          # NLLB eng_Latn / M2M100 en
    "prefix": ((str,), None),            # put before each source (T5/MADLAD: "<2en> ")
    "prompt": ((str,), None),            # decoder-only models: the user turn, with {src}
    "max_input_tokens": ((int,), None),  # default: the model's own limit
    "long_inputs": ((str,), "split"),    # split (by sentence, counted) or error
    "cache": ((bool,), True),
}

ENDPOINT_SCHEMA: Schema = {
    "endpoint": ((str,), None),          # base URL, e.g. http://127.0.0.1:8000/v1
    "model_name": ((str,), None),
    "api": ((str,), "chat"),             # chat (/chat/completions) or completions
    "prompt": ((str,), DEFAULT_PROMPT),
    "system_prompt": ((str,), None),
    "generate": ((dict,), {}),           # extra request fields (max_tokens...); temperature 0 unless set
    "concurrency": ((int,), 4),          # requests in flight at once
    "retries": ((int,), 4),              # on 429, 5xx and connection errors, with backoff
    "timeout": ((int, float), 120),      # seconds per request
    "api_key_env": ((str,), None),       # name of the environment variable holding the key
    "cache": ((bool,), True),
}

COMMAND_SCHEMA: Schema = {
    "command": ((list, str), None),      # argv (or one string, split like a shell would)
    "batch_size": ((int,), None),        # lines per invocation; default all in one
    "timeout": ((int, float), None),     # seconds per invocation
    "cache": ((bool,), True),
}

KINDS: dict[str, Schema] = {"path": FILE_SCHEMA, "model": MODEL_SCHEMA, "endpoint": ENDPOINT_SCHEMA,
                            "command": COMMAND_SCHEMA}
GENERATED = ("model", "endpoint", "command")
BACKENDS = ("transformers", "ctranslate2")


def system_kind(spec: Any) -> str:
    """'path' for an output file (a string or {path: ...}), else model, endpoint or command."""
    if isinstance(spec, str):
        return "path"
    return next(kind for kind in KINDS if kind in spec)


def is_generated(spec: Any) -> bool:
    return isinstance(spec, dict) and system_kind(spec) in GENERATED


def validate_system(name: str, spec: Any, source: str) -> dict[str, Any] | str:
    """One `systems:` entry, validated: a path string stays a string."""
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise ConfigError(f"{source}: 'systems.{name}' must be a file path or a mapping with one of "
                          f"{', '.join(KINDS)}")
    kinds = [kind for kind in KINDS if kind in spec]
    if len(kinds) != 1:
        hint = ""
        if not kinds:
            near = [suggest(str(key), KINDS) for key in spec]
            hint = next((h for h in near if "did you mean" in h), "")
        if not kinds:
            raise ConfigError(f"{source}: 'systems.{name}' needs a 'path' (or one of model, endpoint, command){hint}")
        raise ConfigError(f"{source}: 'systems.{name}' needs exactly one of {', '.join(KINDS)}; got {kinds}")
    kind = kinds[0]
    where = f"systems.{name}."
    out = check_keys(where, spec, KINDS[kind], source)
    if not out[kind]:
        raise ConfigError(f"{source}: '{where}{kind}' is empty")
    for key in ("batch_size", "concurrency", "max_input_tokens", "threads"):
        if out.get(key) is not None and out[key] < 1:
            raise ConfigError(f"{source}: '{where}{key}' must be 1 or more")
    for key in ("retries",):
        if out.get(key) is not None and out[key] < 0:
            raise ConfigError(f"{source}: '{where}{key}' must be 0 or more")
    if out.get("timeout") is not None and out["timeout"] <= 0:
        raise ConfigError(f"{source}: '{where}timeout' must be a positive number of seconds")
    if kind == "model":
        if out["backend"] not in BACKENDS:
            raise ConfigError(f"{source}: '{where}backend' is '{out['backend']}'{suggest(out['backend'], BACKENDS)}")
        if out["long_inputs"] not in ("split", "error"):
            raise ConfigError(f"{source}: '{where}long_inputs' must be split or error, not {out['long_inputs']!r}")
        if out["device"] not in ("auto", "cpu", "cuda", "mps") and not out["device"].startswith("cuda:"):
            raise ConfigError(f"{source}: '{where}device' must be auto, cpu, cuda[:N] or mps")
        if out["dtype"] not in ("auto", "float32", "bfloat16", "float16"):
            raise ConfigError(f"{source}: '{where}dtype' must be auto, float32, bfloat16 or float16")
    if kind == "endpoint":
        if not out["model_name"]:
            raise ConfigError(f"{source}: 'systems.{name}' needs 'model_name' (the model the server serves)")
        if out["api"] not in ("chat", "completions"):
            raise ConfigError(f"{source}: '{where}api' must be chat or completions{suggest(out['api'], ('chat', 'completions'))}")
        if not out["endpoint"].startswith(("http://", "https://")):
            raise ConfigError(f"{source}: '{where}endpoint' must be an http(s) URL, not {out['endpoint']!r}")
    if kind == "command":
        argv = out["command"]
        if isinstance(argv, list) and not all(isinstance(a, (str, int, float)) for a in argv):
            raise ConfigError(f"{source}: '{where}command' must be a list of strings")
    prompt = out.get("prompt")
    if prompt is not None and "{src}" not in prompt:
        raise ConfigError(f"{source}: '{where}prompt' must contain {{src}} (where the French text goes)")
    return out
