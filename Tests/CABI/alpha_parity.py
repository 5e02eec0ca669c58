#!/usr/bin/env python3
"""The C API and the `stylize` command give the same result for a content with alpha, colours
and alpha byte for byte: both resize the alpha with the engine's Resample (run by
`make cmd-equivalence`, mk/cabi.mk).

    python3 Tests/CABI/alpha_parity.py CONTENT.png STYLE.ppm COMMAND_OUTPUT.png SIZE ITERATIONS SEED

COMMAND_OUTPUT.png: `stylize CONTENT.png -s STYLE.ppm --size SIZE --iterations ITERATIONS
--seed SEED --threads 1`. The library: STYLEFILTER_LIB, as for examples/stylize_ctypes.py, whose
ctypes declarations this reuses. Pixels are read through `convert` (raw RGBA/RGB bytes).
"""
import ctypes as C
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"))
import stylize_ctypes as sf  # noqa: E402

SF_FORMAT_RGBA8 = 2


def raw(path, pixel_map):
    """(width, height, bytes) of an image as 8-bit samples in pixel_map order (RGBA, RGB, gray)."""
    w, h = subprocess.run(["identify", "-format", "%w %h", path], check=True, capture_output=True,
                          text=True).stdout.split()
    data = subprocess.run(["convert", path, "-depth", "8", "%s:-" % pixel_map], check=True,
                          capture_output=True).stdout
    return int(w), int(h), bytearray(data)


def main():
    content_path, style_path, command_path = sys.argv[1:4]
    size, iterations, seed = (int(v) for v in sys.argv[4:7])
    cw, ch, cpix = raw(content_path, "rgba")
    sw, sh, spix = raw(style_path, "rgb")
    ctx = C.c_void_p()
    sf.check(sf.lib.sf_context_create(None, C.byref(ctx)))
    try:
        opt = sf.Options()
        sf.check(sf.lib.sf_options_init(C.byref(opt), C.sizeof(opt)))
        opt.iterations, opt.max_size, opt.threads, opt.seed = iterations, size, 1, seed
        cbuf = (C.c_ubyte * len(cpix)).from_buffer(cpix)
        content = sf.Image(cw, ch, 4 * cw, SF_FORMAT_RGBA8, C.cast(cbuf, C.c_void_p))
        style, _keep = sf.as_image(sw, sh, spix)
        ow, oh = C.c_uint32(), C.c_uint32()
        sf.check(sf.lib.sf_output_size(C.byref(opt), cw, ch, C.byref(ow), C.byref(oh)))
        result = bytearray(4 * ow.value * oh.value)
        rbuf = (C.c_ubyte * len(result)).from_buffer(result)
        out = sf.Image(ow.value, oh.value, 4 * ow.value, SF_FORMAT_RGBA8, C.cast(rbuf, C.c_void_p))
        sf.check(sf.lib.sf_stylize(ctx, C.byref(opt), C.byref(content), C.byref(style), None, 1,
                                   C.byref(out), sf.PROGRESS_FN(0), None), ctx)
    finally:
        sf.lib.sf_context_destroy(ctx)
    mw, mh, command = raw(command_path, "rgba")
    if (mw, mh) != (ow.value, oh.value):
        sys.exit("alpha_parity: the command's result is %dx%d, the API's %dx%d" % (mw, mh, ow.value, oh.value))
    for name, channels in (("colours", slice(0, 3)), ("alpha", slice(3, 4))):
        api_bytes = [result[i + c] for i in range(0, len(result), 4) for c in range(4)[channels]]
        cmd_bytes = [command[i + c] for i in range(0, len(command), 4) for c in range(4)[channels]]
        differing = sum(a != b for a, b in zip(api_bytes, cmd_bytes))
        if differing:
            sys.exit("alpha_parity: the C API's and the command's %s differ in %d of %d samples"
                     % (name, differing, len(api_bytes)))
    print("alpha_parity: ok (%dx%d, colours and alpha byte for byte)" % (mw, mh))


if __name__ == "__main__":
    main()
