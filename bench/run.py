#!/usr/bin/env python3
"""`make bench`: our engine (stylize-bench) against the PyTorch reference (torch_ref.py), in one
session, so every ratio compares numbers measured minutes apart on the same loaded machine.

Writes out/bench.json and prints a Markdown table (also written to out/bench.md).
  bench/run.py [--threads 2] [--sizes 256,512,1024] [--evaluations 300] [--out out/bench.json]
Environment: STYLEFILTER_MODEL (default models/vgg16-imagenet.safetensors),
BENCH_IMAGES (default /work/shared/images), BENCH_BIN (default .build-test/release/stylize-bench: the test configuration, see the Makefile),
BENCH_STYLIZE (default .build/release/stylize, whose --help gives the default layers)."""
import argparse, json, os, platform, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_PY = "/usr/bin/python3"  # Debian's python3-torch lives here, not in the pyenv python


def sh(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    run = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if run.returncode != 0:
        sys.exit(f"{run.stderr.strip()}\nbench: the command above failed (exit {run.returncode})")
    return run.stdout


def last_json(text):
    return json.loads([l for l in text.splitlines() if l.startswith("{")][-1])


def ensure_torch():
    probe = subprocess.run([TORCH_PY, "-c", "import torch, numpy"], capture_output=True)
    if probe.returncode == 0:
        return
    print("bench: installing Debian's python3-torch (for /usr/bin/python3)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "install", "-y", "python3-torch", "python3-numpy"], check=True, env=env)


def our_defaults(stylize):
    """The default objective's settings, as `stylize --help` states them (one place: StyleOptions),
    for bench/torch_ref.py to optimise the same objective."""
    text = " ".join(sh([stylize, "--help"]).split())

    def value(flag):
        m = re.search(re.escape(flag) + r" <[^>]*> .*?\(default: ([^)]*)\)", text)
        if not m:
            sys.exit(f"bench: no default for {flag} in `stylize --help`")
        return m.group(1).replace(" ", "")
    return {"content_weight": value("--content-weight"), "style_weight": value("--style-weight"),
            "tv_weight": value("--tv-weight"), "style_layers": value("--style-layers"),
            "content_layer": value("--content-layers"), "pooling": value("--pooling"),
            "padding": value("--padding"), "style_scale": value("--style-scale")}


def layer_args(settings):
    """The network settings of `our_defaults` as bench/torch_ref.py's arguments."""
    return ["--style-layers", settings["style_layers"], "--content-layer", settings["content_layer"],
            "--pooling", settings["pooling"]]


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "load_average_at_start": os.getloadavg()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sizes", default="256,512,1024")
    p.add_argument("--evaluations", type=int, default=300)
    p.add_argument("--size", type=int, default=512, help="stylization size")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "bench.json"))
    a = p.parse_args()

    model = os.environ.get("STYLEFILTER_MODEL", os.path.join(ROOT, "models", "vgg16-imagenet.safetensors"))
    images = os.environ.get("BENCH_IMAGES", "/work/shared/images")
    ours = os.environ.get("BENCH_BIN", os.path.join(ROOT, ".build-test", "release", "stylize-bench"))
    stylize = os.environ.get("BENCH_STYLIZE", os.path.join(ROOT, ".build", "release", "stylize"))
    work = os.path.join(os.path.dirname(a.out), "bench")
    os.makedirs(work, exist_ok=True)
    ensure_torch()
    env = dict(os.environ, STYLEFILTER_MODEL=model)
    torch = [TORCH_PY, os.path.join(ROOT, "bench", "torch_ref.py")]
    t = str(a.threads)
    result = {"machine": machine(), "threads": a.threads, "model": os.path.basename(model),
              "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    # Inputs: tubingen fitted to the size, the style resized to exactly the content's size
    # (the tutorial objective's convention), both as 8-bit PPM so both sides read the same pixels.
    content = os.path.join(work, "content.ppm")
    style = os.path.join(work, "style.ppm")
    sh(["convert", os.path.join(images, "content", "tubingen.jpg"), "-resize", f"{a.size}x{a.size}", content])
    w, h = sh(["identify", "-format", "%w %h", content]).split()
    sh(["convert", os.path.join(images, "style", "starry_night_crop.png"), "-resize", f"{w}x{h}!", style])

    # 1. Seconds per iteration: network forward + backward to conv5_1 (square images).
    rows = []
    for size in [int(s) for s in a.sizes.split(",")]:
        reps = "2" if size >= 1024 else "3"
        o = last_json(sh([ours, "network", "--size", str(size), "--threads", t, "--repeats", reps], env=env))
        r = last_json(sh(torch + ["network", "--model", model, "--size", str(size), "--threads", t, "--repeats", reps]))
        rows.append({"size": size, "ours": o["seconds"], "pytorch": r["seconds"], "ratio": o["seconds"] / r["seconds"],
                     "ours_all": o["all"], "pytorch_all": r["all"]})
    result["per_iteration"] = rows

    # 2. Thread scaling at 512² (1 vs `threads`), both sides.
    scaling = {}
    for name, cmd in [("ours", [ours, "network", "--size", "512", "--repeats", "3"]),
                      ("pytorch", torch + ["network", "--model", model, "--size", "512", "--repeats", "3"])]:
        one = last_json(sh(cmd + ["--threads", "1"], env=env))["seconds"]
        many = last_json(sh(cmd + ["--threads", t], env=env))["seconds"]
        scaling[name] = {"1": one, t: many, "speedup": one / many}
    result["scaling"] = scaling

    # 3. End-to-end stylizations at 512 px.
    #  a. our default stylization (default objective and options): time, peak RSS, tutorial loss
    d = last_json(sh([ours, "stylize", "--content", content, "--style", style, "--size", str(a.size),
                      "--threads", t, "--out", os.path.join(work, "ours-default.ppm")], env=env))
    #  b. our default schedule on the tutorial objective with the tutorial's weights
    tw = ["--content-weight", "1", "--style-weight", "1e6", "--tv-weight", "0"]
    layers = layer_args(our_defaults(stylize))  # the layers stylize-bench uses: the defaults
    u = last_json(sh([ours, "stylize", "--content", content, "--style", style, "--size", str(a.size),
                      "--threads", t, "--objective", "tutorial", "--out", os.path.join(work, "ours-tutorial.ppm")] + tw,
                     env=env))
    #  b'. the same with a shorter schedule (5 iterations per scale instead of 24): how far below
    #      PyTorch's loss a much cheaper run still gets
    q = last_json(sh([ours, "stylize", "--content", content, "--style", style, "--size", str(a.size),
                      "--threads", t, "--objective", "tutorial", "--iterations", "5",
                      "--out", os.path.join(work, "ours-tutorial-short.ppm")] + tw, env=env))
    #  c. PyTorch: the tutorial's L-BFGS loop, `evaluations` full-resolution evaluations
    r = last_json(sh(torch + ["stylize", "--model", model, "--content", content, "--style", style, "--threads", t,
                              "--evaluations", str(a.evaluations), "--out", os.path.join(work, "pytorch-tutorial.ppm")] + tw + layers))
    #  d. A stronger reference: PyTorch's L-BFGS with its strong-Wolfe line search (the tutorial
    #     loop above has none and, with the tutorial's weights in Caffe units, ends in noise), and
    #     how long our default schedule, run longer, takes to reach its loss at full size.
    wr = last_json(sh(torch + ["stylize", "--model", model, "--content", content, "--style", style, "--threads", t,
                               "--evaluations", str(a.evaluations), "--line-search", "strong_wolfe",
                               "--out", os.path.join(work, "pytorch-wolfe.ppm")] + tw + layers))
    wo = last_json(sh([ours, "stylize", "--content", content, "--style", style, "--size", str(a.size),
                       "--threads", t, "--objective", "tutorial", "--iterations", "100",
                       "--target-loss", repr(wr["tutorial_loss"]),
                       "--out", os.path.join(work, "ours-tutorial-long.ppm")] + tw, env=env))
    result["stylize"] = {"ours_default": d, "ours_tutorial": u, "ours_tutorial_short": q,
                         "pytorch_tutorial": r, "pytorch_wolfe": wr, "ours_tutorial_long": wo,
                         "wolfe_time_to_target_ratio": (wo["seconds_to_target"] / wr["seconds"]
                                                        if wo["seconds_to_target"] is not None else None),
                         "default_time_ratio": d["seconds"] / r["seconds"],
                         "default_loss_ratio": d["tutorial_loss"] / r["tutorial_loss"],
                         "short_time_ratio": q["seconds"] / r["seconds"],
                         "short_loss_ratio": q["tutorial_loss"] / r["tutorial_loss"],
                         "time_ratio": u["seconds"] / r["seconds"],
                         "loss_ratio": u["tutorial_loss"] / r["tutorial_loss"]}
    for name in ["ours-default", "ours-tutorial", "ours-tutorial-short", "pytorch-tutorial",
                 "pytorch-wolfe", "ours-tutorial-long"]:
        sh(["convert", os.path.join(work, name + ".ppm"), os.path.join(work, name + ".png")])

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    table = render(result, a.evaluations)
    with open(os.path.splitext(a.out)[0] + ".md", "w") as f:
        f.write(table)
    print(table)


def render(r, evaluations):
    m = r["machine"]
    s = r["stylize"]
    out = [f"Machine: {m['cpu']}, {m['cores']} cores, load average at start {m['load_average_at_start'][0]:.2f}; "
           f"threads {r['threads']}; {r['started']}", "",
           "| measure | stylefilter | PyTorch 1.13 (oneDNN) | ratio |", "|---|---|---|---|"]
    for row in r["per_iteration"]:
        out.append(f"| s/iteration, VGG16 fwd+bwd to conv5_1, {row['size']}² | {row['ours']:.3f} | "
                   f"{row['pytorch']:.3f} | {row['ratio']:.2f}× |")
    sc = r["scaling"]
    t = str(r["threads"])
    out.append(f"| thread scaling at 512², 1 → {t} threads | {sc['ours']['speedup']:.2f}× "
               f"({sc['ours']['1']:.2f} → {sc['ours'][t]:.2f} s) | {sc['pytorch']['speedup']:.2f}× "
               f"({sc['pytorch']['1']:.2f} → {sc['pytorch'][t]:.2f} s) | |")
    u, p, d = s["ours_tutorial"], s["pytorch_tutorial"], s["ours_default"]
    out.append(f"| **time to quality**: default stylization, {d['width']}×{d['height']}, seconds "
               f"(target ≤ 0.1×) | {d['seconds']:.1f} ({d['per_scale']}) | {p['seconds']:.1f} "
               f"({p['evaluations']} L-BFGS evaluations, tutorial objective) | **{s['default_time_ratio']:.3f}×** |")
    out.append(f"| its tutorial-objective loss (weights 1, 1e6, 0; lower is better) | {d['tutorial_loss']:.4g} | "
               f"{p['tutorial_loss']:.4g} | {s['default_loss_ratio']:.3f}× |")
    out.append(f"| tutorial objective, {u['width']}×{u['height']}: seconds | {u['seconds']:.1f} "
               f"(default schedule: {u['per_scale']}) | {p['seconds']:.1f} ({p['evaluations']} L-BFGS evaluations) | "
               f"{s['time_ratio']:.3f}× |")
    out.append(f"| tutorial objective: loss reached | {u['tutorial_loss']:.4g} | {p['tutorial_loss']:.4g} | "
               f"{s['loss_ratio']:.3f}× |")
    q = s["ours_tutorial_short"]
    out.append(f"| tutorial objective, `--iterations 5`: seconds | {q['seconds']:.1f} ({q['per_scale']}) | "
               f"{p['seconds']:.1f} | {s['short_time_ratio']:.3f}× |")
    out.append(f"| `--iterations 5`: loss reached | {q['tutorial_loss']:.4g} | {p['tutorial_loss']:.4g} | "
               f"{s['short_loss_ratio']:.3f}× |")
    wr, wo = s["pytorch_wolfe"], s["ours_tutorial_long"]
    ratio = s["wolfe_time_to_target_ratio"]
    reached = (f"{wo['seconds_to_target']:.1f} s to reach it ({wo['per_scale']})" if ratio is not None
               else f"not reached in {wo['seconds']:.1f} s ({wo['per_scale']})")
    out.append(f"| stronger reference: PyTorch L-BFGS with strong-Wolfe line search, loss after "
               f"{wr['evaluations']} evaluations | {reached}; final loss {wo['tutorial_loss']:.4g} | "
               f"{wr['seconds']:.1f} s, loss {wr['tutorial_loss']:.4g} | "
               f"{'%.3f×' % ratio if ratio is not None else '—'} |")
    out.append(f"| peak RSS of a {u['width']}×{u['height']} stylization | {d['peak_rss_mb']:.0f} MiB (default), "
               f"{u['peak_rss_mb']:.0f} MiB (tutorial) | {p['peak_rss_mb']:.0f} MiB | |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
