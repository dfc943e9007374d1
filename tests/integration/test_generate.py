"""Systems that are models (issue 12), with real parts: a Marian checkpoint built here and
translated through the config, an OpenAI-compatible server on 127.0.0.1, real scripts, the real
SQLite output cache, and a run killed half-way (SIGKILL) then resumed."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

import relecture
from relecture.cli import main
from relecture.errors import GenerationError
from relecture.generate.driver import translate
from relecture.report.json_report import SCHEMA_PATH
from relecture.runner import evaluate, write_run
from tests.openai_server import MARK, OpenAIServer, closed_port_url
from tests.tiny_marian import build_marian

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
SOURCES = (DEMO / "src.fr").read_text(encoding="utf-8").splitlines()
PROMPT = f"Translate into English. {MARK} {{src}}"


@pytest.fixture(scope="module")
def marian(tmp_path_factory) -> Path:
    return build_marian(tmp_path_factory.mktemp("marian") / "tiny-marian-fr-en")


@pytest.fixture
def cache_env(tmp_path, monkeypatch) -> Path:
    """A fresh output cache for the test (the same database the score cache uses)."""
    path = tmp_path / "cache.sqlite3"
    monkeypatch.setenv("RELECTURE_CACHE", str(path))
    return path


def write_config(folder: Path, systems: dict, src: Path = DEMO / "src.fr", **extra) -> Path:
    refs = [str(DEMO / "ref.en")] if src == DEMO / "src.fr" else []
    config = {"name": "gen", "testset": {"src": str(src), "refs": refs},
              "systems": systems, "metrics": ["bleu", "chrf"], "reports": ["json", "jsonl", "md"],
              "check_language": False, **extra}
    path = folder / "config.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def cached_rows(path: Path) -> int:
    """Outputs stored so far (0 while the database or its table is still being created)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(str(path), timeout=30) as db:
            return int(db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


# --- transformers: a real Marian checkpoint -----------------------------------------------------

def test_marian_through_the_config_run_folder_and_cache(marian, tmp_path, cache_env):
    config_path = write_config(tmp_path, {
        "sys-a": str(DEMO / "sys-a.en"),
        "tiny": {"model": str(marian), "threads": 1, "batch_size": 8, "generate": {"max_new_tokens": 24}}},
        baseline="sys-a")
    config = relecture.load_config(config_path)
    report = evaluate(config)
    gen = report.info["generation"]["tiny"]
    assert (gen["segments"], gen["generated"], gen["cached"]) == (50, len(set(SOURCES)), 0)
    assert gen["backend"] == "transformers" and len(gen["model_sha256"]) == 64
    assert gen["weights_sha256"] and gen["device"] == "cpu" and gen["dtype"] == "float32"
    assert list(report.systems) == ["sys-a", "tiny"] and "bleu" in report.systems["tiny"].metrics
    folder = write_run(report, config, tmp_path / "run")
    outputs = (folder / "outputs" / "tiny.en").read_text(encoding="utf-8").splitlines()
    assert outputs == list(report.hyps["tiny"]) and len(outputs) == 50 and any(outputs)
    results = json.loads((folder / "results.json").read_text())
    jsonschema.validate(results, json.loads(SCHEMA_PATH.read_text()))
    assert results["systems"]["tiny"]["generation"]["model_sha256"] == gen["model_sha256"]
    assert "sys-a" in results["systems"] and "generation" not in results["systems"]["sys-a"]
    assert gen["model_sha256"][:16] in (folder / "report.md").read_text()

    # a rerun translates nothing; the same outputs come from the cache
    again = relecture.translate(config, "tiny")
    assert again == outputs
    assert translate(config, "tiny").info["generated"] == 0

    # one changed source line: only that line is translated
    changed = list(SOURCES)
    changed[7] = "Une phrase toute nouvelle pour le cache."
    (tmp_path / "src2.fr").write_text("\n".join(changed) + "\n", encoding="utf-8")
    config2 = relecture.load_config(write_config(tmp_path, {"tiny": {"model": str(marian), "threads": 1, "batch_size": 8,
                                                                     "generate": {"max_new_tokens": 24}}},
                                                 src=tmp_path / "src2.fr"))
    result = translate(config2, "tiny")
    assert (result.info["generated"], result.info["cached"]) == (1, len(set(changed)) - 1)
    assert result.outputs[:7] == outputs[:7] and result.outputs[8:] == outputs[8:]

    # other decoding settings are another identity: translated again
    config3 = relecture.load_config(write_config(tmp_path, {"tiny": {"model": str(marian), "threads": 1, "batch_size": 8,
                                                                     "generate": {"max_new_tokens": 12}}}))
    assert translate(config3, "tiny").info["generated"] == len(set(SOURCES))


def test_length_sorted_batches_give_the_one_by_one_outputs(marian, tmp_path, monkeypatch):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    (tmp_path / "some.fr").write_text("\n".join(SOURCES[:16]) + "\n", encoding="utf-8")
    outputs = {}
    for size in (1, 16):
        config = relecture.load_config(write_config(tmp_path, {"tiny": {"model": str(marian), "threads": 1, "batch_size": size,
                                                                        "generate": {"max_new_tokens": 24}}},
                                                    src=tmp_path / "some.fr"))
        outputs[size] = relecture.translate(config, "tiny")
    assert outputs[1] == outputs[16]


def test_long_inputs_split_between_sentences_or_error(marian, tmp_path, cache_env, capsys):
    from transformers import MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(str(marian))
    limit = max(len(tokenizer(s)["input_ids"]) for s in SOURCES[:6]) + 2  # each sentence fits ...
    long_src = " ".join(SOURCES[:6])  # ... six together do not
    assert len(tokenizer(long_src)["input_ids"]) > limit
    (tmp_path / "long.fr").write_text(f"{SOURCES[0]}\n{long_src}\n", encoding="utf-8")
    spec = {"model": str(marian), "threads": 1, "max_input_tokens": limit, "generate": {"max_new_tokens": 8}}
    config = relecture.load_config(write_config(tmp_path, {"tiny": spec}, src=tmp_path / "long.fr"))
    result = translate(config, "tiny")
    assert result.info["split_segments"] == 1 and len(result.outputs) == 2
    assert result.info["capped_segments"] >= 0
    config_path = write_config(tmp_path, {"tiny": {**spec, "long_inputs": "error"}}, src=tmp_path / "long.fr")
    code = main(["translate", "-c", str(config_path), "--system", "tiny", "-o", str(tmp_path / "o.en"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and f"over the model's limit of {limit}" in err and "Traceback" not in err
    assert not (tmp_path / "o.en").exists()


def test_killed_run_resumes_where_it_stopped(marian, tmp_path, cache_env):
    """SIGKILL a `relecture translate` after a few batches; the rerun translates only the rest."""
    config_path = write_config(tmp_path, {"tiny": {"model": str(marian), "threads": 1, "batch_size": 4,
                                                   "generate": {"max_new_tokens": 48}}})
    env = {**os.environ, "RELECTURE_CACHE": str(cache_env)}
    proc = subprocess.Popen([sys.executable, "-m", "relecture", "translate", "-c", str(config_path), "--system", "tiny",
                             "-o", str(tmp_path / "out.en")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if cached_rows(cache_env) >= 8:  # two batches of four stored
                break
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    stored = cached_rows(cache_env)
    assert 8 <= stored < len(set(SOURCES)) and not (tmp_path / "out.en").exists()
    result = translate(relecture.load_config(config_path), "tiny")
    assert (result.info["cached"], result.info["generated"]) == (stored, len(set(SOURCES)) - stored)
    cold = relecture.translate(relecture.load_config(config_path), "tiny")
    assert result.outputs == cold


# --- endpoint: a real OpenAI-compatible server ---------------------------------------------------

def endpoint(url: str, **extra) -> dict:
    return {"endpoint": url, "model_name": "test-llm", "prompt": PROMPT, "retries": 2, "timeout": 5, **extra}


def test_endpoint_translates_with_bounded_concurrency(tmp_path, cache_env):
    with OpenAIServer() as server:
        server.delay = 0.02
        config = relecture.load_config(write_config(tmp_path, {"llm": endpoint(server.url, concurrency=3)}))
        result = translate(config, "llm")
        assert result.outputs == [f"EN {src}" for src in SOURCES]
        assert server.requests == len(set(SOURCES))
        body = server.bodies[0]
        assert body["model"] == "test-llm" and body["temperature"] == 0 and body["messages"][-1]["role"] == "user"
        assert result.info["endpoint"] == server.url and result.info["model_name"] == "test-llm"
        again = translate(config, "llm")
        assert again.outputs == result.outputs and server.requests == len(set(SOURCES))  # all cached


def test_endpoint_completions_api(tmp_path, monkeypatch):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    with OpenAIServer() as server:
        config = relecture.load_config(write_config(tmp_path, {"llm": endpoint(server.url, api="completions",
                                                                               generate={"max_tokens": 50})}))
        assert relecture.translate(config, "llm")[:2] == [f"EN {src}" for src in SOURCES[:2]]
        body = server.bodies[0]
        assert body["prompt"].startswith("Translate into English.") and (body["max_tokens"], body["temperature"]) == (50, 0)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_endpoint_retries_busy_and_failing_answers(tmp_path, monkeypatch, status):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    with OpenAIServer() as server:
        server.fail_status, server.fail_count = status, 2
        config = relecture.load_config(write_config(tmp_path, {"llm": endpoint(server.url, concurrency=1)}))
        assert relecture.translate(config, "llm") == [f"EN {src}" for src in SOURCES]
        assert server.requests == len(SOURCES) + 2


def test_endpoint_gives_up_with_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    with OpenAIServer() as server:
        server.fail_status, server.fail_count = 500, 10_000
        config_path = write_config(tmp_path, {"llm": endpoint(server.url, retries=1, concurrency=2)})
        code = main(["translate", "-c", str(config_path), "--system", "llm", "--quiet"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.startswith("relecture: error: endpoint http://127.0.0.1:")
        assert "HTTP 500" in err and "after 2 attempt(s)" in err and len(err.splitlines()) == 1
        server.fail_status, server.fail_count = 400, 10_000  # a client error is not retried
        before = server.requests
        with pytest.raises(GenerationError, match="answered HTTP 400"):
            relecture.translate(relecture.load_config(config_path), "llm")
        assert server.requests - before <= 3  # the failing one and those in flight, no retries


def test_endpoint_slow_answer_times_out_then_retry_succeeds(tmp_path, monkeypatch):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    (tmp_path / "one.fr").write_text(SOURCES[0] + "\n", encoding="utf-8")
    with OpenAIServer() as server:
        server.delay = 1.5
        config = relecture.load_config(write_config(tmp_path, {"llm": endpoint(server.url, timeout=0.3, retries=0)},
                                                    src=tmp_path / "one.fr"))
        with pytest.raises(GenerationError, match=r"no answer within 0.3 s \(timeout\), after 1 attempt"):
            relecture.translate(config, "llm")
        server.delay = 0.0
        config = relecture.load_config(write_config(tmp_path, {"llm": endpoint(server.url, timeout=2, retries=1)},
                                                    src=tmp_path / "one.fr"))
        assert relecture.translate(config, "llm") == [f"EN {SOURCES[0]}"]


def test_dead_server(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    config_path = write_config(tmp_path, {"llm": endpoint(closed_port_url(), retries=1)})
    code = main(["translate", "-c", str(config_path), "--system", "llm", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not answering (Connection refused)" in err and "Traceback" not in err


def test_endpoint_kill_and_resume_counts_requests(tmp_path, cache_env):
    """Kill a translating process; the rerun asks the server only for what was not stored."""
    with OpenAIServer() as server:
        server.delay = 0.05
        config_path = write_config(tmp_path, {"llm": endpoint(server.url, concurrency=2)})
        env = {**os.environ, "RELECTURE_CACHE": str(cache_env)}
        proc = subprocess.Popen([sys.executable, "-m", "relecture", "translate", "-c", str(config_path), "--system",
                                 "llm", "-o", str(tmp_path / "out.en")], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while server.requests < 12 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        stored = cached_rows(cache_env)
        assert 8 <= stored < len(set(SOURCES))
        before = server.requests
        result = translate(relecture.load_config(config_path), "llm")
        assert server.requests - before == len(set(SOURCES)) - stored
        assert result.info["generated"] == len(set(SOURCES)) - stored and result.outputs == [f"EN {s}" for s in SOURCES]


# --- command: a real script ----------------------------------------------------------------------

SCRIPT = """import sys
lines = sys.stdin.read().splitlines()
mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
if mode == "fail":
    print("model file missing", file=sys.stderr)
    sys.exit(3)
if mode == "short":
    lines = lines[:-1]
for line in lines:
    print("EN " + line.upper())
"""


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "translate.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def test_command_lines_in_lines_out(tmp_path, script, cache_env):
    config = relecture.load_config(write_config(tmp_path, {"cmd": {"command": [sys.executable, "translate.py"],
                                                                   "batch_size": 16}}))
    result = translate(config, "cmd")
    assert result.outputs == [f"EN {src.upper()}" for src in SOURCES]
    assert result.info["files_sha256"]["translate.py"] and result.info["generated"] == len(set(SOURCES))
    assert translate(config, "cmd").info["generated"] == 0
    script.write_text(SCRIPT + "\n# edited\n", encoding="utf-8")  # an edited script is another system
    assert translate(config, "cmd").info["generated"] == len(set(SOURCES))


@pytest.mark.parametrize("mode, message", [
    ("fail", "exited with status 3: model file missing"),
    ("short", "wrote 49 lines for 50 input lines"),
])
def test_command_failures_are_clear_errors(tmp_path, script, monkeypatch, capsys, mode, message):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    config_path = write_config(tmp_path, {"cmd": {"command": f"{sys.executable} translate.py {mode}"}})
    code = main(["translate", "-c", str(config_path), "--system", "cmd", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_command_not_found(tmp_path, monkeypatch):
    monkeypatch.setenv("RELECTURE_CACHE", "off")
    config = relecture.load_config(write_config(tmp_path, {"cmd": {"command": ["no-such-translator-xyz"]}}))
    with pytest.raises(GenerationError, match="'no-such-translator-xyz' not found"):
        relecture.translate(config, "cmd")


# --- the translate command -----------------------------------------------------------------------

def test_translate_cli_progress_lines_off_a_terminal(tmp_path, script, cache_env):
    config_path = write_config(tmp_path, {"cmd": {"command": [sys.executable, "translate.py"], "batch_size": 10}})
    done = subprocess.run([sys.executable, "-m", "relecture", "translate", "-c", str(config_path), "--system", "cmd",
                           "-o", str(tmp_path / "out.en")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.en").read_text(encoding="utf-8").splitlines()[0] == f"EN {SOURCES[0].upper()}"
    assert "translate cmd: 50/50 segments (100%)" in done.stderr and "segments/s" in done.stderr
    assert "50 translated, 0 from the cache" in done.stderr


def test_translate_cli_usage_errors(tmp_path, script, capsys):
    config_path = write_config(tmp_path, {"file": str(DEMO / "sys-a.en"),
                                          "cmd": {"command": [sys.executable, "translate.py"]}})
    assert main(["translate", "-c", str(config_path), "--system", "cmdd"]) == 2
    assert "did you mean 'cmd'" in capsys.readouterr().err
    assert main(["translate", "-c", str(config_path), "--system", "file"]) == 2
    assert "is an output file" in capsys.readouterr().err
    assert main(["translate", "-c", str(config_path), "--system", "cmd", "-o", str(DEMO / "src.fr")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err


# --- language codes and chat templates ------------------------------------------------------------

def model_backend(folder: Path, **extra):
    from relecture.generate.spec import MODEL_SCHEMA
    from relecture.generate.transformers import load_model_backend
    from relecture.schema import check_keys

    spec = check_keys("", {"model": str(folder), "threads": 1, **extra}, MODEL_SCHEMA, "test")
    return load_model_backend(spec, Path, None)


def test_nllb_language_codes(tmp_path):
    from tests.tiny_marian import build_nllb

    backend = model_backend(build_nllb(tmp_path / "nllb"), generate={"max_new_tokens": 4})
    tokenizer = backend.tokenizer
    assert (backend.src_lang, backend.tgt_lang) == ("fra_Latn", "eng_Latn")
    ids = backend.encode(SOURCES[0])
    assert ids[0] == tokenizer.convert_tokens_to_ids("fra_Latn") and ids[-1] == tokenizer.eos_token_id
    rows = backend.generate_ids([ids, backend.encode(SOURCES[1])])
    assert all(row[0] == tokenizer.convert_tokens_to_ids("eng_Latn") for row in rows)  # forced BOS
    other = model_backend(tmp_path / "nllb", tgt_lang="deu_Latn", generate={"max_new_tokens": 4})
    assert other.generate_ids([ids])[0][0] == tokenizer.convert_tokens_to_ids("deu_Latn")
    assert other.identity() != backend.identity()  # another target language: another cache identity


def test_chat_model_prompt_template_and_left_padding(tmp_path):
    from tests.tiny_marian import build_chat_llm

    backend = model_backend(build_chat_llm(tmp_path / "llm"), prompt="Translate: {src}")
    assert backend.chat and not backend.encoder_decoder and backend.tokenizer.padding_side == "left"
    assert backend.text_for("Bonjour") == "<s>user: Translate: Bonjour</s><s>assistant:"
    texts = SOURCES[:4]
    one_by_one = [backend.generate_ids([backend.encode(t)])[0] for t in texts]
    batched = backend.generate_ids([backend.encode(t) for t in texts])
    assert batched == one_by_one  # left padding changes nothing; only new tokens are returned
    assert all(0 < len(row) <= 12 for row in batched)


def test_ctranslate2_backend_says_how_to_install_it(tmp_path, marian):
    pytest.importorskip("transformers")
    try:
        import ctranslate2  # noqa: F401
        pytest.skip("ctranslate2 is installed here")
    except ImportError:
        pass
    with pytest.raises(GenerationError, match=r"needs the ctranslate2 package \(pip install ctranslate2\)"):
        model_backend(marian, backend="ctranslate2")


def test_prefix_goes_before_each_source(marian):
    backend = model_backend(marian, prefix="<2en> ")
    assert backend.text_for("Bonjour.") == "<2en> Bonjour."
    assert backend.identity()["prefix"] == "<2en> " and backend.identity() != model_backend(marian).identity()
