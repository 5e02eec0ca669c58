#!/usr/bin/python3
"""PyTorch reference for `make bench`: the same VGG16 weights (read from stylefilter's safetensors
file with struct/json/numpy only), the Caffe input convention, the tutorial objective of docs/objective.md or (--objective default)
stylefilter's own default objective exactly as the engine computes it (mirrored border, interior
masks, the style's edge margins, the engine's resampler with --resize), for `make quality`'s
baseline and loss column.

  torch_ref.py network --model M --size N --threads T [--repeats R]
  torch_ref.py stylize --model M --content a.ppm --style b.ppm --threads T [--evaluations 300]
                       [--line-search strong_wolfe] [--objective tutorial|default] [--log-every N]
                       [--init start.ppm] --style-layers name:weight,… --content-layer name
                       [--pooling max|avg] [--padding mirror|zero] [--resize N [--style-scale X]]
                       [--content-weight 1] [--style-weight 1e6] [--tv-weight 0] [--out x.ppm]

With --resize N the content and the style are taken at their own size (a 16-bit PPM holds an
8-bit or 16-bit image exactly) and resized here as the engine resizes them (`Resample`: the
content to longest side N, the style to longest side N × --style-scale, or with the tutorial
objective to the content's size); without it they are used as given.

Each prints one JSON object. Runs under Debian's /usr/bin/python3 (python3-torch)."""
import argparse, json, math, resource, struct, sys, time

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


def round_half_away(v):
    """Swift's `rounded()` (to nearest, halves away from zero) for v ≥ 0; Python's round() takes
    halves to even."""
    whole = math.floor(v)
    return whole + 1 if v - whole >= 0.5 else whole


def fit(width, height, longest):
    """The engine's `Resample.fit`: the size whose longest side is `longest`, aspect kept."""
    if width >= height:
        return longest, max(1, round_half_away(height * longest / width))
    return max(1, round_half_away(width * longest / height)), longest


def style_longest(longest, style_scale):
    """The engine's `StylizeRun.scaled`: a style's longest side at a scale of longest side
    `longest` (a float product, as the engine's), at least 16 px."""
    return max(16, round_half_away(float(np.float32(longest) * np.float32(style_scale))))


def resample_matrix(n, m):
    """The engine's `Resample.weights` from n samples to m as an m × n matrix: a triangle (bilinear)
    filter, widened by the reduction factor when shrinking, each row's weights normalised to 1."""
    scale = n / m
    support = max(1.0, scale)
    out = np.zeros((m, n), dtype=np.float32)
    for i in range(m):
        center = (i + 0.5) * scale - 0.5
        lo, hi = max(0, math.ceil(center - support)), min(n - 1, math.floor(center + support))
        taps = [max(0.0, 1 - abs(j - center) / support) for j in range(lo, hi + 1)]
        total = sum(taps)
        if total <= 0:  # between source samples at the edge: the nearest one
            out[i, min(n - 1, max(0, round_half_away(center)))] = 1
        else:
            out[i, lo:hi + 1] = np.array(taps, dtype=np.float32) / np.float32(total)
    return torch.from_numpy(out)


def resample(rgb, width, height):
    """`rgb` (3×H×W) resized to width × height as the engine's `Resample.resize` does (rows first,
    then columns; the same weights, summed in another order)."""
    _, h, w = rgb.shape
    if (w, h) == (width, height):
        return rgb
    horizontal, vertical = resample_matrix(w, width), resample_matrix(h, height)
    return torch.einsum("yh,chw,xw->cyx", vertical, rgb, horizontal).contiguous()


def gram(f):
    c = f.shape[1]
    m = f.reshape(c, -1)
    return m @ m.t()


def block_and_index(name):
    """(4, 2) for conv4_2."""
    b, c = name[4:].split("_")
    return int(b), int(c)


def stride(name):
    """Input pixels per position of a VGG layer: 2 to the power of the poolings before it."""
    return 1 << (block_and_index(name)[0] - 1)


