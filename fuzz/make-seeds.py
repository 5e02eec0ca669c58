#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/corpus/<harness>/) and is the record of how it was made:
small hand-built inputs that reach deep into each parser. Never real model weights (the
largest seed is a few KB). Run from the repository root: python3 fuzz/make-seeds.py"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

VGG16 = [("conv1_1", 3, 64), ("conv1_2", 64, 64), ("conv2_1", 64, 128), ("conv2_2", 128, 128),
         ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv4_1", 256, 512),
         ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv5_1", 512, 512), ("conv5_2", 512, 512),
         ("conv5_3", 512, 512)]
MODEL_METADATA = {"stylefilter.format": "1", "architecture": "vgg16", "input.order": "bgr",
                  "input.scale": "255", "input.mean": "103.939,116.779,123.68", "input.std": "1,1,1",
                  "source": "fuzz seed"}


def write(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# ---- safetensors -----------------------------------------------------------------------------

def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def safetensors(tensors, metadata):
    """tensors: [(name, shape, float values)] in order."""
    parts, blob = [], b""
    if metadata:
        parts.append('"__metadata__":{' + ",".join(quote(k) + ":" + quote(v) for k, v in metadata.items()) + "}")
    for name, shape, values in tensors:
        data = struct.pack("<%df" % len(values), *values)
        parts.append('%s:{"dtype":"F32","shape":[%s],"data_offsets":[%d,%d]}'
                     % (quote(name), ",".join(map(str, shape)), len(blob), len(blob) + len(data)))
        blob += data
    header = ("{" + ",".join(parts) + "}").encode()
    header += b" " * (-(8 + len(header)) % 8)
    return struct.pack("<Q", len(header)) + header + blob


write("safetensors", "two-tensors", safetensors([("w", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [2], [7, 8])], {"k": "v"}))
write("safetensors", "empty-tensor", safetensors([("e", [0, 4], [])], {}))
write("safetensors", "metadata-only", safetensors([], MODEL_METADATA))
# A stylefilter model's metadata and its first layer at the right shape (the rest missing).
conv1 = [((i * 37) % 101) / 100.0 - 0.5 for i in range(64 * 3 * 9)]
write("safetensors", "model-first-layer", safetensors(
    [("conv1_1.weight", [64, 3, 3, 3], conv1), ("conv1_1.bias", [64], [0.01 * i for i in range(64)])], MODEL_METADATA))
write("safetensors", "escapes", safetensors([("t\\u00e9\\n", [1], [0.5])], {"a\"b": "line\nbreak \u00e9"}))

# ---- ONNX ------------------------------------------------------------------------------------

def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def field(number, wire, payload):
    tag = varint(number << 3 | wire)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def tensor(name, dims, values, packed_dims=True, data="raw", data_type=1):
    t = b""
    if packed_dims:
        t += field(1, 2, b"".join(varint(d & (2**64 - 1)) for d in dims))
    else:
        t += b"".join(field(1, 0, varint(d & (2**64 - 1))) for d in dims)
    t += field(2, 0, varint(data_type))
    t += field(8, 2, name.encode())
    floats = struct.pack("<%df" % len(values), *values)
    if data == "raw":
        t += field(9, 2, floats)
    elif data == "packed":
        t += field(4, 2, floats)
    else:
        t += b"".join(field(4, 5, floats[i:i + 4]) for i in range(0, len(floats), 4))
    return t


def onnx(initializers):
    graph = field(2, 2, b"graph") + b"".join(field(5, 2, i) for i in initializers)
    return field(1, 0, varint(8)) + field(2, 2, b"fuzz") + field(7, 2, graph)


def keras(layer, role):
    b, c = layer[4], layer[6]
    suffix = "_1/convolution/ReadVariableOp:0" if role == "weight" else "_1/Squeeze:0"
    return "functional_1/block%s_conv%s%s" % (b, c, suffix)


write("onnx", "encodings", onnx([tensor("a", [2, 3], [1, 2, 3, 4, 5, 6]),
                                  tensor("b", [2], [1, 2], packed_dims=False, data="unpacked"),
                                  tensor("c", [1, 2], [3, 4], data="packed"),
                                  tensor("i", [2], [1, 2], data_type=7)]))
# Every VGG16 conv by its Keras name: conv1_1 at the right shape, the others tiny (shape errors).
inits = []
for i, (layer, cin, cout) in enumerate(VGG16):
    if i == 0:
        inits.append(tensor(keras(layer, "weight"), [cout, cin, 3, 3], conv1))
        inits.append(tensor(keras(layer, "bias"), [cout], [0.0] * cout))
    else:
        inits.append(tensor(keras(layer, "weight"), [1, 1, 3, 3], [0.5] * 9))
        inits.append(tensor(keras(layer, "bias"), [1], [0.0]))
write("onnx", "vgg16-names", onnx(inits))
external = field(8, 2, b"ext") + field(14, 0, varint(1))
write("onnx", "external-data", onnx([external]))

# ---- pth: the two small files torch.save wrote for the tests (scripts/make-pth-fixtures.py) ----

FIXTURES = os.path.join(os.path.dirname(ROOT), "..", "Tests", "Fixtures", "pth")
for name in ("tiny-zip.pth", "tiny-legacy.pth"):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        write("pth", name, f.read())

# ---- the stylize command's arguments (one per line) -------------------------------------------

write("options", "minimal", "c.png\n-s\ns.png\n-o\nout.png")
write("options", "everything", "\n".join([
    "photo.jpg", "-s", "a.png", "--style", "b.png", "--style-blend", "0.7,0.3", "-o", "png:out.dat",
    "--size", "256", "--iterations", "10", "--optimizer", "adam", "--lr", "1.5", "--content-weight", "1",
    "--style-weight", "30", "--tv-weight", "10", "--content-layers", "conv4_2,conv3_1",
    "--style-layers", "conv1_1:1,conv2_1:0.75,conv3_1", "--pooling", "avg", "--init", "random", "--seed", "5",
    "--model", "m.safetensors", "--objective", "tutorial", "--scales", "3", "--threads", "2",
    "--report", "r.json", "--progress", "--save-every", "5", "--quiet"]))
write("options", "streams", "-\n-s\nppm:-\n-o\npng:-\n--init\ninit.png")
write("options", "model-import", "model\nimport\nx.onnx\n-o\ny.safetensors\n--quiet")
write("options", "copy", "copy\nin.png\nout.png\n--size\n3")
write("options", "help", "--help")
write("options", "version", "--version")

# ---- the ImageMagick module's -process string and defines --------------------------------------

write("process", "minimal", "stylize style=a.png")
write("process", "everything", " ".join([
    "stylize", "style=a.png", "style=b.png", "style-blend=0.7,0.3", "iterations=200", "size=512",
    "optimizer=adam", "lr=2", "content-weight=1", "style-weight=30", "tv-weight=10",
    "content-layers=conv4_2", "style-layers=conv1_1:1,conv2_1:0.75", "pooling=avg", "init=random",
    "seed=3", "scales=2", "objective=tutorial", "model=m.safetensors", "threads=2"]))
# Later lines are -define stylize:NAME=VALUE settings (see process.c).
write("process", "defines", "stylize iterations=3 style=b.png\nstyle=a.png\nsize=64\nstyle-blend=1\nbogus")
write("process", "equals-form", "stylize=style=a.png iterations=3")
write("process", "region", "stylize style=a.png region=50%x25%+10-5 channel=Red,Blue\nregion=64x64\nchannel=G")
write("process", "quoted", 'stylize "style=a b.png" init=start.png size=0 seed=18446744073709551615')

# ---- the GIMP plug-in's style-file and options arguments (see gimp.c) --------------------------

write("gimp", "minimal", "style.png\n")
write("gimp", "everything", "\n" + " ".join([
    "style=a.png", "style='my b.png'", "style-layer=7", "style-blend=0.5,0.3,0.2", "output=new-layer",
    "mask=channel:Sky", "model=\"m.safetensors\"", "iterations=3", "colors=luminance", "style-scale=2",
    "seed=18446744073709551615", "style-layers=conv1_1:1,conv2_1:0.75", "size=full"]))
write("gimp", "refused", "a.png\niterations=zero size=512 colour=on style-blend=1,")

# ---- sf_stylize (a stream of choices, see abi.c) ----------------------------------------------

write("abi", "defaults", bytes(64))
write("abi", "thin", bytes([1, 1, 0, 9, 0, 0, 0, 30, 0, 0, 0, 0, 1, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
write("abi", "formats", bytes(range(0, 200, 3)))
write("abi", "two-styles", bytes([5, 2, 0x0B, 3, 6, 6, 1, 23, 17, 1, 8, 0, 7, 1, 19, 33, 2, 4, 0, 9, 1, 2, 3, 0, 0, 1, 1]))
