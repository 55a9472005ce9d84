"""Time to load a large generated data folder, with libyaml's C parser and with the pure-Python one.

Issue 18: 50 MB of proposals took 200 s with the pure-Python parser and said nothing meanwhile.
The loader now uses yaml.CSafeLoader where PyYAML has it (igviz.safeyaml), with the same checks
(alias bombs, duplicate keys, depth), and `igviz check` prints progress on big folders. This
prints the load time of a folder of copies of the bundled proposals (median and p95 over a few
runs), the same with the pure-Python parser, and how long an alias bomb takes to be refused.

    python benchmarks/bench_loader.py [--proposals 2000] [--repeat 3] [--no-python]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

import igviz
from igviz import safeyaml
from igviz.errors import DataValidationError


def generate(folder: Path, copies: int) -> int:
    """`copies` proposals beside the bundled data: the bundled ones under new ids. Returns bytes written."""
    (folder / "proposals").mkdir(parents=True)
    # Proposals the evidence rules exempt by id (a designed composite) would fail under a new id.
    exempt = set(getattr(igviz.load_dataset().scale, "evidence_exempt", ()))
    originals = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((igviz.BUNDLED_DATA / "proposals").glob("*.yaml"))
                 if p.stem not in exempt]
    written = 0
    for i in range(copies):
        stem, text = originals[i % len(originals)]
        new_id = f"{stem}_g{i:05d}"
        # The id is the first `id:` line of the file; short names must stay unique-ish but need not.
        text = text.replace(f"id: {stem}\n", f"id: {new_id}\n", 1)
        path = folder / "proposals" / f"{new_id}.yaml"
        path.write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
    return written


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(label: str, samples: list[float], megabytes: float | None = None) -> None:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]
    rate = f"   {megabytes / statistics.median(s):6.1f} MB/s" if megabytes else ""
    print(f"{label:<48} median {statistics.median(s):8.3f} s   p95 {p95:8.3f} s   (n={len(s)}){rate}")


def bomb(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n"
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-python", action="store_true", help="skip the (slow) pure-Python parser")
    args = ap.parse_args()
    print(f"PyYAML {__import__('yaml').__version__}, libyaml C parser available: {safeyaml.C_LOADER}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    report("bundled data", timed(igviz.load_dataset, 5))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        size = generate(folder, args.proposals) / 1e6
        print(f"generated {args.proposals:,} proposals, {size:.1f} MB")
        load = lambda: igviz.load_dataset(igviz.BUNDLED_DATA, folder)
        data = load()
        assert len(data.proposals) >= args.proposals
        report(f"{size:.0f} MB folder, C parser" if safeyaml.C_LOADER else f"{size:.0f} MB folder, Python parser",
               timed(load, args.repeat), size)
        if safeyaml.C_LOADER and not args.no_python:
            # Data files are read with the tracking loader (see igviz.safeyaml.ReadDict).
            fast = safeyaml.TrackingLoader
            safeyaml.TrackingLoader = safeyaml.make_loader(yaml.SafeLoader, track=True)
            try:
                report(f"{size:.0f} MB folder, pure-Python parser", timed(load, 1), size)
            finally:
                safeyaml.TrackingLoader = fast
        yaml_only = lambda: [safeyaml.load_file(p, track=True) for p in sorted((folder / "proposals").glob("*.yaml"))]
        report(f"  of which reading the YAML (C parser)" if safeyaml.C_LOADER else "  of which reading the YAML",
               timed(yaml_only, args.repeat), size)
    text = bomb()
    def refuse():
        try:
            safeyaml.loads(text)
        except safeyaml.YamlProblem:
            return
        raise AssertionError("the alias bomb was not refused")
    report(f"refuse a {len(text)}-byte alias bomb (10^9 values)", timed(refuse, 20))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mine" / "proposals" / "bomb.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        def refuse_in_loader():
            try:
                igviz.load_dataset(igviz.BUNDLED_DATA, path.parent.parent)
            except DataValidationError:
                return
            raise AssertionError("the alias bomb was not refused")
        report("load a folder holding that bomb (refused)", timed(refuse_in_loader, 5))


if __name__ == "__main__":
    main()
