#!/usr/bin/env python3
"""Where a forward + backward pass of VGG16 (to conv5_1) spends its time: `perf record` on
`stylize-bench network`, the samples grouped into the shares issue 29's profile named (the GEMM's
multiply-adds, OpenBLAS's packing, the Winograd transforms, the rest). Prints a table.

    python3 bench/profile.py --bench .build-test/release/stylize-bench [--size 512] [--threads 2]

Needs `perf` (Debian: linux-perf) and STYLEFILTER_MODEL; the CPU and the kernel set are named."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

from run import machine  # bench/run.py, beside this script

GROUPS = [
    ("GEMM multiply-adds, the engine's kernel", re.compile(r"^sf_wk_block_")),
    ("GEMM multiply-adds, OpenBLAS", re.compile(r"^sgemm_(small_)?kernel")),
    ("OpenBLAS packing and scaling", re.compile(r"^sgemm_(itcopy|otcopy|incopy|oncopy|beta)")),
    ("Winograd input transform", re.compile(r"^sf_wk_input_|inputTransform")),
    ("Winograd output transform", re.compile(r"^sf_wk_output_|outputTransform")),
    ("Winograd weight transform", re.compile(r"^sf_wk_weights_|weightTransform")),
    ("ReLU, pooling, copies, reductions", re.compile(r"ReLU|Pool2x2|memset|memcpy|memmove|Reductions|im2col|tapPlanes")),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        run = subprocess.run(["perf", "record", "-q", "-o", data, args.bench, "network", "--size", str(args.size),
                              "--threads", str(args.threads), "--repeats", str(args.repeats)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"profile: perf record failed: {run.stderr.strip()[-400:]}")
        timing = json.loads(run.stdout.strip().splitlines()[-1])
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "--stdio",
                                 "--percent-limit", "0"], capture_output=True, text=True).stdout
    shares = {name: 0.0 for name, _ in GROUPS}
    other = 0.0
    for line in report.splitlines():
        m = re.match(r"\s+([0-9.]+)%\s+\[[.k]\]\s+(\S+)", line)
        if not m:
            continue
        share, symbol = float(m.group(1)), m.group(2)
        for name, pattern in GROUPS:
            if pattern.search(symbol):
                shares[name] += share
                break
        else:
            other += share
    print(f"VGG16 to conv5_1, forward + backward at {args.size}², {args.threads} threads; {machine()['cpu']}; "
          f"kernels: {timing.get('kernels', 'OpenBLAS')}; {timing['min_seconds']:.3f} s per pass (best of {args.repeats})")
    print(f"| where | share |\n|---|---|")
    for name, _ in GROUPS:
        if shares[name] > 0:
            print(f"| {name} | {shares[name]:.1f} % |")
    print(f"| everything else | {other:.1f} % |")


if __name__ == "__main__":
    main()
