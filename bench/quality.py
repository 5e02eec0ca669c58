#!/usr/bin/env python3
"""`make quality`: a fixed set of content × style pairs rendered with our default options and with a
strong PyTorch baseline at the same size, on one contact sheet, for looking and blind comparisons.

  bench/quality.py [--stylize .build/release/stylize] [--size 512] [--evaluations 300]
                   [--no-baseline] [--only example,tubingen-starry,…] [--out out/quality]

Pairs: the bundled examples always; the classic pairs from ../shared/images (or $QUALITY_IMAGES)
when that folder is there (never needed by `make test`). For Tübingen × Starry Night the sheet also
shows jcjohnson/neural-style's published result (the quality bar of issue 16).

The baseline (bench/torch_ref.py, Debian's python3-torch) optimises our default objective — the
weights, layers, padding and style scale are read from `stylize --help`, so it follows the
defaults — at the result's size in one piece from the content, with PyTorch's L-BFGS and
strong-Wolfe line search, for `--evaluations` evaluations (run long enough that its loss has
levelled off; see docs/quality.md). torch_ref.py gets the content and the style at their own size
and resizes them as the engine does, so both optimise one objective on the same pixels; the loss
of our saved result computed there agrees with the engine's --report to 0.1 % at 512 px, a few
tenths at smaller sizes (the engine's bfloat16 convolutions; docs/quality.md, "The two loss
columns"), for sizes up to the engine's --work-size (512): above it the engine's last stage runs in
tiles on other layers and reports their mean.
Its results are cached in out/quality/cache/, keyed by the inputs, the settings and torch_ref.py.

Writes OUT/<pair>/{ours,baseline}.png, OUT/sheet.png and OUT/quality.md (times, and both results'
losses on the default objective as PyTorch computes them)."""
import argparse, hashlib, json, os, shutil, sys, time

from run import ROOT, TORCH_PY, ensure_torch, last_json, layer_args, our_defaults, sh

EXAMPLES = os.path.join(ROOT, "examples")
REFERENCE = "reference/tubingen_starry_jcjohnson_vgg19_512.png"


def pairs(images):
    """(name, content, style, reference or None); the shared ones only when present."""
    out = [("example", os.path.join(EXAMPLES, "content.png"), os.path.join(EXAMPLES, "style.png"), None)]
    shared = [("tubingen-starry", "tubingen.jpg", "starry_night_crop.png", REFERENCE),
              ("golden_gate-scream", "golden_gate.jpg", "the_scream.jpg", None),
              ("hoover-matisse", "hoovertowernight.jpg", "woman-with-hat-matisse.jpg", None),
              ("tubingen-seated_nude", "tubingen.jpg", "seated-nude.jpg", None)]
    for name, content, style, reference in shared:
        c, s = os.path.join(images, "content", content), os.path.join(images, "style", style)
        if os.path.exists(c) and os.path.exists(s):
            r = os.path.join(images, reference) if reference else None
            out.append((name, c, s, r if r and os.path.exists(r) else None))
    return out


def decode(src, dst):
    """`src` as the engine reads it (first frame, oriented, sRGB, no alpha), at its own size, as a
    16-bit PPM: exact for 8- and 16-bit images. torch_ref.py --resize sizes it as the engine does."""
    sh(["convert", src + "[0]", "-auto-orient", "-alpha", "off", "-colorspace", "sRGB", "-depth", "16",
        "ppm:" + dst])


def ours(stylize, model, content, style, size, out):
    report = out + ".json"
    t0 = time.perf_counter()
    sh([stylize, content, "-s", style, "-o", out, "--size", str(size), "--quiet", "--report", report],
       env=dict(os.environ, STYLEFILTER_MODEL=model))
    seconds = time.perf_counter() - t0
    with open(report) as f:
        return {"seconds": seconds, "loss": json.load(f)["loss"]["total"]}


def torch_stylize(model, inputs, size, settings, evaluations, out, init=None):
    """bench/torch_ref.py on our default objective, the inputs resized to `size` as the engine
    resizes them; with evaluations 0, only `init`'s loss."""
    c, s = inputs
    extra = ["--init", init] if init else []
    return last_json(sh([TORCH_PY, os.path.join(ROOT, "bench", "torch_ref.py"), "stylize", "--model", model,
                         "--content", c, "--style", s, "--objective", "default", "--line-search", "strong_wolfe",
                         "--evaluations", str(evaluations), "--out", out, *extra, "--resize", str(size),
                         "--padding", settings["padding"], "--style-scale", settings["style_scale"],
                         "--content-weight", settings["content_weight"], "--style-weight", settings["style_weight"],
                         "--tv-weight", settings["tv_weight"], *layer_args(settings)]))


def loss_of(model, inputs, size, settings, image, work):
    """`image`'s loss on the default objective, as PyTorch computes it for the baseline (one
    implementation for both, on the same inputs; `image` must have the result's size). The image
    is read at its own depth (8 or 16 bits; a 16-bit PPM holds either exactly)."""
    ppm = os.path.join(work, "evaluate.ppm")
    sh(["convert", image + "[0]", "-alpha", "off", "-depth", "16", "ppm:" + ppm])
    return torch_stylize(model, inputs, size, settings, 0, os.path.join(work, "evaluated.ppm"),
                         init=ppm)["default_loss"]


