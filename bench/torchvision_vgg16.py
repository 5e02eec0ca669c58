#!/usr/bin/env python3
"""Writes our default VGG16 (Caffe convention: BGR, 0-255, mean subtracted) as a torchvision
state dict (RGB, 0-1, ImageNet mean/std; keys features.N.weight/bias), so that the .pth importer
can be checked end to end on real weights without downloading torchvision's files
(`make pth-check`). Only conv1_1 changes: for torchvision's input y = (rgb - m) / s the Caffe
input is x[c] = 255 (s[c'] y[c'] + m[c']) - mean[c] with c' the RGB channel of BGR channel c, so
W'[o, c'] = 255 s[c'] W[o, c] and b'[o] = b[o] + sum over c and taps of W[o, c] (255 m[c'] - mean[c]).
Zero padding differs (Caffe pads in its space, torchvision in its own), so results differ at
the borders only.

  /usr/bin/python3 bench/torchvision_vgg16.py --model models/vgg16-imagenet.safetensors --out x.pth [--legacy]
"""
import argparse
import collections
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ref import VGG16, read_safetensors  # noqa: E402

TORCHVISION_MEAN = [0.485, 0.456, 0.406]
TORCHVISION_STD = [0.229, 0.224, 0.225]


def convert(model_path):
    meta, t = read_safetensors(model_path)
    assert meta["architecture"] == "vgg16" and meta["input.order"] == "bgr", meta
    caffe_mean = [float(v) for v in meta["input.mean"].split(",")]  # B, G, R
    scale = float(meta["input.scale"])
    sd = collections.OrderedDict()
    index = 0
    for b, n in enumerate(VGG16):
        for c in range(1, n + 1):
            name = f"conv{b + 1}_{c}"
            w = torch.from_numpy(t[name + ".weight"]).double()
            bias = torch.from_numpy(t[name + ".bias"]).double()
            if name == "conv1_1":
                rgb = w.flip(1)  # BGR input channels -> RGB
                std = torch.tensor(TORCHVISION_STD, dtype=torch.float64).view(1, 3, 1, 1)
                mean_rgb = torch.tensor(TORCHVISION_MEAN, dtype=torch.float64)
                shift = scale * mean_rgb - torch.tensor(caffe_mean[::-1], dtype=torch.float64)  # per RGB channel
                bias = bias + (rgb.sum(dim=(2, 3)) * shift.view(1, 3)).sum(dim=1)
                w = rgb * scale * std
            sd[f"features.{index}.weight"] = w.float().contiguous()
            sd[f"features.{index}.bias"] = bias.float().contiguous()
            index += 2
        index += 1
    # A classifier head as torchvision's has (ignored by the importer).
    sd["classifier.6.bias"] = torch.zeros(1000)
    return sd


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--legacy", action="store_true", help="the pre-1.6 container (as torchvision's files)")
    a = p.parse_args()
    torch.save(convert(a.model), a.out, _use_new_zipfile_serialization=not a.legacy)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
