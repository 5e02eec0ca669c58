#!/usr/bin/env python3
"""stylize_ctypes.py — libstylefilter from Python through ctypes (no compiler, no bindings).

    python3 examples/stylize_ctypes.py CONTENT.ppm STYLE.ppm OUT.ppm [ITERATIONS] [SIZE]

Reads/writes 8-bit binary PPM (P6; header comments allowed, e.g. `convert photo.jpg -depth 8 c.ppm`). Finds libstylefilter.so.1 through the usual loader path, or
STYLEFILTER_LIB=/path/to/libstylefilter.so.1. The model: $STYLEFILTER_MODEL or the default search.
"""
import ctypes as C
import os
import sys

lib = C.CDLL(os.environ.get("STYLEFILTER_LIB", "libstylefilter.so.1"))


class Image(C.Structure):
    _fields_ = [("width", C.c_uint32), ("height", C.c_uint32), ("stride_bytes", C.c_size_t),
                ("format", C.c_int32), ("data", C.c_void_p)]


class Options(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("iterations", C.c_int32), ("optimizer", C.c_int32),
                ("learning_rate", C.c_float), ("content_weight", C.c_float),
                ("style_weight", C.c_float), ("tv_weight", C.c_float),
                ("content_layers", C.c_char_p), ("style_layers", C.c_char_p),
                ("pooling", C.c_int32), ("init", C.c_int32), ("init_image", C.POINTER(Image)),
                ("seed", C.c_uint64), ("scales", C.c_int32), ("objective", C.c_int32),
                ("max_size", C.c_uint32), ("threads", C.c_int32)]


class Progress(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("iteration", C.c_int32), ("planned", C.c_int32),
                ("scale", C.c_int32), ("scales", C.c_int32), ("scale_iteration", C.c_int32),
                ("scale_iterations", C.c_int32), ("width", C.c_int32), ("height", C.c_int32),
                ("loss_total", C.c_double), ("loss_content", C.c_double),
                ("loss_style", C.c_double), ("loss_tv", C.c_double),
                ("elapsed_seconds", C.c_double), ("fraction_done", C.c_double),
                ("tile", C.c_int32), ("tiles", C.c_int32)]


PROGRESS_FN = C.CFUNCTYPE(C.c_int, C.POINTER(Progress), C.c_void_p)
SF_FORMAT_RGB8 = 1
lib.sf_status_name.restype = C.c_char_p
lib.sf_version_string.restype = C.c_char_p
lib.sf_last_error_message.restype = C.c_char_p
lib.sf_last_error_message.argtypes = [C.c_void_p]
lib.sf_context_create.argtypes = [C.c_char_p, C.POINTER(C.c_void_p)]
lib.sf_context_destroy.argtypes = [C.c_void_p]
lib.sf_options_init.argtypes = [C.POINTER(Options), C.c_size_t]
lib.sf_output_size.argtypes = [C.POINTER(Options), C.c_uint32, C.c_uint32,
                               C.POINTER(C.c_uint32), C.POINTER(C.c_uint32)]
lib.sf_stylize.argtypes = [C.c_void_p, C.POINTER(Options), C.POINTER(Image), C.POINTER(Image),
                           C.POINTER(C.c_float), C.c_size_t, C.POINTER(Image), PROGRESS_FN,
                           C.c_void_p]


class StyleFilterError(Exception):
    pass


def check(status, context=None):
    if status != 0:
        raise StyleFilterError("%s: %s" % (lib.sf_status_name(status).decode(),
                                           lib.sf_last_error_message(context).decode()))


def read_ppm(path):
    """(width, height, pixels) of an 8-bit binary PPM. The header is four whitespace-separated
    fields (magic, width, height, maxval); a '#' starts a comment up to the end of its line
    (ImageMagick copies an image's comment there, e.g. from a JPEG). Exactly one whitespace byte separates maxval from the pixels."""
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        if pos >= len(data):
            raise ValueError("%s: truncated PPM header" % path)
        if data[pos:pos + 1].isspace():
            pos += 1
        elif data[pos:pos + 1] == b"#":
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
        else:
            start = pos
            while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
                pos += 1
            fields.append(data[start:pos])
    if fields[0] != b"P6" or fields[3] != b"255" or not (fields[1].isdigit() and fields[2].isdigit()):
        raise ValueError("%s: not an 8-bit binary PPM (P6, maxval 255)" % path)
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + 3 * w * h]
    if w == 0 or h == 0 or len(pixels) != 3 * w * h:
        raise ValueError("%s: truncated PPM (%dx%d needs %d bytes of pixels)" % (path, w, h, 3 * w * h))
    return w, h, bytearray(pixels)


def as_image(w, h, pixels):
    buf = (C.c_ubyte * len(pixels)).from_buffer(pixels)
    return Image(w, h, 3 * w, SF_FORMAT_RGB8, C.cast(buf, C.c_void_p)), buf


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    content_path, style_path, out_path = sys.argv[1:4]
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 512

    print("libstylefilter %s (ABI %d)" % (lib.sf_version_string().decode(), lib.sf_abi_version()),
          file=sys.stderr)
    ctx = C.c_void_p()
    check(lib.sf_context_create(None, C.byref(ctx)))
    try:
        opt = Options()
        check(lib.sf_options_init(C.byref(opt), C.sizeof(opt)))
        opt.iterations, opt.max_size, opt.threads = iterations, size, 1
        cw, ch, cpix = read_ppm(content_path)
        sw, sh, spix = read_ppm(style_path)
        content, _keep1 = as_image(cw, ch, cpix)
        style, _keep2 = as_image(sw, sh, spix)
        ow, oh = C.c_uint32(), C.c_uint32()
        check(lib.sf_output_size(C.byref(opt), cw, ch, C.byref(ow), C.byref(oh)))
        result = bytearray(3 * ow.value * oh.value)
        out, _keep3 = as_image(ow.value, oh.value, result)

        def progress(p, user):
            print("\r%d/%d loss %.4g" % (p[0].iteration, p[0].planned, p[0].loss_total),
                  end="", file=sys.stderr)
            return 0

        callback = PROGRESS_FN(progress)
        check(lib.sf_stylize(ctx, C.byref(opt), C.byref(content), C.byref(style), None, 1,
                             C.byref(out), callback, None), ctx)
        print(file=sys.stderr)
        with open(out_path, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (ow.value, oh.value))
            f.write(result)
    finally:
        lib.sf_context_destroy(ctx)


if __name__ == "__main__":
    main()
