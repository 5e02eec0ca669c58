#!/usr/bin/env python3
"""Frame sequences (issue 34): how much a stylized sequence flickers, and what a frame costs.

    python3 bench/sequence.py --lib PREFIX/lib/libstylefilter.so.1 [--image PHOTO] [--style PAINTING]
                              [--frames 8] [--size 512] [--out out/sequence]

Makes a test sequence with known motion: a photo panned, zoomed and rotated a little more each
frame, with a disc cut from another part of it moving across on its own (so parts of the
background are hidden and uncovered). The true backward flow of every pixel, and where it is valid
(not uncovered, not outside the earlier frame), follow from the motion. Then stylizes the
sequence through the C API's sf_sequence_* with temporal off (every frame on its own), short and
long, and reports for each:

- temporal error as Ruder, Dosovitskiy & Brox (2016) define it: the mean squared difference
  (0…255 units) between each stylized frame and the previous stylized frame warped to it by the
  true flow, over the pixels the flow says are visible in both, averaged over the frames after
  the first; the ratio to `off`'s is the figure (issue 34: ≤ 1/3);
- seconds per frame after the first, and the ratio to `off`'s (issue 34: ≤ 1.0);
- the same error of the contents themselves (the floor: what resampling leaves).

Frame strips go to OUT/strip-MODE.png (the first four frames side by side), and the frames to
OUT/MODE/NN.png, for looking and for blind comparisons. Needs numpy and ImageMagick's `convert`
(for reading and writing images).
"""
import argparse
import ctypes as C
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import machine  # noqa: E402  bench/run.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Image(C.Structure):
    _fields_ = [("width", C.c_uint32), ("height", C.c_uint32), ("stride_bytes", C.c_size_t),
                ("format", C.c_int32), ("data", C.c_void_p)]


SF_FORMAT_RGBF32 = 4
OPTIONS_BYTES = 4096  # larger than any sf_options: sf_options_init fills the part it knows


def load(lib_path):
    lib = C.CDLL(lib_path)
    lib.sf_last_error_message.restype = C.c_char_p
    lib.sf_last_error_message.argtypes = [C.c_void_p]
    lib.sf_context_create.argtypes = [C.c_char_p, C.POINTER(C.c_void_p)]
    lib.sf_context_destroy.argtypes = [C.c_void_p]
    lib.sf_options_init.argtypes = [C.c_void_p, C.c_size_t]
    lib.sf_options_parse.argtypes = [C.c_void_p, C.c_char_p]
    lib.sf_sequence_begin.argtypes = [C.c_void_p, C.c_void_p, C.POINTER(Image), C.c_void_p, C.c_size_t,
                                      C.POINTER(C.c_void_p)]
    lib.sf_sequence_push.argtypes = [C.c_void_p, C.POINTER(Image), C.POINTER(Image), C.c_void_p, C.c_void_p]
    lib.sf_sequence_end.argtypes = [C.c_void_p]
    return lib


def check(lib, rc, ctx=None):
    if rc != 0:
        raise RuntimeError(lib.sf_last_error_message(ctx).decode())


def image(array):
    """An sf_image over a contiguous H×W×3 float32 array (kept alive by the caller)."""
    h, w, _ = array.shape
    return Image(w, h, w * 12, SF_FORMAT_RGBF32, array.ctypes.data)


def read(path, cover=None):
    """An image as H×W×3 floats in 0…1 (through ImageMagick, 16 bits); with `cover` (w, h) resized
    to cover that size (so that the frames sample it without aliasing)."""
    resize = ["-resize", f"{cover[0]}x{cover[1]}^"] if cover else []
    raw = subprocess.run(["convert", path + "[0]", "-alpha", "off"] + resize
                         + ["-depth", "16", "-colorspace", "sRGB", "-endian", "MSB", "rgb:-"],
                         capture_output=True, check=True).stdout
    size = subprocess.run(["convert", path + "[0]"] + resize + ["-format", "%w %h", "info:"],
                          capture_output=True, text=True, check=True).stdout.split()
    w, h = int(size[0]), int(size[1])
    return (np.frombuffer(raw, dtype=">u2").reshape(h, w, 3).astype(np.float32) / 65535.0)


def write(array, path):
    h, w, _ = array.shape
    data = (np.clip(array, 0, 1) * 65535 + 0.5).astype(">u2").tobytes()
    subprocess.run(["convert", "-size", f"{w}x{h}", "-depth", "16", "-endian", "MSB", "rgb:-", path], input=data, check=True)


