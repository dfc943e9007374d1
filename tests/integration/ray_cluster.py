"""Run inside a network namespace that has only `lo` (test_ray_cluster.py starts it with
`unshare -n`): a real 2-node Ray cluster on 127.0.0.1 (a head and a second node joined with
`ray start --address`, separate processes), runs compared with local runs, a worker killed with
SIGKILL mid-run, a driver killed mid-run. Prints one JSON object of findings; stops the cluster.

    unshare -n python tests/integration/ray_cluster.py WORKDIR
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
PORT = "6390"
ADDRESS = f"127.0.0.1:{PORT}"
NODE = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", str(80 * 2**20), "--disable-usage-stats"]
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(REPO)}


def sh(*cmd: str, check: bool = True, cache: str = "off") -> subprocess.CompletedProcess[str]:
    """cmd with RELECTURE_CACHE=`cache` (a file, or off), so no run reads another's scores."""
    return subprocess.run(cmd, capture_output=True, text=True, env={**ENV, "RELECTURE_CACHE": cache}, check=check, timeout=300)


def make_data(work: Path, n: int) -> None:
    demo = REPO / "data" / "demo"
    texts = {name: (demo / name).read_text(encoding="utf-8").splitlines() for name in ("src.fr", "ref.en", "sys-a.en", "sys-b.en")}
    rng = random.Random(15)
    order = [rng.randrange(len(texts["src.fr"])) for _ in range(n)]
    for name, lines in texts.items():
        (work / name).write_text("".join(lines[i] + "\n" for i in order), encoding="utf-8")
    (work / "lexical.yaml").write_text(
        "name: cluster\ntestset: {src: src.fr, refs: [ref.en]}\nsystems: {a: sys-a.en, b: sys-b.en}\n"
        "metrics: [bleu, chrf]\nreports: [json, jsonl, md]\ncheck_language: false\nengine: {block_size: 500}\n", encoding="utf-8")
    # a model metric and flaggers: blocks of 16 segments, so each pool of 2 actors shares 4 blocks a system
    (work / "model.yaml").write_text(
        f"name: cluster-model\ntestset: {{src: {demo / 'src.fr'}, refs: [{demo / 'ref.en'}]}}\n"
        f"systems: {{a: {demo / 'sys-a.en'}, b: {demo / 'sys-b.en'}}}\n"
        "metrics: [bleu, sim-src]\nflaggers: [names, numbers, untranslated, coverage, truncation]\n"
        "reports: [json, jsonl]\ncheck_language: false\nengine: {ray: {model_block_size: 16}}\n", encoding="utf-8")


def relecture(*args: str) -> list[str]:
    return [str(BIN / "python"), "-m", "relecture", "run", *args, "--quiet"]


def same_run(a: Path, b: Path) -> dict[str, object]:
    """What differs between two run folders, besides the time they were made and took."""
    def results(folder: Path) -> dict[str, object]:
        data = json.loads((folder / "results.json").read_text())
        data.pop("created")
        data["info"].pop("seconds")
        return data
    found: dict[str, object] = {"segments": (a / "segments.jsonl").read_bytes() == (b / "segments.jsonl").read_bytes(),
                                "results": results(a) == results(b)}
    if (a / "report.md").exists():
        strip = lambda p: [line for line in p.read_text().splitlines() if not line.startswith("Run ")]
        found["report_md"] = strip(a / "report.md") == strip(b / "report.md")
    return found


def model_run(folder: Path) -> dict[str, object]:
    """Per system: corpus scores and signatures, segment scores, flags, as the run wrote them."""
    systems = json.loads((folder / "results.json").read_text())["systems"]
    rows = [json.loads(line) for line in (folder / "segments.jsonl").read_text().splitlines()]
    return {"corpus": {s: {m: r["score"] for m, r in v["metrics"].items()} for s, v in systems.items()},
            "signatures": {s: {m: r["signature"] for m, r in v["metrics"].items()} for s, v in systems.items()},
            "flag_counts": {s: v.get("flag_counts") for s, v in systems.items()},
            "segments": [(row["system"], row["seg_idx"], row["scores"]) for row in rows],
            "flags": [(row["system"], row["seg_idx"], row.get("flags")) for row in rows]}


def model_diff(a: dict, b: dict) -> dict[str, object]:
    """How far run b is from run a: largest score difference, and whether flags and signatures are equal."""
    corpus = max(abs(a["corpus"][s][m] - b["corpus"][s][m]) for s in a["corpus"] for m in a["corpus"][s])
    segment = max(abs(x[2][k] - y[2][k]) for x, y in zip(a["segments"], b["segments"]) for k in x[2])
    return {"corpus_max_diff": corpus, "segment_max_diff": segment,
            "same_segments": [x[:2] for x in a["segments"]] == [y[:2] for y in b["segments"]],
            "flags_equal": a["flags"] == b["flags"] and a["flag_counts"] == b["flag_counts"],
            "signatures_equal": a["signatures"] == b["signatures"],
            "flags": sum(len(f or []) for *_, f in a["flags"])}


def cache_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM scores").fetchone()[0])


def distinct_segments(demo: Path) -> int:
    """Distinct (source, output, reference) contents of the demo's two systems: the entries a
    complete cache of one metric holds."""
    from relecture.cache import segment_key
    from relecture.types import Segment

    src, ref = ((demo / name).read_text(encoding="utf-8").splitlines() for name in ("src.fr", "ref.en"))
    return len({segment_key(Segment(i, src[i], hyp, (ref[i],))) for name in ("sys-a.en", "sys-b.en")
                for i, hyp in enumerate((demo / name).read_text(encoding="utf-8").splitlines())})


