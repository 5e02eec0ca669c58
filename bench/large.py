#!/usr/bin/env python3
"""`make bench-large` (part of `make bench`): full-resolution photos, as users run them.

  1. a 4000×3000 (12 MP) JPEG through `convert photo.jpg -process 'stylize style=…' out.jpg`
     with the module's default options (the host's size kept, default budget);
  2. a 6000×4000 (24 MP) JPEG through `stylize photo.jpg -s style --size full -o out.jpg`;
  3. for scale, the command's 512 px default on the same pair, in the same session.

Each is run from an installed copy (PREFIX, `make install`), with an empty HOME and the model
found beside the installation, as a user would; wall time, CPU time and the peak resident set size
of that process are measured by GNU time (/usr/bin/time). The photos are made from
tubingen.jpg (BENCH_IMAGES, default /work/shared/images) or, without it, from the bundled
examples/content.png, enlarged and cropped to the size; the style is starry_night_crop.png or
examples/style.png. Writes out/bench-large.json and out/bench-large.md.
  bench/large.py --prefix DIR [--out out/bench-large.json] [--only 12mp,24mp,512]"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from run import machine, sh  # bench/run.py, beside this script


def measured(cmd, env):
    """Runs cmd under GNU time; returns wall seconds, CPU seconds (user + system) and the peak
    resident set size in MiB of that one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        full = ["/usr/bin/time", "-o", t.name, "-f", "%e %U %S %M"] + cmd
        print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
        run = subprocess.run(full, env=env, text=True, capture_output=True)
        if run.returncode != 0:
            raise SystemExit(f"bench-large: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
        wall, user, system, kib = t.read().split()[-4:]
    return float(wall), float(user) + float(system), int(kib) / 1024.0


def ensure_gnu_time():
    if os.path.exists("/usr/bin/time"):
        return
    print("bench-large: installing Debian's time (GNU time, for peak RSS)", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "install", "-y", "time"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prefix", required=True, help="installation to run (make install PREFIX=…)")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "bench-large.json"))
    p.add_argument("--only", default="512,12mp,24mp")
    a = p.parse_args()
    wanted = a.only.split(",")
    ensure_gnu_time()

    images = os.environ.get("BENCH_IMAGES", "/work/shared/images")
    source = os.path.join(images, "content", "tubingen.jpg")
    style = os.path.join(images, "style", "starry_night_crop.png")
    if not (os.path.exists(source) and os.path.exists(style)):
        source, style = os.path.join(ROOT, "examples", "content.png"), os.path.join(ROOT, "examples", "style.png")
    work = os.path.join(os.path.dirname(os.path.abspath(a.out)), "bench-large")
    os.makedirs(work, exist_ok=True)
    prefix = os.path.abspath(a.prefix)
    stylize = os.path.join(prefix, "bin", "stylize")
    home = tempfile.mkdtemp(prefix="bench-home-")
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "MAGICK_CODER_FILTER_PATH": os.path.join(prefix, "lib", "stylefilter", "imagemagick")}
    if "STYLEFILTER_KERNELS" in os.environ:     # an A/B of kernel sets in one session (bench/README.md)
        env["STYLEFILTER_KERNELS"] = os.environ["STYLEFILTER_KERNELS"]

    def photo(width, height):
        path = os.path.join(work, f"photo-{width}x{height}.jpg")
        if not os.path.exists(path):
            sh(["convert", source, "-resize", f"{width}x{height}^", "-gravity", "center",
                "-crop", f"{width}x{height}+0+0", "+repage", "-quality", "92", path])
        return path

    result = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
              "kernels": os.environ.get("STYLEFILTER_KERNELS", "the CPU's fastest"),
              "content": os.path.basename(source), "style": os.path.basename(style), "runs": {}}
    plan = [
        ("512", "command, default (512 px)", lambda out: [stylize, photo(1024, 768), "-s", style, "-o", out, "--quiet"]),
        ("12mp", "`convert -process`, 4000×3000, default options",
         lambda out: ["convert", photo(4000, 3000), "-process", f"stylize style={style}", out]),
        ("24mp", "command, 6000×4000, `--size full`",
         lambda out: [stylize, photo(6000, 4000), "-s", style, "--size", "full", "-o", out, "--quiet"]),
    ]
    for key, what, command in plan:
        if key not in wanted:
            continue
        out = os.path.join(work, f"out-{key}.jpg")
        wall, cpu, rss = measured(command(out), env)
        size = sh(["identify", "-format", "%w×%h", out])
        result["runs"][key] = {"what": what, "seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": rss,
                               "output": size}
        print(f"bench-large: {what}: {wall:.1f} s, peak RSS {rss:.0f} MiB, {size}", file=sys.stderr, flush=True)

    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    m = result["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, load average at start {m['load_average_at_start'][0]:.2f}; "
             f"{result['started']}; {result['content']} × {result['style']}", "",
             "| run | result | seconds (wall) | CPU seconds | peak RSS | × the 512 px run |", "|---|---|---|---|---|---|"]
    base = result["runs"].get("512", {}).get("seconds")
    for r in result["runs"].values():
        ratio = f"{r['seconds'] / base:.1f}×" if base else "—"
        lines.append(f"| {r['what']} | {r['output']} | {r['seconds']:.1f} ({r['seconds'] / 60:.1f} min) | "
                     f"{r['cpu_seconds']:.0f} | {r['peak_rss_mib']:.0f} MiB | {ratio} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