def edge_margin(name):
    """The engine's `StageTargets.edgeMargin`: from conv4_1 on, the positions at each edge of a
    feature map whose receptive field reaches the zero padding (the radius grows by the current
    stride at each 3×3 convolution and each 2×2 pooling); 0 before conv4_1."""
    block, index = block_and_index(name)
    if block < 4:
        return 0
    radius, step = 0, 1
    for b, n in enumerate(VGG16):
        if b > 0:
            radius += step
            step *= 2
        for c in range(1, n + 1):
            radius += step
            if (b + 1, c) == (block, index):
                return -(-radius // step)
    raise ValueError(name)


def reflect(i, count):
    """The engine's `ReflectedBorder.reflect`: the index in 0..<count that position i mirrors
    (reflect-101, folded again for sides shorter than the border)."""
    if count <= 1:
        return 0
    period = 2 * (count - 1)
    j = i % period
    return j if j < count else period - j


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
    by the subclass's `style_targets`) at `style_layers`, and the squared-neighbour-difference sum for TV."""

    def __init__(self, vgg, content, style, alpha, beta, gamma, style_layers, content_layer):
        self.vgg, self.alpha, self.beta, self.gamma = vgg, alpha, beta, gamma
        self.style_layers, self.content_layer = style_layers, content_layer
        self.wanted = set(style_layers) | {content_layer}
        with torch.no_grad():
            self.p = self.content_target(vgg.to_model(content)).detach()
            self.a = {k: g.detach() for k, g in self.style_targets(vgg.to_model(style)).items()}

    def content_target(self, c):
        f, _ = self.vgg.features(c, {self.content_layer})
        return f[self.content_layer]

    def style_targets(self, s):
        f, _ = self.vgg.features(s, set(self.style_layers))
        return {k: self.gram(f[k]) for k in self.style_layers}

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
    """stylefilter's default objective (docs/objective.md), as the engine computes it:
    α·Σm(F−P)²/Σm·P² at the content layer + β·Σ ŵ_l·‖G−A‖²/‖A‖² with ŵ the style-layer weights
    normalised to sum 1 + γ·(mean squared neighbour difference in 0…1 units: Σ d²·(σ/κ)²/(3·H·W)).

    - `border` (the engine's `--padding mirror`, 16 px; 0 is `--padding zero`): the network sees
      x mirrored `border` px outwards (reflect-101, `ReflectedBorder`), built from x with index
      operations so that autograd adds each mirrored pixel's gradient back to the pixel it copies.
      Every term is taken over the image's own positions: at a layer of stride s, the positions
      whose s × s input pixels all lie in the image (the interior mask m, a rectangle). P is the
      content mirrored the same way; G = F·Fᵀ over the interior / its positions.
    - The style (any size, fed as it is, with the network's zero padding) gives A = F·Fᵀ / positions,
      from conv4_1 on without the `edge_margin` positions at each edge (at most a quarter of a side;
      `StageTargets.edgeMargins`)."""

    def __init__(self, vgg, content, style, *args, border=16):
        _, self.h, self.w = content.shape
        self.border = border
        self.rows = torch.tensor([reflect(i - border, self.h) for i in range(self.h + 2 * border)])
        self.cols = torch.tensor([reflect(i - border, self.w) for i in range(self.w + 2 * border)])
        super().__init__(vgg, content, style, *args)
        total_weight = sum(self.style_layers.values())
        self.weights = {k: w / total_weight for k, w in self.style_layers.items()}
        self.p_energy = (self.p ** 2).sum()
        self.a_energy = {k: (g ** 2).sum() for k, g in self.a.items()}
        unit = vgg.std / vgg.scale
        self.tv_norm = unit * unit / (3 * self.h * self.w)

    @staticmethod
    def gram(f):
        return gram(f) / (f.shape[2] * f.shape[3])

    def padded(self, x):
        """x (1×3×H×W) with its mirrored border."""
        if not self.border:
            return x
        return x.index_select(2, self.rows).index_select(3, self.cols)

    def interior(self, name, f):
        """The positions of a feature map of the padded image whose input pixels all lie in the image
        (`ReflectedBorder.interiorMask`)."""
        s, b = stride(name), self.border

        def span(side, count):
            inside = [i for i in range(count) if i * s >= b and (i + 1) * s <= b + side]
            return inside[0], inside[-1] + 1

        (y0, y1), (x0, x1) = span(self.h, f.shape[2]), span(self.w, f.shape[3])
        return f[:, :, y0:y1, x0:x1]

    def content_target(self, c):
        f, _ = self.vgg.features(self.padded(c), {self.content_layer})
        return self.interior(self.content_layer, f[self.content_layer])

    def style_targets(self, s):
        f, _ = self.vgg.features(s, set(self.style_layers))
        out = {}
        for k in self.style_layers:
            _, _, h, w = f[k].shape
            m = edge_margin(k)
            mx, my = min(m, (w - 1) // 4), min(m, (h - 1) // 4)
            out[k] = self.gram(f[k][:, :, my:h - my, mx:w - mx])
        return out

    def __call__(self, x):
        f, _ = self.vgg.features(self.padded(x), self.wanted)
        content = ((self.interior(self.content_layer, f[self.content_layer]) - self.p) ** 2).sum() / self.p_energy
        style = 0
        for k, w in self.weights.items():
            g = self.gram(self.interior(k, f[k]))
            style = style + w * ((g - self.a[k]) ** 2).sum() / self.a_energy[k]
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
    if a.resize:
        # The engine's sizes and resampler (a whole-image final stage: --resize ≤ its --work-size).
        width, height = fit(content.shape[2], content.shape[1], a.resize)
        content = resample(content, width, height)
        if a.objective == "tutorial":
            style = resample(style, width, height)
        else:
            style = resample(style, *fit(style.shape[2], style.shape[1], style_longest(a.resize, a.style_scale)))
    settings = (a.content_weight, a.style_weight, a.tv_weight, layers, a.content_layer)
    if a.objective == "tutorial":
        assert content.shape == style.shape, "bench/run.py resizes the style to the content's size"
        objective = Tutorial(vgg, content, style, *settings)
    else:
        objective = Standard(vgg, content, style, *settings, border=16 if a.padding == "mirror" else 0)
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
                      "padding": "zero" if a.objective == "tutorial" else a.padding,
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
    p.add_argument("--padding", choices=["mirror", "zero"], default="mirror",
                   help="the default objective's border (stylize --padding); the tutorial objective takes zero")
    p.add_argument("--resize", type=int, help="resize the content to this longest side and the style as the "
                   "engine does (the inputs at their own size); default: use them as given")
    p.add_argument("--style-scale", type=float, default=1.0, help="with --resize: stylize --style-scale")
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
