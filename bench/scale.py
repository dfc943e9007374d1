"""1,000,000 segments x 2 systems, BLEU + chrF: our streaming run against the sacrebleu CLI on the
same files in the same run (wall time and peak memory of each), and optionally the same run on
a Ray cluster (overhead against the local run, and the wall time projected on N machines from
the per-block timings).

    python bench/scale.py [--segments 1000000] [--ray ADDRESS] [--sacrebleu-limit-gb 8]
    python bench/scale.py --segments 20000 --skip-sacrebleu --ray-local-cluster   # as root
    python bench/scale.py --flags 100000     # streaming with the default flaggers, one system

--ray-local-cluster runs the bench inside a network namespace with only `lo` (unshare -n) on a
2-node Ray cluster on 127.0.0.1 of 1 CPU each: the same 2 cores as the local pool of 2 workers.

Inputs are WMT13 fr-en (source, reference, the first two systems) repeated in a fixed shuffled
order (seed 15) until --segments lines, written under --workdir. Peak memory is polled from /proc
every 0.1 s over the whole process tree (driver, forkserver, pool workers): both the largest
single process and the largest sum. sacrebleu holds every segment's statistics in memory: it
runs under an address-space limit (--sacrebleu-limit-gb) so it cannot take the machine down;
a run killed there is reported as such.

--flags N streams the first system's N segments with BLEU + chrF and every default flagger
(flagged block by block on the driver and its helper process): wall time, peak memory of the
process tree, the flags found, and the largest size segments.jsonl reached while the run was
still going (it is written block by block, not at the end).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tree_rss(root: int) -> tuple[int, int]:
    """(sum, max) resident set size in bytes over `root` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, peak, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        peak = max(peak, rss.get(pid, 0))
        todo += children.get(pid, [])
    return total, peak


