#!/usr/bin/python3
"""PyTorch reference for `make bench`: the same VGG16 weights (read from stylefilter's safetensors
file with struct/json/numpy only), the Caffe input convention, the tutorial objective of docs/objective.md or (--objective default)
stylefilter's own default objective, for `make quality`'s baseline.

  torch_ref.py network --model M --size N --threads T [--repeats R]
  torch_ref.py stylize --model M --content a.ppm --style b.ppm --threads T [--evaluations 300]
                       [--line-search strong_wolfe] [--objective tutorial|default] [--log-every N]
                       [--init start.ppm] --style-layers name:weight,… --content-layer name
                       [--pooling max|avg]
                       [--content-weight 1] [--style-weight 1e6] [--tv-weight 0] [--out x.ppm]

Each prints one JSON object. Runs under Debian's /usr/bin/python3 (python3-torch)."""
import argparse, json, resource, struct, sys, time

import numpy as np
import torch
import torch.nn.functional as F

VGG16 = [2, 2, 3, 3, 3]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"]).copy()
    return meta, tensors


class VGG:
    """VGG16 convolutions up to `depth` (a paper name), max or average pooling, features after each ReLU."""

    def __init__(self, model_path, depth="conv5_1", pooling="max"):
        self.pool = F.max_pool2d if pooling == "max" else F.avg_pool2d
        meta, t = read_safetensors(model_path)
        assert meta.get("architecture") == "vgg16", meta.get("architecture")
        self.mean = torch.tensor([float(v) for v in meta["input.mean"].split(",")]).view(1, 3, 1, 1)
        self.scale = float(meta["input.scale"])
        stds = [float(v) for v in meta.get("input.std", "1,1,1").split(",")]
        assert len(set(stds)) == 1, "per-channel std is not needed by the bundled model"
        self.std = stds[0]
        self.bgr = meta["input.order"] == "bgr"
        self.layers = []  # (name or "pool", weight, bias)
        done = False
        for b, n in enumerate(VGG16):
            if b > 0:
                self.layers.append(("pool", None, None))
            for c in range(1, n + 1):
                name = f"conv{b + 1}_{c}"
                self.layers.append((name, torch.from_numpy(t[name + ".weight"]),
                                    torch.from_numpy(t[name + ".bias"])))
                if name == depth:
                    done = True
                    break
            if done:
                break

    def to_model(self, rgb):  # rgb: 3×H×W in 0…1 → 1×3×H×W in the model's convention
        x = rgb[[2, 1, 0]] if self.bgr else rgb
        return (x.unsqueeze(0) * self.scale - self.mean) / self.std

    def bounds(self):
        lo = (0 - self.mean) / self.std
        hi = (self.scale - self.mean) / self.std
        return lo, hi

    def features(self, x, wanted):
        out = {}
        for name, w, b in self.layers:
            if name == "pool":
                x = self.pool(x, 2, 2)
            else:
                x = F.relu(F.conv2d(x, w, b, padding=1))
                if name in wanted:
                    out[name] = x
        return out, x


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts, pos = [], 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    # 8-bit, or 16-bit big-endian (maxval 65535: the exact result of a 16-bit run).
    assert parts[0] == b"P6" and parts[3] in (b"255", b"65535")
    w, h, maxval = int(parts[1]), int(parts[2]), int(parts[3])
    kind = np.uint8 if maxval == 255 else np.dtype(">u2")
    pix = np.frombuffer(data[pos + 1:], dtype=kind, count=3 * w * h).reshape(h, w, 3)
    return torch.from_numpy(pix.astype(np.float32) / maxval).permute(2, 0, 1).contiguous()


def write_ppm(rgb, path):
    a = (rgb.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).contiguous().numpy()
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (a.shape[1], a.shape[0]))
        f.write(a.tobytes())


def gram(f):
    c = f.shape[1]
    m = f.view(c, -1)
    return m @ m.t()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_network(a):
    vgg = VGG(a.model)
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(1, 3, a.size, a.size, generator=g) * 255 - 120).requires_grad_(True)

    def iteration():
        x.grad = None
        _, out = vgg.features(x, ())
        out.backward(out.detach() * 1e-3)

    iteration()
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        iteration()
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"command": "network", "size": a.size, "threads": torch.get_num_threads(),
                      "seconds": times[len(times) // 2], "min_seconds": times[0], "all": times,
                      "peak_rss_mb": peak_rss_mb(), "torch": torch.__version__}))


class Objective:
    """What both objectives share: the content target at `content_layer`, the style targets (Grams,
    by the subclass's `gram`) at `style_layers`, and the squared-neighbour-difference sum for TV."""

    def __init__(self, vgg, content, style, alpha, beta, gamma, style_layers, content_layer):
        self.vgg, self.alpha, self.beta, self.gamma = vgg, alpha, beta, gamma
        self.style_layers, self.content_layer = style_layers, content_layer
        self.wanted = set(style_layers) | {content_layer}
        with torch.no_grad():
            fc, _ = vgg.features(vgg.to_model(content), self.wanted)
            fs, _ = vgg.features(vgg.to_model(style), self.wanted)
            self.p = fc[content_layer].detach()
            self.a = {k: self.gram(fs[k]).detach() for k in style_layers}

    @staticmethod
    def neighbour_differences(x):
        return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum()