def bilinear(src, x, y):
    """src (H×W×C) sampled at float coordinates x, y (clamped at the edges)."""
    h, w = src.shape[:2]
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = (x - x0)[..., None]
    fy = (y - y0)[..., None]
    top = src[y0, x0] * (1 - fx) + src[y0, x1] * fx
    bottom = src[y1, x0] * (1 - fx) + src[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


class Motion:
    """Frame k shows the photo through a similarity transform (pan, zoom, rotation growing with k)
    and a disc of the photo's other half moving in a straight line."""

    def __init__(self, photo, width, height, frames):
        self.photo = photo
        self.w, self.h = width, height
        ph, pw = photo.shape[:2]
        # The view: the frame's pixels map to photo coordinates by centre + R·S·(x − frame centre).
        self.base_scale = 0.8 * min(pw / width, ph / height)
        self.centre = np.array([pw / 2, ph / 2])
        self.pan = np.array([1.6, 0.6]) * self.base_scale  # photo px per frame
        self.zoom = 0.006  # per frame
        self.turn = 0.004  # radians per frame
        self.radius = 0.14 * min(width, height)
        self.disc_start = np.array([0.2 * width, 0.55 * height])
        self.disc_step = np.array([5.0, -1.5])  # frame px per frame
        self.disc_source = np.array([0.8 * pw, 0.3 * ph])  # where its texture comes from
        self.frames = frames

    def view(self, k, x, y):
        """Photo coordinates of frame k's pixel (x, y) (background)."""
        s = self.base_scale / (1 + self.zoom * k)
        a = self.turn * k
        dx, dy = x - self.w / 2, y - self.h / 2
        c, n = np.cos(a), np.sin(a)
        px = self.centre[0] + self.pan[0] * k + s * (c * dx - n * dy)
        py = self.centre[1] + self.pan[1] * k + s * (n * dx + c * dy)
        return px, py

    def unview(self, k, px, py):
        """Frame k's pixel coordinates of the photo point (px, py): the inverse of `view`."""
        s = self.base_scale / (1 + self.zoom * k)
        a = self.turn * k
        ux, uy = (px - self.centre[0] - self.pan[0] * k) / s, (py - self.centre[1] - self.pan[1] * k) / s
        c, n = np.cos(a), np.sin(a)
        return c * ux + n * uy + self.w / 2, -n * ux + c * uy + self.h / 2

    def disc(self, k):
        return self.disc_start + self.disc_step * k

    def inside(self, k, x, y):
        cx, cy = self.disc(k)
        return (x - cx) ** 2 + (y - cy) ** 2 <= self.radius ** 2

    def frame(self, k):
        y, x = np.mgrid[0:self.h, 0:self.w].astype(np.float64)
        px, py = self.view(k, x, y)
        out = bilinear(self.photo, px, py)
        cx, cy = self.disc(k)
        s = self.base_scale
        disc = bilinear(self.photo, self.disc_source[0] + s * (x - cx), self.disc_source[1] + s * (y - cy))
        m = self.inside(k, x, y)
        out[m] = disc[m]
        return out.astype(np.float32)

    def backward(self, k):
        """Frame k's pixels' positions in frame k − 1, and where that is valid (seen in both)."""
        y, x = np.mgrid[0:self.h, 0:self.w].astype(np.float64)
        px, py = self.view(k, x, y)
        bx, by = self.unview(k - 1, px, py)
        on = self.inside(k, x, y)
        bx[on] = x[on] - self.disc_step[0]
        by[on] = y[on] - self.disc_step[1]
        valid = (bx >= 0) & (bx <= self.w - 1) & (by >= 0) & (by <= self.h - 1)
        # A background pixel that the disc covered in frame k − 1 was not visible there.
        valid &= on | ~self.inside(k - 1, bx, by)
        return bx, by, valid


def temporal_error(frames, motion):
    """Ruder et al.'s temporal error, 0…255 units, averaged over the frames after the first."""
    errors = []
    for k in range(1, len(frames)):
        bx, by, valid = motion.backward(k)
        warped = bilinear(frames[k - 1].astype(np.float64), bx, by)
        d = (frames[k].astype(np.float64) - warped) * 255
        errors.append(float((d[valid] ** 2).mean()))
    return float(np.mean(errors)), errors


def detail(frame):
    """Mean absolute Laplacian of the luminance (0…255): how much fine detail a frame has."""
    y = (frame * np.array([0.299, 0.587, 0.114], dtype=np.float32)).sum(axis=2) * 255
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.abs(lap).mean())


