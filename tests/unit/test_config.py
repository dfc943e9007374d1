"""Config validation: unknown keys and wrong types name the key and suggest the closest one."""
from __future__ import annotations

import pytest

from relecture import load_config
from relecture.errors import ConfigError

BASE = "testset: {src: s.fr, refs: [r.en]}\nsystems: {a: a.en}\n"


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        (BASE + "metricz: [bleu]\n", "unknown key 'metricz'; did you mean 'metrics'?"),
        (BASE + "metrics: [bleuu]\n", "unknown metric 'bleuu' in 'metrics'; did you mean 'bleu'?"),
        (BASE + "reports: [markdown]\n", "unknown format 'markdown'"),
        (BASE + "check_language: maybe\n", "'check_language' must be bool, not str"),
        (BASE + "workers: true\n", "'workers' must be int, not bool"),
        (BASE + "workers: -1\n", "'workers' must be 0"),
        (BASE + "engine: {ray: {model_block_size: 0}}\n", "'engine.ray.model_block_size' must be 1 or more"),
        (BASE + "engine: {ray: {model_block: 9}}\n", "unknown key 'engine.ray.model_block'"),
        ("testset: {src: s.fr, refz: [r.en]}\n", "unknown key 'testset.refz'; did you mean 'testset.refs'?".replace("testset.refs", "refs")),
        ("testset: {src: s.fr, path: t.jsonl}\n", "exactly one of 'src'"),
        ("systems: {a: a.en}\n", "missing key 'testset'"),
        (BASE + "baseline: b\n", "'baseline' names system 'b'"),
        (BASE.replace("{a: a.en}", "{a: 3}"), "'systems.a' must be a file path"),
        (BASE + "plugins: [nothing.here:Cls]\n", "cannot be imported"),
        ("- just\n- a list\n", "must be a mapping"),
        ("testset: {src: [unclosed\n", "invalid YAML"),
    ],
)
def test_config_errors(write, yaml_text, message):
    path = write("c.yaml", yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert err.value.exit_code == 2


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.yaml")


def test_defaults_and_overrides(write):
    path = write("c.yaml", BASE)
    config = load_config(path, ["metrics=[chrf, ter]", "testset.limit=10", "name=x"])
    assert config.metrics == ["chrf", "ter"]
    assert config.testset["limit"] == 10
    assert config.name == "x" and config.reports == ["json", "jsonl", "md", "html"]


def test_metrics_with_arguments_and_comma_strings(write):
    config = load_config(write("c.yaml", BASE + "metrics: 'bleu, chrf'\n"))
    assert config.metrics == ["bleu", "chrf"]
    config = load_config(write("d.yaml", BASE + "metrics: [{name: bleu, tokenize: intl}]\n"))
    assert config.metrics == [{"name": "bleu", "tokenize": "intl"}]


def test_paths_resolve_beside_the_config(write, tmp_path):
    write("data/s.fr", "x\n")
    path = write("configs/c.yaml", "testset: {src: ../data/s.fr}\nsystems: {a: ../data/s.fr}\n")
    config = load_config(path)
    assert config.resolve_path("../data/s.fr").resolve() == (tmp_path / "data" / "s.fr").resolve()
    assert config.resolved()["testset"]["src"] == str((tmp_path / "data" / "s.fr").resolve())


def test_bad_override():
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(None, ["metrics"])


def test_markdown_marks_overlapping_spans_once():
    from relecture.report.markdown import mark_spans
    from relecture.types import ErrorSpan

    def span(start, end):
        return ErrorSpan(0, "t", "accuracy/addition", "minor", start, end, False, "m")

    text = "scoring twice today"
    assert mark_spans(text, [span(8, 13), span(10, 13)]) == "scoring **[twice]** today"
    assert mark_spans(text, [span(0, 7), span(14, 19)]) == "**[scoring]** twice **[today]**"
    assert mark_spans(text, [span(5, 99)]) == text  # out of range: left alone
