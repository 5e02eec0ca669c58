#!/usr/bin/env python3
"""Writes a stand-in for torchvision's VGG state dicts (vgg19-dcbb9e9d.pth, vgg16-397923af.pth):
the same names and shapes (features.N.weight/bias, a classifier bias) in torch.save's zip container,
with small pseudo-random weights instead of trained ones. Python's standard library only: the
names torch.save pickles (torch._utils._rebuild_tensor_v2, torch.FloatStorage) are provided by
stand-in modules, so no torch is needed. Used where the real file cannot be downloaded (the
README's commands, run by Tests/Docs/readme-test.sh); the reader itself is tested on files torch
wrote (Tests/Fixtures/pth, scripts/make-pth-fixtures.py).

  python3 scripts/make-standin-pth.py vgg19|vgg16 OUT.pth
"""
import array
import collections
import io
import os
import pickle
import random
import sys
import types
import zipfile

BLOCKS = {"vgg16": [2, 2, 3, 3, 3], "vgg19": [2, 2, 4, 4, 4]}
CHANNELS = [64, 128, 256, 512, 512]


def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
    raise RuntimeError("stand-in")


class FloatStorage:  # only its name is pickled
    pass


def install_stand_in_torch():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    _rebuild_tensor_v2.__module__ = "torch._utils"
    FloatStorage.__module__ = "torch"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    sys.modules.setdefault("torch", torch)
    sys.modules.setdefault("torch._utils", utils)


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    """Pickles as torch.save pickles a contiguous float32 tensor."""

    def __init__(self, key, shape):
        self.shape = tuple(shape)
        numel = 1
        for s in shape:
            numel *= s
        self.storage = Storage(key, numel)

    def __reduce__(self):
        strides, step = [], 1
        for s in reversed(self.shape):
            strides.insert(0, step)
            step *= s
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, tuple(strides), False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def values(numel, fan_in, rng):
    """He-scaled pseudo-random float32 bytes: a block of 4096 values repeated (fast)."""
    scale = (2.0 / fan_in) ** 0.5
    block = array.array("f", (rng.gauss(0, scale) for _ in range(4096))).tobytes()
    whole, rest = divmod(numel, 4096)
    return block * whole + block[: rest * 4]


def main():
    arch, out = sys.argv[1], sys.argv[2]
    install_stand_in_torch()
    rng = random.Random(1)
    state, data = collections.OrderedDict(), {}
    index, cin = 0, 3
    for b, n in enumerate(BLOCKS[arch]):
        for _ in range(n):
            cout = CHANNELS[b]
            for name, shape, fan_in in ((f"features.{index}.weight", (cout, cin, 3, 3), cin * 9),
                                        (f"features.{index}.bias", (cout,), None)):
                key = str(len(data))
                state[name] = Tensor(key, shape)
                numel = state[name].storage.numel
                data[key] = values(numel, fan_in, rng) if fan_in else bytes(4 * numel)
            cin, index = cout, index + 2
        index += 1
    state["classifier.6.bias"] = Tensor(str(len(data)), (1000,))
    data[str(len(data))] = bytes(4000)
    pickled = io.BytesIO()
    TorchPickler(pickled, protocol=2).dump(state)
    stem = os.path.splitext(os.path.basename(out))[0]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{stem}/data.pkl", pickled.getvalue())
        for key, raw in data.items():
            z.writestr(f"{stem}/data/{key}", raw)
        z.writestr(f"{stem}/version", "3\n")
    print(f"wrote a stand-in {arch} state dict to {out}")


if __name__ == "__main__":
    main()