class Tutorial(Objective):
    """The tutorial objective (docs/objective.md): α·mean((F−P)²) at conv4_2 + β·Σ w_l·mean((G−A)²)/(C·H·W)
    with un-normalised Grams + γ·Σ squared neighbour differences; style resized to the content's size."""

    gram = staticmethod(gram)

    def __call__(self, x):
        f, _ = self.vgg.features(x, self.wanted)
        content = torch.mean((f[self.content_layer] - self.p) ** 2)
        style = 0
        for k, w in self.style_layers.items():
            _, c, h, ww = f[k].shape
            style = style + w * torch.mean((gram(f[k]) - self.a[k]) ** 2) / (c * h * ww)
        total = self.alpha * content + self.beta * style
        if self.gamma:
            total = total + self.gamma * self.neighbour_differences(x)
        return total, content, style


class Standard(Objective):
    """stylefilter's default objective (docs/objective.md): α·‖F−P‖²/‖P‖² at conv4_2 + β·Σ ŵ_l·‖G−A‖²/‖A‖²
    with G = FFᵀ/(H·W) and ŵ the style-layer weights normalised to sum 1 + γ·(mean squared
    neighbour difference in 0…1 units: Σ d²·(σ/κ)²/(3·H·W)). The style may have any size."""

    def __init__(self, vgg, content, style, *args):
        super().__init__(vgg, content, style, *args)
        total_weight = sum(self.style_layers.values())
        self.weights = {k: w / total_weight for k, w in self.style_layers.items()}
        self.p_energy = (self.p ** 2).sum()
        self.a_energy = {k: (g ** 2).sum() for k, g in self.a.items()}
        _, _, h, w = content.unsqueeze(0).shape
        unit = vgg.std / vgg.scale
        self.tv_norm = unit * unit / (3 * h * w)

    @staticmethod
    def gram(f):
        return gram(f) / (f.shape[2] * f.shape[3])

    def __call__(self, x):
        f, _ = self.vgg.features(x, self.wanted)
        content = ((f[self.content_layer] - self.p) ** 2).sum() / self.p_energy
        style = 0
        for k, w in self.weights.items():
            style = style + w * ((self.gram(f[k]) - self.a[k]) ** 2).sum() / self.a_energy[k]
        total = self.alpha * content + self.beta * style
        if self.gamma:
            total = total + self.gamma * self.tv_norm * self.neighbour_differences(x)
        return total, content, style


def cmd_stylize(a):
    if not a.style_layers or not a.content_layer:
        sys.exit("torch_ref.py stylize: --style-layers and --content-layer are required")
    layers = {n: float(w) for n, w in (item.split(":") for item in a.style_layers.split(","))}
    deepest = max([*layers, a.content_layer], key=lambda n: tuple(int(v) for v in n[4:].split("_")))
    vgg = VGG(a.model, depth=deepest, pooling=a.pooling)
    content, style = read_ppm(a.content), read_ppm(a.style)
    if a.objective == "tutorial":
        assert content.shape == style.shape, "bench/run.py resizes the style to the content's size"
    kind = Tutorial if a.objective == "tutorial" else Standard
    objective = kind(vgg, content, style, a.content_weight, a.style_weight, a.tv_weight, layers, a.content_layer)
    lo, hi = vgg.bounds()
    t0 = time.perf_counter()
    # The PyTorch tutorial's loop: LBFGS with its defaults (or, with --line-search strong_wolfe,
    # PyTorch's own line search), the image clamped into the valid box before each evaluation,
    # stopped after `evaluations` closure calls.
    start = read_ppm(a.init) if a.init else content
    assert start.shape == content.shape, "--init must have the content's size"
    x = vgg.to_model(start).clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], line_search_fn=a.line_search)
    run = [0]
    while run[0] < a.evaluations:
        def closure():
            with torch.no_grad():
                x.copy_(torch.max(torch.min(x, hi), lo))
            opt.zero_grad()
            total, _, _ = objective(x)
            total.backward()
            run[0] += 1
            if a.log_every and run[0] % a.log_every == 0:
                print(f"evaluation {run[0]}: loss {total.item():.6g}", file=sys.stderr, flush=True)
            return total
        opt.step(closure)
    with torch.no_grad():
        x.copy_(torch.max(torch.min(x, hi), lo))
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        total, c, s = objective(x)
    rgb = (x.detach()[0] * vgg.std + vgg.mean[0]) / vgg.scale
    if vgg.bgr:
        rgb = rgb[[2, 1, 0]]
    if a.out:
        write_ppm(rgb, a.out)
    print(json.dumps({"command": "stylize", "width": content.shape[2], "height": content.shape[1],
                      "threads": torch.get_num_threads(), "evaluations": run[0], "seconds": seconds,
                      "line_search": a.line_search or "none", "objective": a.objective,
                      f"{a.objective}_loss": total.item(), f"{a.objective}_content": c.item(),
                      f"{a.objective}_style": s.item(), "peak_rss_mb": peak_rss_mb()}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["network", "stylize"])
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--content"), p.add_argument("--style"), p.add_argument("--out")
    p.add_argument("--evaluations", type=int, default=300)
    p.add_argument("--line-search", choices=["strong_wolfe"], default=None)
    p.add_argument("--objective", choices=["tutorial", "default"], default="tutorial")
    # The layers are stylefilter's defaults, which bench/run.py reads from `stylize --help`.
    p.add_argument("--style-layers", help="name:weight,… (stylize only)")
    p.add_argument("--content-layer", help="(stylize only)")
    p.add_argument("--pooling", choices=["max", "avg"], default="max")
    p.add_argument("--init", help="starting image (default: the content); with --evaluations 0, "
                   "only its loss is computed")
    p.add_argument("--log-every", type=int, default=0, help="print the loss every N evaluations (stderr)")
    p.add_argument("--content-weight", type=float, default=1.0)
    p.add_argument("--style-weight", type=float, default=1e6)
    p.add_argument("--tv-weight", type=float, default=0.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(True)
    {"network": cmd_network, "stylize": cmd_stylize}[a.command](a)


if __name__ == "__main__":
    main()