def kill_a_worker(proc: subprocess.Popen[str], marker: bytes = b"ray::_score_block_task") -> bool:
    """SIGKILL one Ray worker process (a task's or an actor's, by the name Ray gives its process
    while it runs `marker`) while the run computes."""
    while proc.poll() is None:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:
                os.kill(int(pid), signal.SIGKILL)
                return True
        time.sleep(0.05)
    return False


def main() -> None:
    work = Path(sys.argv[1])
    findings: dict[str, object] = {}
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    findings["interfaces"] = sorted(line.split(":")[1].strip() for line in links.splitlines())
    make_data(work, 3000)
    temp = Path(tempfile.mkdtemp(prefix="rc-", dir="/tmp"))  # Ray's socket paths must stay under 107 bytes
    try:
        sh(str(BIN / "ray"), "start", "--head", "--port", PORT, "--include-dashboard", "false", "--temp-dir", str(temp), *NODE)
        sh(str(BIN / "ray"), "start", "--address", ADDRESS, *NODE)
        probe = sh(str(BIN / "python"), "-c", f"import ray; ray.init(address='{ADDRESS}', log_to_driver=False); "
                   "print(len([n for n in ray.nodes() if n['Alive']]), int(ray.cluster_resources()['CPU']))")
        findings["nodes_cpus"] = probe.stdout.split()
        os.chdir(work)
        sh(*relecture("-c", "lexical.yaml", "--set", "engine.stream=false", "-o", "local"))
        sh(*relecture("-c", "lexical.yaml", "--ray", ADDRESS, "-o", "ray"))
        findings["ray_vs_local"] = same_run(work / "local", work / "ray")
        sh(*relecture("-c", "lexical.yaml", "--ray", ADDRESS, "--set", "engine.block_size=137", "-o", "ray-137"))
        findings["other_blocks_vs_local"] = same_run(work / "local", work / "ray-137")

        proc = subprocess.Popen(relecture("-c", "lexical.yaml", "--ray", ADDRESS, "--set", "engine.block_size=100", "-o", "ray-killed"),
                                env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        findings["worker_killed"] = kill_a_worker(proc)
        _, err = proc.communicate(timeout=300)
        findings["worker_killed_rc"] = proc.returncode
        findings["worker_killed_vs_local"] = same_run(work / "local", work / "ray-killed") if proc.returncode == 0 else err[-500:]

        proc = subprocess.Popen(relecture("-c", "lexical.yaml", "--ray", ADDRESS, "--set", "engine.block_size=100", "-o", "ray-driver-killed"),
                                env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None and not any(p.name.startswith(".tmp-ray-driver-killed") for p in work.iterdir()):
            time.sleep(0.05)
        time.sleep(0.5)
        proc.kill()
        proc.wait()
        findings["driver_killed_leaves_folder"] = (work / "ray-driver-killed").exists()

        local_cache = str(work / "local.sqlite3")
        sh(*relecture("-c", "model.yaml", "-o", "model-local"), cache=local_cache)
        local = model_run(work / "model-local")
        sh(*relecture("-c", "model.yaml", "--ray", ADDRESS, "-o", "model-ray"))  # no cache: every block in the actors
        findings["model_ray_vs_local"] = model_diff(local, model_run(work / "model-ray"))
        # blocks of 4, not 16, and an actor SIGKILLed while it scores one: restarted, the block
        # retried, the same results
        proc = subprocess.Popen(relecture("-c", "model.yaml", "--ray", ADDRESS, "--set", "engine.ray.model_block_size=4", "-o", "model-killed"),
                                env={**ENV, "RELECTURE_CACHE": "off"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        findings["actor_killed"] = kill_a_worker(proc, b"ray::MetricActor.entries")
        _, err = proc.communicate(timeout=300)
        findings["actor_killed_rc"] = proc.returncode
        findings["actor_killed_vs_local"] = model_diff(local, model_run(work / "model-killed")) if proc.returncode == 0 else err[-500:]

        # the driver's cache: filled by a local run of the first 20 segments, completed by a Ray
        # run of all 50 (actors score the misses, the driver writes them), then read whole
        # (metrics only: the flaggers have no cache)
        merged = str(work / "merged.sqlite3")
        no_flags = ("--set", "flaggers=[]")
        sh(*relecture("-c", "model.yaml", "--set", "testset.limit=20", *no_flags, "-o", "cache-20"), cache=merged)
        findings["cache_rows_before"] = cache_rows(Path(merged))
        sh(*relecture("-c", "model.yaml", "--ray", ADDRESS, *no_flags, "-o", "cache-ray"), cache=merged)
        findings["cache_rows_after"] = cache_rows(Path(merged))
        findings["cache_rows_expected"] = distinct_segments(REPO / "data" / "demo")
        findings["cache_ray_vs_local"] = model_diff(local, model_run(work / "cache-ray"))
        sh(*relecture("-c", "model.yaml", "--ray", ADDRESS, *no_flags, "-o", "cache-ray-again"), cache=merged)
        findings["cache_again_vs_local"] = model_diff(local, model_run(work / "cache-ray-again"))
        findings["cache_rows_again"] = cache_rows(Path(merged))
    except subprocess.CalledProcessError as exc:
        findings["error"] = f"{' '.join(exc.cmd[:6])}: {exc.stderr[-1500:]}"
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails with it
        findings["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        sh(str(BIN / "ray"), "stop", "--force", check=False)
        shutil.rmtree(temp, ignore_errors=True)
    print(json.dumps(findings))


if __name__ == "__main__":
    main()