def run(lib, ctx, settings, style, contents, out_dir):
    options = C.create_string_buffer(OPTIONS_BYTES)
    check(lib, lib.sf_options_init(options, OPTIONS_BYTES))
    check(lib, lib.sf_options_parse(options, settings.encode()))
    seq = C.c_void_p()
    style_image = image(style)
    check(lib, lib.sf_sequence_begin(ctx, options, C.byref(style_image), None, 1, C.byref(seq)), ctx)
    results, seconds = [], []
    os.makedirs(out_dir, exist_ok=True)
    for k, content in enumerate(contents):
        out = np.zeros_like(content)
        t0 = time.perf_counter()
        check(lib, lib.sf_sequence_push(seq, C.byref(image(content)), C.byref(image(out)), None, None), ctx)
        seconds.append(time.perf_counter() - t0)
        results.append(out)
        write(out, os.path.join(out_dir, f"{k:02d}.png"))
    check(lib, lib.sf_sequence_end(seq))
    return results, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True, help="libstylefilter.so.1 to test")
    ap.add_argument("--image", default=os.path.join(ROOT, "examples/content.png"))
    ap.add_argument("--style", default=os.path.join(ROOT, "examples/style.png"))
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--size", type=int, default=512, help="frame width (height 3/4 of it)")
    ap.add_argument("--modes", default="off,short,long")
    ap.add_argument("--settings", default="", help="more NAME=VALUE options for every run")
    ap.add_argument("--out", default="out/sequence")
    args = ap.parse_args()

    lib = load(args.lib)
    ctx = C.c_void_p()
    check(lib, lib.sf_context_create(None, C.byref(ctx)))
    width, height = args.size, args.size * 3 // 4
    # The view spans 0.8 of the photo: at 1.6× the frame's size, a frame pixel is 1.28 photo pixels.
    photo = read(args.image, cover=(int(1.6 * width), int(1.6 * height)))
    style = np.ascontiguousarray(read(args.style))
    motion = Motion(photo, width, height, args.frames)
    contents = [np.ascontiguousarray(motion.frame(k)) for k in range(args.frames)]
    os.makedirs(args.out, exist_ok=True)
    for k, c in enumerate(contents):
        write(c, os.path.join(args.out, f"content-{k:02d}.png"))
    floor, _ = temporal_error(contents, motion)
    report = {"machine": machine(), "frames": args.frames, "size": [width, height],
              "image": os.path.basename(args.image), "style": os.path.basename(args.style),
              "settings": args.settings, "content_error": floor, "modes": {}}
    print(f"sequence: {args.frames} frames of {width}×{height}, {report['machine']}")
    print(f"  contents' own temporal error (resampling floor): {floor:.2f}")
    for mode in args.modes.split(","):
        settings = f"size={args.size} temporal={mode} {args.settings}".strip()
        frames, seconds = run(lib, ctx, settings, style, contents, os.path.join(args.out, mode))
        error, per_frame = temporal_error(frames, motion)
        later = seconds[1:] if len(seconds) > 1 else seconds
        report["modes"][mode] = {"temporal_error": error, "per_frame_error": per_frame,
                                 "detail_kept": detail(frames[-1]) / detail(frames[0]),
                                 "seconds": seconds, "seconds_per_later_frame": float(np.mean(later))}
        subprocess.run(["convert"] + [os.path.join(args.out, mode, f"{k:02d}.png") for k in range(min(4, args.frames))]
                       + ["+append", os.path.join(args.out, f"strip-{mode}.png")], check=True)
    base = report["modes"].get("off")
    print(f"  {'mode':<6} {'temporal error':>15} {'× off':>7} {'s/frame':>8} {'× off':>7} {'detail last/first':>18}")
    for mode, m in report["modes"].items():
        e_ratio = m["temporal_error"] / base["temporal_error"] if base else float("nan")
        t_ratio = m["seconds_per_later_frame"] / base["seconds_per_later_frame"] if base else float("nan")
        m["error_ratio"], m["time_ratio"] = e_ratio, t_ratio
        print(f"  {mode:<6} {m['temporal_error']:>15.1f} {e_ratio:>7.3f} {m['seconds_per_later_frame']:>8.2f}"
              f" {t_ratio:>7.3f} {m['detail_kept']:>18.3f}")
    with open(os.path.join(args.out, "sequence.json"), "w") as f:
        json.dump(report, f, indent=1)
    lib.sf_context_destroy(ctx)


if __name__ == "__main__":
    main()