def namespace_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of every live process in this network namespace, by pid:
    inside --ray-local-cluster's namespace that is the driver, the pool or the Ray cluster's
    daemons and workers, and nothing else, so it compares the two engines whatever else loads
    the machine."""
    own = os.readlink("/proc/self/ns/net")
    found: dict[int, float] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{entry}/ns/net") != own:
                continue
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime stime
        except (OSError, IndexError, ValueError):
            continue
    return found


class CpuTracker:
    """CPU seconds the namespace's processes spend between start and the last `poll`: each
    process's last-seen CPU, less what it had at the start. Polled every 0.1 s, so a process
    that exits loses at most its last 0.1 s; counting exited children through cutime instead
    missed the pool's workers, which the forkserver (an orphan at the end) reaps."""

    def __init__(self) -> None:
        self.start = namespace_cpu()
        self.last = dict(self.start)

    def poll(self) -> None:
        self.last.update(namespace_cpu())

    def seconds(self) -> float:
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def measured(cmd: list[str], cwd: Path, watch: str = "") -> dict[str, object]:
    """Run cmd; wall seconds, peak tree RSS (sum and largest process), CPU seconds used in this
    network namespace meanwhile, exit code, output; with `watch` (a glob under cwd), the largest
    total size its files reached while cmd ran."""
    cpu = CpuTracker()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = [0, 0, 0]

    def poll() -> None:
        while proc.poll() is None:
            total, largest = tree_rss(proc.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], largest)
            cpu.poll()
            if watch:
                peaks[2] = max(peaks[2], sum(p.stat().st_size for p in cwd.glob(watch) if p.is_file()))
            time.sleep(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    watcher.join()
    cpu.poll()  # the cluster's daemons and workers outlive the driver
    return {"wall": time.perf_counter() - started, "rss_sum": peaks[0], "rss_max": peaks[1], "watched": peaks[2],
            "cpu": cpu.seconds(), "rc": proc.returncode, "out": out, "err": err}


def make_inputs(data: Path, work: Path, n: int) -> list[Path]:
    work.mkdir(parents=True, exist_ok=True)
    systems = sorted((data / "systems").glob("*.en"))[:2]
    sources = [data / "src.fr", data / "ref.en", *systems]
    names = ["src.fr", "ref.en", "sys1.en", "sys2.en"]
    marker = work / f".made-{n}"
    if not marker.exists():
        texts = [p.read_text(encoding="utf-8").splitlines() for p in sources]
        rng = random.Random(15)
        order: list[int] = []
        while len(order) < n:
            chunk = list(range(len(texts[0])))
            rng.shuffle(chunk)
            order += chunk
        order = order[:n]
        for name, lines in zip(names, texts):
            with open(work / name, "w", encoding="utf-8") as handle:
                for start in range(0, n, 100_000):
                    handle.write("".join(lines[i] + "\n" for i in order[start:start + 100_000]))
        marker.touch()
    config = work / "scale.yaml"
    config.write_text("name: scale\ntestset: {src: src.fr, refs: [ref.en]}\nsystems: {sys1: sys1.en, sys2: sys2.en}\n"
                      "metrics: [bleu, chrf]\nreports: [json, jsonl, md, html]\n", encoding="utf-8")
    return [work / name for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "wmt13-fr-en")
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/relecture-scale"))
    parser.add_argument("--ray", metavar="ADDRESS", help="also run on this Ray cluster")
    parser.add_argument("--sacrebleu-limit-gb", type=float, default=8.0)
    parser.add_argument("--skip-sacrebleu", action="store_true")
    parser.add_argument("--skip-relecture", action="store_true", help="only the sacrebleu CLI (on a loaded machine: run it beside the long run)")
    parser.add_argument("--ray-local-cluster", action="store_true", help="start a 2-node loopback cluster (root) and use it")
    parser.add_argument("--flags", type=int, metavar="N", help="only: stream N segments of one system with the default flaggers")
    args = parser.parse_args()
    if args.flags:
        flag_run(args.data, args.workdir / f"flags-{args.flags}", args.flags)
        return
    if args.ray_local_cluster:
        sys.exit(with_local_cluster([a for a in sys.argv[1:] if a != "--ray-local-cluster"]))
    src, ref, sys1, sys2 = make_inputs(args.data, args.workdir, args.segments)
    print(f"{args.segments:,} segments x 2 systems, BLEU + chrF (WMT13 lines repeated, shuffled)")
    runs: dict[str, dict[str, object]] = {}
    timings_file = args.workdir / "timings.json"
    ours = [sys.executable, str(REPO / "bench" / "scale.py"), "--_run", str(args.workdir / "scale.yaml"), str(args.workdir / "out-local"), str(timings_file)]
    if not args.skip_relecture:
        runs["relecture run (streaming, local pool)"] = measured(ours, args.workdir)
    local_timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    if args.ray:
        ray_cmd = [*ours[:-2], str(args.workdir / "out-ray"), str(args.workdir / "timings-ray.json"), args.ray]
        runs["relecture run --ray"] = measured(ray_cmd, args.workdir)
    if not args.skip_sacrebleu:
        limit = int(args.sacrebleu_limit_gb * 2**30)
        sacre = ["prlimit", f"--as={limit}", sys.executable, "-m", "sacrebleu", str(ref), "-i", str(sys1), str(sys2), "-m", "bleu", "chrf", "-w", "4"]
        runs["sacrebleu CLI"] = measured(sacre, args.workdir)
    print(f"{'tool':40} {'wall (s)':>9} {'peak RSS sum (MB)':>18} {'largest process (MB)':>21}  exit")
    for name, r in runs.items():
        print(f"{name:40} {r['wall']:9.1f} {r['rss_sum'] / 2**20:18.0f} {r['rss_max'] / 2**20:21.0f}  {r['rc']}")
    if args.ray:
        # the Ray cluster's daemons are not the driver's children: its RSS above is the driver's
        print("(Ray run: RSS of the driver only; the cluster's processes are not its children)")
        if r["rc"] != 0:
            print("   " + str(r["err"]).strip().splitlines()[-1][:200] if str(r["err"]).strip() else "   (no message)")
    local = runs.get("relecture run (streaming, local pool)", {"rc": None})
    if local["rc"] == 0:
        check_folder(args.workdir / "out-local", 2 * args.segments)
    sacre_run = runs.get("sacrebleu CLI")
    if sacre_run and sacre_run["rc"] != 0:
        print(f"sacrebleu CLI exited {sacre_run['rc']} (under its {args.sacrebleu_limit_gb:g} GB address-space limit): "
              + (str(sacre_run["err"]).strip().splitlines() or ["(no message)"])[-1][:200])
    if sacre_run and sacre_run["rc"] == 0 and local["rc"] == 0:
        print(f"ratio relecture/sacrebleu wall: {float(local['wall']) / float(sacre_run['wall']):.2f}")
        results = json.loads((args.workdir / "out-local" / "results.json").read_text())
        agree = sum(f"{s['metrics']['bleu']['score']:.4f}" in str(sacre_run["out"]) for s in results["systems"].values())
        print(f"BLEU identical to sacrebleu's (4 decimals) for {agree}/2 systems")
    if args.ray and local["rc"] == 0 and runs["relecture run --ray"]["rc"] == 0:
        ray_run = runs["relecture run --ray"]
        print(f"Ray overhead (wall, same machine): {float(ray_run['wall']) / float(local['wall']):.2f}x")
        print(f"Ray overhead (CPU seconds of every process in the namespace: {float(ray_run['cpu']):.0f} vs "
              f"{float(local['cpu']):.0f}): {float(ray_run['cpu']) / float(local['cpu']):.2f}x")
        same = (args.workdir / "out-local" / "segments.jsonl").read_bytes() == (args.workdir / "out-ray" / "segments.jsonl").read_bytes()
        print(f"segments.jsonl identical between local and Ray runs: {same}")
        local_timings = json.loads((args.workdir / "timings-ray.json").read_text())
    if local_timings:
        seconds = local_timings["block_seconds"]
        work = sum(seconds)
        cores = int(local_timings["workers"])
        serial = float(local_timings["driver_cpu"])  # reading, writing, assembly: the driver's CPU seconds
        print(f"per block: {len(seconds)} blocks of <= {local_timings['block_size']:,} segments, "
              f"{work / len(seconds):.2f} CPU s each on average; driver CPU {serial:.0f} s")
        for machines in (1, 2, 4, 8, 16):
            print(f"  projected wall on {machines:2d} machine(s) of {cores} cores: {serial + work / (machines * cores):7.0f} s"
                  f"  (driver CPU {serial:.0f} s + blocks' CPU / cores, machines otherwise idle)")


def check_folder(folder: Path, rows: int) -> None:
    """The run folder is whole: its files, every segment row, and a report.html of bounded size."""
    with open(folder / "segments.jsonl", "rb") as handle:
        found = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(2**24), b""))
    page = (folder / "report.html").stat().st_size
    print(f"run folder {folder.name}: {', '.join(sorted(p.name for p in folder.iterdir()))}; segments.jsonl "
          f"{found:,} of {rows:,} rows; report.html {page / 2**20:.1f} MB (a sample of segments, eval/report/html.py)")


