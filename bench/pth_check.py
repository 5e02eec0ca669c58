#!/usr/bin/env python3
"""`make pth-check`: the .pth importer end to end on real weights, without downloading
torchvision's files. The default VGG16 is written as a torchvision state dict, in both of
torch.save's containers (bench/torchvision_vgg16.py, with Debian's python3-torch, installed if
missing), imported back with `stylize model import`, and the bundled example is stylized with
the imported model and with the default one. The two results must agree (mean absolute
difference below 0.1 of the range; they differ at the borders, where the two conventions pad
differently, and by the optimisation's sensitivity) while both differ from the content."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import TORCH_PY, ensure_torch, sh  # noqa: E402

ROOT = os.path.dirname(HERE)


def mae(a, b):
    r = subprocess.run(["compare", "-metric", "MAE", a, b, "null:"], capture_output=True, text=True)
    return float(r.stderr.split("(")[1].split(")")[0])


def main():
    stylize = os.environ.get("BENCH_STYLIZE", os.path.join(ROOT, ".build/release/stylize"))
    model = os.path.join(ROOT, "models/vgg16-imagenet.safetensors")
    ensure_torch()
    work = tempfile.mkdtemp(prefix="pth-check.")
    example = [os.path.join(ROOT, "examples/content.png"), "-s", os.path.join(ROOT, "examples/style.png"),
               "--size", "256", "--quiet"]
    reference = os.path.join(work, "default.png")
    sh([stylize] + example + ["-o", reference, "--model", model])
    content = os.path.join(work, "content.png")
    sh(["convert", os.path.join(ROOT, "examples/content.png"), "-resize", "256x256", content])
    failed = False
    for container in ["zip", "legacy"]:
        pth = os.path.join(work, f"vgg16-{container}.pth")
        sh([TORCH_PY, os.path.join(HERE, "torchvision_vgg16.py"), "--model", model, "--out", pth]
           + (["--legacy"] if container == "legacy" else []))
        imported = os.path.join(work, f"vgg16-{container}.safetensors")
        sh([stylize, "model", "import", pth, "-o", imported, "--quiet"])
        print(sh([stylize, "model", "info", imported]).strip())
        out = os.path.join(work, f"{container}.png")
        sh([stylize] + example + ["-o", out, "--model", imported])
        between, moved = mae(out, reference), mae(out, content)
        ok = between < 0.1 and moved > 2 * between
        failed |= not ok
        print(f"pth-check: {container} container: result vs the default model's {between:.4f}, "
              f"vs the content {moved:.4f}: {'ok' if ok else 'FAILED'}")
    print(f"pth-check: files in {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
