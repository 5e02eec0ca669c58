#!/usr/bin/env python3
"""`--preview on` against the full run, and against other quick runs (bench/README.md, "Preview").

usage: bench/preview.py STYLIZE IMAGES OUTDIR [ROUNDS]

IMAGES is the directory of the classic test images (content/, style/). Each pair below is run with
every candidate (the full default run first); further rounds repeat the first pair, alternating the
candidates. Per run: wall seconds and the CPU seconds of the process (user + system). Each run's
ratio is to the full run of its own round, minutes apart; the table gives medians over the rounds.

Closeness to the full result: each candidate's image is upsampled to the full result's size
(ImageMagick, triangle filter; `--preview on` is already that size), then
- composition: both reduced to 128 px (longest side), mean absolute difference in 8-bit levels and
  the mean SSIM of their luminance over 7×7 windows;
- palette, at full size: the distance between the mean colours (8-bit RGB) and half the L1 distance
  between their colour histograms (8 bins per channel: 0 same colours, 1 none in common).
The content photo itself is compared too, as the far end of each scale.
Candidates can be replaced with CANDIDATES='{"name": ["--flag", "value", …], …}' ("full" first).
Needs numpy and ImageMagick's convert/identify.
"""
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

PAIRS = [
    ("tubingen", "content/tubingen.jpg", "style/starry_night_crop.png"),
    ("goldengate", "content/golden_gate.jpg", "style/the_scream.jpg"),
    ("hoover", "content/hoovertowernight.jpg", "style/woman-with-hat-matisse.jpg"),
]
CANDIDATES = json.loads(os.environ.get("CANDIDATES", "null")) or {
    "full": [],
    "preview": ["--preview", "on"],
    "size256": ["--size", "256"],
}


def read_ppm(path):
    data = open(path, "rb").read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(m.group(1)), int(m.group(2))
    return np.frombuffer(data[m.end() : m.end() + w * h * 3], np.uint8).reshape(h, w, 3).astype(np.float64)


def magick(src, dst, *ops):
    subprocess.run(["convert", src, *ops, "-strip", "-depth", "8", dst], check=True)


def ssim(a, b):
    """Mean SSIM of the luminances (0…255) over 7×7 windows."""

    def box(x):
        k = 7
        c = np.cumsum(np.cumsum(np.pad(x, ((1, 0), (1, 0))), 0), 1)
        return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)

    la, lb = [x @ [0.299, 0.587, 0.114] for x in (a, b)]
    ma, mb = box(la), box(lb)
    va, vb = box(la * la) - ma**2, box(lb * lb) - mb**2
    cov = box(la * lb) - ma * mb
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float(np.mean((2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))))


def histogram(x, bins=8):
    q = np.minimum((x / 256 * bins).astype(int), bins - 1).reshape(-1, 3)
    h = np.bincount(q[:, 0] * bins * bins + q[:, 1] * bins + q[:, 2], minlength=bins**3)
    return h / h.sum()


def compare(full_png, other, work):
    w, h = [int(v) for v in subprocess.check_output(["identify", "-format", "%w %h", full_png]).split()]
    magick(full_png, f"{work}/a.ppm")
    magick(other, f"{work}/b.ppm", "-filter", "Triangle", "-resize", f"{w}x{h}!")
    magick(full_png, f"{work}/a128.ppm", "-resize", "128x128")
    magick(f"{work}/b.ppm", f"{work}/b128.ppm", "-resize", "128x128")
    a, b = read_ppm(f"{work}/a.ppm"), read_ppm(f"{work}/b.ppm")
    a128, b128 = read_ppm(f"{work}/a128.ppm"), read_ppm(f"{work}/b128.ppm")
    return {
        "mad128": float(np.mean(np.abs(a128 - b128))),
        "ssim128": ssim(a128, b128),
        "mean_color": float(np.linalg.norm(a.reshape(-1, 3).mean(0) - b.reshape(-1, 3).mean(0))),
        "hist": float(0.5 * np.abs(histogram(a) - histogram(b)).sum()),
    }


def run(stylize, images, out, pair, content, style, name, args):
    png, report = f"{out}/{pair}-{name}.png", f"{out}/{pair}-{name}.json"
    start = time.monotonic()
    p = subprocess.Popen(
        [stylize, f"{images}/{content}", "-s", f"{images}/{style}", "-o", png, "--quiet", "--report", report, *args]
    )
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"{pair} {name}: stylize failed")
    engine = json.load(open(report))["seconds"]
    return wall, engine, usage.ru_utime + usage.ru_stime


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    stylize, images, out = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) == 5 else 3
    os.makedirs(out, exist_ok=True)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"{cpu}, {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    times = {}  # (pair, name) → [(wall, engine, cpu)], one per round
    for r in range(rounds):
        for pair, content, style in PAIRS if r == 0 else PAIRS[:1]:
            for name, args in CANDIDATES.items():
                t = run(stylize, images, out, pair, content, style, name, args)
                times.setdefault((pair, name), []).append(t)
                print(f"  {pair} {name}: {t[0]:.1f} s wall, {t[1]:.1f} s engine, {t[2]:.1f} s CPU, "
                      f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    print(f"\n{rounds} rounds of {PAIRS[0][0]}, 1 of the others; medians")
    print("\n| pair | run | wall s | CPU s | ratio to full (wall, CPU) | difference at 128 px | SSIM at 128 px "
          "| mean colour Δ | histogram distance |")
    print("|---|---|---|---|---|---|---|---|---|")
    median = lambda values: float(np.median(values))
    for pair, content, _ in PAIRS:
        full = f"{out}/{pair}-full.png"
        rows = [(n, times[(pair, n)], compare(full, f"{out}/{pair}-{n}.png", out)) for n in CANDIDATES]
        rows.append(("(content photo)", None, compare(full, f"{images}/{content}", out)))
        for name, t, m in rows:
            f = times[(pair, "full")]
            timing = (f"{median([x[0] for x in t]):.1f} | {median([x[2] for x in t]):.1f} | "
                      f"{median([x[0] / y[0] for x, y in zip(t, f)]):.2f}×, "
                      f"{median([x[2] / y[2] for x, y in zip(t, f)]):.2f}×" if t else " | | ")
            print(f"| {pair} | {name} | {timing} | {m['mad128']:.1f} | {m['ssim128']:.3f} | {m['mean_color']:.1f} "
                  f"| {m['hist']:.3f} |")


main()