def baseline(model, inputs, size, settings, evaluations, out, cache):
    key = hashlib.sha256()
    for path in (*inputs, os.path.join(ROOT, "bench", "torch_ref.py")):
        key.update(hashlib.sha256(open(path, "rb").read()).digest())
    key.update(json.dumps([model, size, settings, evaluations]).encode())
    os.makedirs(cache, exist_ok=True)
    cached = os.path.join(cache, key.hexdigest()[:20])
    if not os.path.exists(cached + ".json"):
        print(f"quality: PyTorch baseline, {evaluations} evaluations (cached afterwards)", file=sys.stderr)
        result = torch_stylize(model, inputs, size, settings, evaluations, cached + ".ppm")
        sh(["convert", cached + ".ppm", cached + ".png"])
        os.remove(cached + ".ppm")
        with open(cached + ".json", "w") as f:
            json.dump(result, f)
    shutil.copy(cached + ".png", out)
    with open(cached + ".json") as f:
        result = json.load(f)
    return {"seconds": result["seconds"], "loss": result["default_loss"]}


def sheet(rows, path, size):
    """One row per pair: content, style, ours, baseline (and the reference where there is one)."""
    tiles = []
    for name, content, style, reference, out in rows:
        cells = [(content, f"{name}: content"), (style, "style"), (out["ours"], "ours (default)")]
        if out.get("baseline"):
            cells.append((out["baseline"], "PyTorch baseline"))
        if reference:
            cells.append((reference, "jcjohnson/neural-style"))
        while len(cells) < 5:
            cells.append(("xc:white", ""))
        for image, label in cells:
            tiles += ["-label", label, image if image.startswith("xc:") else image + "[0]"]
    # ImageMagick's default font (Helvetica through Ghostscript) is often missing; Debian's DejaVu
    # (fonts-dejavu-core) is usually there. Without either, the sheet has no labels.
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if os.path.exists(font):
        tiles = ["-font", font, "-pointsize", "14", *tiles]
    else:
        tiles = [t for i, t in enumerate(tiles) if t != "-label" and (i == 0 or tiles[i - 1] != "-label")]
    sh(["montage", *tiles, "-tile", "5x", "-geometry", f"{size // 2}x{size // 2}+4+4", path])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stylize", default=os.path.join(ROOT, ".build", "release", "stylize"))
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--evaluations", type=int, default=300)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--only", help="comma-separated pair names (default: all there are)")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "quality"))
    a = p.parse_args()
    model = os.path.abspath(os.environ.get("STYLEFILTER_MODEL", os.path.join(ROOT, "models", "vgg16-imagenet.safetensors")))
    images = os.environ.get("QUALITY_IMAGES", os.path.join(ROOT, "..", "shared", "images"))
    settings = our_defaults(a.stylize)
    cache = os.path.join(a.out, "cache")
    rows, table = [], []
    if not a.no_baseline:
        ensure_torch()
    chosen = pairs(images)
    if a.only:
        chosen = [p for p in chosen if p[0] in a.only.split(",")]
    for name, content, style, reference in chosen:
        d = os.path.join(a.out, name)
        os.makedirs(d, exist_ok=True)
        out = {"ours": os.path.join(d, "ours.png")}
        o = ours(a.stylize, model, content, style, a.size, out["ours"])
        row = f"| {name} | {o['seconds']:.1f} s | {o['loss']:.4g} |"
        if not a.no_baseline:
            # Content and style at their own size: torch_ref.py resizes them as the engine does
            # (sizes and resampler; ImageMagick's -resize gave losses 0–90 % away, docs/quality.md).
            inputs = (os.path.join(d, "content.ppm"), os.path.join(d, "style.ppm"))
            decode(content, inputs[0])
            decode(style, inputs[1])
            out["baseline"] = os.path.join(d, "baseline.png")
            b = baseline(model, inputs, a.size, settings, a.evaluations, out["baseline"], cache)
            row += (f" {loss_of(model, inputs, a.size, settings, out['ours'], d):.4g} | {b['seconds']:.1f} s |"
                    f" {b['loss']:.4g} |")
        else:
            row += " – | – | – |"
        rows.append((name, content, style, reference, out))
        table.append(row)
        print(row, file=sys.stderr, flush=True)
    sheet(rows, os.path.join(a.out, "sheet.png"), a.size)
    lines = [f"# make quality ({time.strftime('%Y-%m-%d %H:%M')}, {a.size} px)", "",
             f"Baseline: PyTorch L-BFGS (strong Wolfe), {a.evaluations} evaluations, our default objective "
             f"({', '.join(f'{k} {v}' for k, v in settings.items())}); its time is from the run that "
             "filled the cache.", "",
             "| pair | ours: time | ours: loss (engine) | ours: loss (PyTorch) | baseline: time | baseline: loss |",
             "|---|---|---|---|---|---|", *table,
             "", "Losses: the default objective at the result's size. 'engine' is our --report (of the engine's float "
             "result); the other two are computed by bench/torch_ref.py (the same objective, mirrored border and all, "
             "on the inputs resized as the engine resizes them) of the saved images, so they compare directly, and "
             "ours twice checks that both implement one objective (they agree to 0.1 % at 512 px, a few tenths at "
             "smaller sizes, up to the engine's --work-size; above it the engine reports its tiles' mean). Lower "
             "fits the objective better; the eye decides which looks better.",
             "", f"Contact sheet: {os.path.join(a.out, 'sheet.png')}"]
    with open(os.path.join(a.out, "quality.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