def flag_run(data: Path, work: Path, n: int) -> None:
    """BLEU + chrF + every default flagger, streamed, on n segments of one system."""
    from relecture.flaggers import DEFAULT_FLAGGERS

    make_inputs(data, work, n)
    config = work / "flags.yaml"
    config.write_text(f"name: scale-flags\ntestset: {{src: src.fr, refs: [ref.en]}}\nsystems: {{sys1: sys1.en}}\n"
                      f"metrics: [bleu, chrf]\nflaggers: [{', '.join(DEFAULT_FLAGGERS)}]\nreports: [json, jsonl, md, html]\n"
                      f"engine: {{block_size: {min(5000, max(250, n // 8))}}}\n",
                      encoding="utf-8")
    out = work / "out-flags"
    run = measured([sys.executable, str(REPO / "bench" / "scale.py"), "--_run", str(config), str(out), str(work / "timings-flags.json")],
                   work, watch=".tmp-out-flags-*/.segments-*.part")
    print(f"{n:,} segments x 1 system, BLEU + chrF + the {len(DEFAULT_FLAGGERS)} default flaggers, streamed "
          f"(WMT13 lines repeated, shuffled)")
    print(f"exit {run['rc']}; wall {run['wall']:.0f} s; peak RSS of the process tree {run['rss_sum'] / 2**20:.0f} MB "
          f"(largest process {run['rss_max'] / 2**20:.0f} MB)")
    if run["rc"] != 0:
        print("   " + (str(run["err"]).strip().splitlines() or ["(no message)"])[-1][:300])
        return
    written = (out / "segments.jsonl").stat().st_size
    with open(out / "segments.jsonl", encoding="utf-8") as handle:
        rows = flags = 0
        for line in handle:
            rows += 1
            flags += line.count('"flagger":')
    print(f"segments.jsonl: {rows:,} rows, {flags:,} flags, {written / 2**20:.0f} MB at the end; "
          f"{run['watched'] / 2**20:.0f} MB already written while the run was going")


def with_local_cluster(argv: list[str]) -> int:
    """This bench again, inside `unshare -n`, on a head node and a second node of 1 CPU each."""
    if not os.environ.get("RELECTURE_IN_NETNS"):
        env = {**os.environ, "RELECTURE_IN_NETNS": "1"}
        return subprocess.call(["unshare", "-n", sys.executable, __file__, "--ray-local-cluster", *argv], env=env)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    ray_bin = str(Path(sys.executable).parent / "ray")
    node = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", str(200 * 2**20), "--disable-usage-stats"]
    temp = "/tmp/rs-ray"
    try:
        subprocess.run([ray_bin, "start", "--head", "--port", "6391", "--include-dashboard", "false", "--temp-dir", temp, *node],
                       check=True, capture_output=True)
        subprocess.run([ray_bin, "start", "--address", "127.0.0.1:6391", *node], check=True, capture_output=True)
        return subprocess.call([sys.executable, __file__, *argv, "--ray", "127.0.0.1:6391"])
    finally:
        subprocess.run([ray_bin, "stop", "--force"], capture_output=True)


def run_once(config_path: str, out: str, timings_path: str, ray_address: str | None) -> None:
    """The measured child: one streaming run, its per-block timings written as JSON."""
    from relecture.config import load_config
    from relecture.engine.local import worker_count
    from relecture.engine.stream import stream_run

    overrides = ["engine.stream=true"] + ([f"engine.ray.address={ray_address}"] if ray_address else [])
    config = load_config(config_path, overrides, {})
    timings: dict[str, object] = {}
    started = time.perf_counter()
    if ray_address:
        from relecture.engine.ray_engine import run_on_ray

        run_on_ray(config, Path(out), timings=timings)
    else:
        stream_run(config, Path(out), timings=timings)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    timings.update(wall=time.perf_counter() - started, workers=timings.get("workers", worker_count(config.workers)),
                   block_size=config.engine["block_size"], driver_cpu=usage.ru_utime + usage.ru_stime)
    Path(timings_path).write_text(json.dumps(timings))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_run":
        run_once(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        main()
