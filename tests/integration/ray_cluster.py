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


def sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=check, timeout=300)


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
    (work / "model.yaml").write_text(
        f"name: cluster-model\ntestset: {{src: {demo / 'src.fr'}, refs: [{demo / 'ref.en'}]}}\n"
        f"systems: {{a: {demo / 'sys-a.en'}, b: {demo / 'sys-b.en'}}}\n"
        "metrics: [bleu, sim-src]\nreports: [json, jsonl]\ncheck_language: false\n", encoding="utf-8")


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


def kill_a_block_worker(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL one Ray worker process while it computes a block."""
    while proc.poll() is None:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"ray::_score_block_task" in cmdline:
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
        findings["worker_killed"] = kill_a_block_worker(proc)
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

        sh(*relecture("-c", "model.yaml", "-o", "model-local"))
        sh(*relecture("-c", "model.yaml", "--ray", ADDRESS, "-o", "model-ray"))
        a = json.loads((work / "model-local" / "results.json").read_text())["systems"]
        b = json.loads((work / "model-ray" / "results.json").read_text())["systems"]
        findings["model_max_diff"] = max(abs(a[s]["metrics"][m]["score"] - b[s]["metrics"][m]["score"]) for s in a for m in a[s]["metrics"])
        findings["model_signatures_equal"] = all(a[s]["metrics"][m]["signature"] == b[s]["metrics"][m]["signature"] for s in a for m in a[s]["metrics"])
        seg_a = [json.loads(line)["scores"] for line in (work / "model-local" / "segments.jsonl").read_text().splitlines()]
        seg_b = [json.loads(line)["scores"] for line in (work / "model-ray" / "segments.jsonl").read_text().splitlines()]
        findings["model_segment_max_diff"] = max(abs(x[k] - y[k]) for x, y in zip(seg_a, seg_b) for k in x)
    except subprocess.CalledProcessError as exc:
        findings["error"] = f"{' '.join(exc.cmd[:6])}: {exc.stderr[-1500:]}"
    finally:
        sh(str(BIN / "ray"), "stop", "--force", check=False)
        shutil.rmtree(temp, ignore_errors=True)
    print(json.dumps(findings))


if __name__ == "__main__":
    main()
