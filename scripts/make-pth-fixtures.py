#!/usr/bin/env python3
"""Writes the small PyTorch files the .pth reader is tested on (Tests/Fixtures/pth/), with
Debian's python3-torch:  /usr/bin/python3 scripts/make-pth-fixtures.py Tests/Fixtures/pth

Both containers torch.save has written: the zip one (torch >= 1.6) and the legacy one (a run of
pickles followed by raw storages; torchvision's vgg16-397923af.pth and vgg19-dcbb9e9d.pth date
from 2017). Each holds the same state dict, built so that every value follows from its index
(the test recomputes them): a conv-like weight and bias under torchvision's names, a view with a
storage offset, a transposed (non-contiguous) view sharing that storage, float64 and int64
tensors, a 0-d tensor and a key that is not a tensor-like name."""
import collections
import os
import sys

import torch


def state_dict():
    sd = collections.OrderedDict()
    sd["features.0.weight"] = torch.arange(2 * 3 * 3 * 3, dtype=torch.float32).reshape(2, 3, 3, 3) / 10
    sd["features.0.bias"] = torch.tensor([0.5, -1.5], dtype=torch.float32)
    base = torch.arange(24, dtype=torch.float32) * 0.25
    sd["view.offset"] = base[4:10]
    sd["view.transposed"] = base[:12].reshape(3, 4).t()
    sd["classifier.0.weight"] = torch.arange(6, dtype=torch.float64).reshape(2, 3) - 2.5
    sd["counter"] = torch.tensor(7, dtype=torch.int64)
    sd["half"] = torch.tensor([1.5, -0.25, 65504.0], dtype=torch.float16)
    return sd


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/pth"
    os.makedirs(out, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(out, "tiny-zip.pth"))
    torch.save(sd, os.path.join(out, "tiny-legacy.pth"), _use_new_zipfile_serialization=False)
    print(f"wrote {out}/tiny-zip.pth and {out}/tiny-legacy.pth (torch {torch.__version__})")


if __name__ == "__main__":
    main()
