"""Config entries of generated systems (eval/generate/spec.py): each backend's keys, types and
defaults; mistakes are one-line ConfigErrors naming the key, with the closest valid one."""
from __future__ import annotations

import pytest

from relecture.config import load_config
from relecture.errors import ConfigError
from relecture.generate.spec import DEFAULT_PROMPT, is_generated

TESTSET = {"src": "src.fr"}


def systems(**entries) -> dict:
    return load_config(None, [], {"testset": TESTSET, "systems": entries}).systems


def test_the_four_kinds_with_their_defaults():
    got = systems(file="out.en", table={"path": "t.jsonl"},
                  cand={"model": "./ckpt", "batch_size": 64, "generate": {"num_beams": 4, "max_new_tokens": 256}},
                  llm={"endpoint": "http://127.0.0.1:8000/v1", "model_name": "m", "prompt": "FR: {src}"},
                  script={"command": ["python", "translate.py"]})
    assert got["file"] == "out.en" and got["table"]["column"] == "hyp"
    assert got["cand"]["batch_size"] == 64 and got["cand"]["backend"] == "transformers"
    assert got["cand"]["device"] == "auto" and got["cand"]["long_inputs"] == "split" and got["cand"]["cache"] is True
    assert got["llm"]["concurrency"] == 4 and got["llm"]["retries"] == 4 and got["llm"]["api"] == "chat"
    assert got["llm"]["generate"] == {}  # the backend sends temperature 0 unless it is set
    assert got["script"]["batch_size"] is None
    assert [name for name, spec in got.items() if is_generated(spec)] == ["cand", "llm", "script"]
    assert "{src}" in DEFAULT_PROMPT


@pytest.mark.parametrize("entry, message", [
    ({"model": "x", "batchsize": 8}, "unknown key 'systems.s.batchsize'; did you mean 'batch_size'?"),
    ({"model": "x", "batch_size": "8"}, "'systems.s.batch_size' must be int, not str"),
    ({"model": "x", "batch_size": 0}, "'systems.s.batch_size' must be 1 or more"),
    ({"model": "x", "backend": "ctranslate"}, "did you mean 'ctranslate2'?"),
    ({"model": "x", "long_inputs": "truncate"}, "long_inputs' must be split or error"),
    ({"model": "x", "device": "gpu"}, "'systems.s.device' must be auto, cpu, cuda[:N] or mps"),
    ({"model": "x", "prompt": "Translate"}, "must contain {src}"),
    ({"endpoint": "http://h/v1"}, "needs 'model_name'"),
    ({"endpoint": "h:8000", "model_name": "m"}, "must be an http(s) URL"),
    ({"endpoint": "http://h/v1", "model_name": "m", "concurency": 2}, "did you mean 'concurrency'?"),
    ({"endpoint": "http://h/v1", "model_name": "m", "api": "chats"}, "did you mean 'chat'?"),
    ({"endpoint": "http://h/v1", "model_name": "m", "timeout": 0}, "positive number of seconds"),
    ({"command": ["a"], "timeout": True}, "'systems.s.timeout' must be int or float, not bool"),
    ({"command": [["a"]]}, "must be a list of strings"),
    ({"model": "x", "command": ["a"]}, "needs exactly one of path, model, endpoint, command"),
    ({"modle": "x"}, "did you mean 'model'?"),
    ({"model": ""}, "'systems.s.model' is empty"),
])
def test_mistakes_are_named(entry, message):
    with pytest.raises(ConfigError) as err:
        systems(s=entry)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_config_of_generated_systems_only_is_valid():
    config = load_config(None, [], {"testset": TESTSET, "systems": {"s": {"command": "python t.py"}}, "baseline": "s"})
    assert config.resolved()["systems"]["s"]["command"] == "python t.py"
