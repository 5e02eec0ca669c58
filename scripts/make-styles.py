#!/usr/bin/env python3
"""make-styles.py — paints the style library that ships with stylefilter (share/styles/*.png).

    python3 scripts/make-styles.py [OUTDIR] [--only NAME ...]

Every picture is computed here from fixed seeds with numpy alone (no image from anywhere else), so
a run gives the same files byte for byte; they are the project's own work, dedicated to the public
domain (CC0), like the examples (share/styles/README.md). Each is a 512×512 "painting" made to be
a good style image for Gatys-style transfer: strong colour and texture at several scales.

    swirls       impasto strokes along a curl-noise flow field with eddies, night blues and yellow
    mosaic       stained glass: Voronoi cells of coloured glass in dark leading
    hatching     ink cross-hatching in sepia on warm paper
    pointillism  dots of pure colour over a sunny landscape
    knife        broad palette-knife blocks with ridged edges, earth colours and teal
    watercolour  layered washes with dark-edged blooms and paper grain

The PNGs are palette images (256 colours, picked by k-means): each stays under 400 KB, and a
painting loses nothing visible. This is a maintainer's tool: `make install` copies the committed
PNGs and needs no Python.
"""

import argparse
import os
import struct
import sys
import zlib

import numpy as np

SIZE = 512


# ---- Fields -------------------------------------------------------------------------------------


def smooth_noise(rng, sigma, size=SIZE):
    """White noise low-passed by a Gaussian of `sigma` pixels (periodic), zero mean, unit std."""
    white = rng.standard_normal((size, size))
    f = np.fft.fftfreq(size)
    fx, fy = np.meshgrid(f, f)
    gain = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    field = np.real(np.fft.ifft2(np.fft.fft2(white) * gain))
    return (field - field.mean()) / (field.std() + 1e-12)


def fractal(rng, sigmas, weights, size=SIZE):
    field = sum(w * smooth_noise(rng, s, size) for s, w in zip(sigmas, weights))
    return (field - field.mean()) / (field.std() + 1e-12)


def blur(image, sigma):
    """Gaussian blur (periodic), of a 2-D field or of each channel of an H×W×C image."""
    f = np.fft.fftfreq(image.shape[0])
    g = np.fft.fftfreq(image.shape[1])
    fx, fy = np.meshgrid(g, f)
    gain = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    if image.ndim == 2:
        return np.real(np.fft.ifft2(np.fft.fft2(image) * gain))
    return np.stack([blur(image[..., c], sigma) for c in range(image.shape[2])], axis=-1)


def sample(field, x, y):
    """Bilinear sample of a periodic 2-D field at float coordinates."""
    h, w = field.shape
    x0 = np.floor(x).astype(np.int64)
    y0 = np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    x0 %= w
    y0 %= h
    x1, y1 = (x0 + 1) % w, (y0 + 1) % h
    top = field[y0, x0] * (1 - fx) + field[y0, x1] * fx
    bottom = field[y1, x0] * (1 - fx) + field[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def gradient(field):
    """Central differences (periodic): d/dx, d/dy."""
    gx = (np.roll(field, -1, axis=1) - np.roll(field, 1, axis=1)) * 0.5
    gy = (np.roll(field, -1, axis=0) - np.roll(field, 1, axis=0)) * 0.5
    return gx, gy


def lic(texture, vx, vy, length, step=1.0):
    """Line integral convolution: `texture` averaged along the streamlines of (vx, vy) over
    `length` steps each way, with a cosine window — brush strokes that follow the flow."""
    h, w = texture.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    total = texture.astype(np.float64).copy()
    weights = np.ones_like(total)
    for direction in (1.0, -1.0):
        x, y = xs.copy(), ys.copy()
        for k in range(1, length + 1):
            u, v = sample(vx, x, y), sample(vy, x, y)
            norm = np.hypot(u, v) + 1e-9
            x += direction * step * u / norm
            y += direction * step * v / norm
            weight = 0.5 + 0.5 * np.cos(np.pi * k / (length + 1))
            total += weight * sample(texture, x, y)
            weights += weight
    return total / weights


def normalise(field, low=1.0, high=99.0):
    """`field` stretched so that its `low`…`high` percentiles span 0…1 (clipped)."""
    a, b = np.percentile(field, [low, high])
    return np.clip((field - a) / (b - a + 1e-12), 0.0, 1.0)


def smoothstep(edge0, edge1, x):
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def hex_colours(*codes):
    return np.array([[int(c[i : i + 2], 16) / 255.0 for i in (1, 3, 5)] for c in codes])


def ramp(t, colours):
    """Piecewise-linear colour ramp: t in 0…1 → RGB through `colours` (N×3), evenly spaced."""
    n = len(colours) - 1
    pos = np.clip(t, 0.0, 1.0) * n
    i = np.minimum(pos.astype(np.int64), n - 1)
    f = (pos - i)[..., None]
    return colours[i] * (1 - f) + colours[i + 1] * f


def shade(height, strength, light=(-0.6, -0.8)):
    """Impasto lighting: 1 + strength × (the height's slope towards the light)."""
    gx, gy = gradient(height)
    return 1.0 + strength * (gx * light[0] + gy * light[1])


def stamp(canvas, mask, colour, x0, y0):
    """Paints `colour` (an RGB triple or an h×w×3 patch) over `canvas` through `mask` (h×w, 0…1)
    with its top-left corner at (x0, y0), clipped to the canvas."""
    h, w = mask.shape
    ya, yb = max(y0, 0), min(y0 + h, canvas.shape[0])
    xa, xb = max(x0, 0), min(x0 + w, canvas.shape[1])
    if ya >= yb or xa >= xb:
        return
    m = mask[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
    c = colour if np.ndim(colour) == 1 else colour[ya - y0 : yb - y0, xa - x0 : xb - x0]
    region = canvas[ya:yb, xa:xb]
    region[...] = region * (1 - m) + c * m


# ---- The paintings -----------------------------------------------------------------------------


def swirls(rng):
    """Night sky of eddies: curl-noise flow with vortices, strokes by LIC, impasto light."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    potential = 40.0 * fractal(rng, [60, 25], [1.0, 0.35])
    stars = [(150, 130, 70), (380, 110, 55), (300, 330, 80), (90, 390, 45), (450, 420, 50)]
    halo = np.zeros((SIZE, SIZE))
    for k, (cx, cy, r) in enumerate(stars):
        d2 = (xs - cx) ** 2 + (ys - cy) ** 2
        sign = 1.0 if k % 2 == 0 else -1.0
        potential += sign * 2.2 * r * r / 10.0 * np.exp(-d2 / (2 * (1.3 * r) ** 2))
        halo = np.maximum(halo, np.exp(-d2 / (2 * (0.45 * r) ** 2)))
    gx, gy = gradient(potential)
    vx, vy = gy, -gx
    # Dabs a few pixels wide, streaked along the flow: the strokes; a finer pass: the bristles.
    dabs = np.repeat(np.repeat(rng.random_sample((SIZE // 3 + 1, SIZE // 3 + 1)), 3, 0), 3, 1)[:SIZE, :SIZE]
    strokes = normalise(lic(blur(dabs, 0.8), vx, vy, 14))
    bristles = normalise(lic(rng.random_sample((SIZE, SIZE)), vx, vy, 5))
    tone = normalise(0.55 * fractal(rng, [45, 12], [1.0, 0.5]) + 0.75 * (strokes - 0.5) * 2.0)
    blues = hex_colours("#07122e", "#132c6b", "#2351a6", "#4f86c6", "#9cc3e6", "#e8eef0")
    golds = hex_colours("#5a4a12", "#b8901c", "#f0c83c", "#fae88a", "#fffbe6")
    image = ramp(tone, blues)
    glow = np.clip(halo * 1.4 + 0.25 * (strokes - 0.5), 0.0, 1.0)[..., None]
    image = image * (1 - glow) + ramp(np.clip(0.35 + 0.65 * tone * 0.8 + 0.4 * halo, 0, 1), golds) * glow
    # Rings of yellow strokes around two of the eddies.
    for cx, cy, r in stars[1:3]:
        d = np.hypot(xs - cx, ys - cy)
        ring = np.exp(-((d - 1.6 * r) ** 2) / (2 * (0.2 * r) ** 2)) * smoothstep(0.3, 0.65, strokes)
        image = image * (1 - 0.8 * ring[..., None]) + golds[2] * 0.8 * ring[..., None]
    height = 0.7 * strokes + 0.3 * bristles
    image *= shade(blur(height, 0.7), 3.0)[..., None]
    image *= (0.9 + 0.2 * bristles)[..., None]
    return image


def mosaic(rng):
    """Stained glass: jittered Voronoi cells of coloured glass, mottled, lit from the centre, in
    dark leading."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    grid = 13
    cell = SIZE / grid
    gy, gx = np.mgrid[0:grid, 0:grid].astype(np.float64)
    px = ((gx + 0.5 + 0.8 * (rng.random_sample(gx.shape) - 0.5)) * cell).ravel()
    py = ((gy + 0.5 + 0.8 * (rng.random_sample(gy.shape) - 0.5)) * cell).ravel()
    # Some cells split in two: pieces of several sizes.
    split = rng.random_sample(px.size) < 0.35
    extra_x = px[split] + rng.uniform(-0.3, 0.3, split.sum()) * cell
    extra_y = py[split] + rng.uniform(-0.3, 0.3, split.sum()) * cell
    px = np.concatenate([px, extra_x])
    py = np.concatenate([py, extra_y])
    # The two nearest points of each pixel (periodic distances, so the tile wraps).
    d1 = np.full((SIZE, SIZE), np.inf)
    d2 = np.full((SIZE, SIZE), np.inf)
    owner = np.zeros((SIZE, SIZE), dtype=np.int64)
    wobble_x = 3.0 * smooth_noise(rng, 6)
    wobble_y = 3.0 * smooth_noise(rng, 6)
    wx, wy = xs + wobble_x, ys + wobble_y
    for i, (cx, cy) in enumerate(zip(px, py)):
        dx = np.abs(wx - cx)
        dy = np.abs(wy - cy)
        dx = np.minimum(dx, SIZE - dx)
        dy = np.minimum(dy, SIZE - dy)
        d = np.hypot(dx, dy)
        nearer = d < d1
        d2 = np.where(nearer, d1, np.minimum(d2, d))
        owner = np.where(nearer, i, owner)
        d1 = np.where(nearer, d, d1)
    glass = hex_colours(
        "#8c1020", "#c0282a", "#1b3f9e", "#2458c8", "#0f6b4a", "#2f9a5a",
        "#e0a21a", "#f2c94c", "#5b2a86", "#d9661f", "#9ec9e8", "#e8dcc0",
    )
    weights = np.array([2, 2, 3, 3, 2, 2, 2, 1.5, 1.5, 1.5, 1, 0.7])
    choice = rng.choice(len(glass), size=px.size, p=weights / weights.sum())
    base = glass[choice][owner]
    brightness = rng.uniform(0.75, 1.15, px.size)[owner]
    centre_light = np.exp(-((d1 / (0.6 * cell)) ** 2))
    mottle = fractal(rng, [1.2, 4, 10], [0.4, 0.8, 0.6])
    streak = smooth_noise(rng, 2.0)
    streak = lic(streak, np.ones_like(streak), 0.35 * np.ones_like(streak), 6)
    light = brightness * (0.7 + 0.45 * centre_light) * (1 + 0.12 * mottle + 0.25 * streak)
    image = base * light[..., None]
    # Leading: dark where the two nearest points are nearly equally far; a highlight on the lead.
    edge = d2 - d1
    lead = 1.0 - smoothstep(2.0, 4.0, edge)
    lead_colour = hex_colours("#16120e")[0] + 0.18 * np.exp(-((edge - 0.8) ** 2) / 0.6)[..., None]
    image = image * (1 - lead[..., None]) + lead_colour * lead[..., None]
    return image


def hatching(rng):
    """Sepia ink cross-hatching on warm paper: up to four layers of gently curving parallel lines,
    each where the drawing's tone is dark enough, turned inside the objects, with pen contours."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    # The drawing: lit spheres with cast shadows over a ground that darkens downwards.
    tone = 0.12 + 0.45 * (ys / SIZE) ** 1.5 + 0.12 * fractal(rng, [60, 20], [1.0, 0.4])
    turn = np.zeros((SIZE, SIZE))
    outline = np.zeros((SIZE, SIZE))
    for k, (cx, cy, r) in enumerate([(170, 200, 110), (380, 310, 95), (320, 110, 55), (100, 420, 62)]):
        d = np.hypot(xs - cx, ys - cy) / r
        inside = d < 1
        nx, ny = (xs - cx) / r, (ys - cy) / r
        nz = np.sqrt(np.clip(1 - nx**2 - ny**2, 0, 1))
        lit = np.clip(-0.55 * nx - 0.6 * ny + 0.58 * nz, 0, 1)
        shadow = np.hypot((xs - cx - 0.6 * r) / (1.2 * r), (ys - cy - 0.95 * r) / (0.35 * r)) < 1
        tone = np.where(shadow & ~inside, np.minimum(tone + 0.45, 0.95), tone)
        tone = np.where(inside, 0.92 - 0.9 * lit, tone)
        turn = np.where(inside, 0.5 + 0.4 * k, turn)
        outline = np.maximum(outline, np.exp(-(((d - 1) * r) ** 2) / 1.5))
    ink_amount = np.zeros((SIZE, SIZE))
    layers = [(0.78, 0.15, 6.5), (-0.72, 0.35, 6.0), (0.05, 0.55, 5.5), (1.57, 0.72, 5.0)]
    for angle, threshold, spacing in layers:
        wobble = 2.5 * smooth_noise(rng, 30) + 0.4 * smooth_noise(rng, 6)
        a = angle + turn
        u = (xs * np.cos(a) + ys * np.sin(a) + wobble) / spacing
        distance = np.abs(u - np.round(u)) * spacing
        width = 0.45 + 0.9 * np.clip((tone - threshold) / 0.3, 0, 1)
        line = 1.0 - smoothstep(width - 0.5, width + 0.5, distance)
        # Lines break now and then, as a pen lifts.
        gaps = smoothstep(-1.6, -1.1, smooth_noise(rng, 10))
        ragged = threshold + 0.05 * smooth_noise(rng, 8)
        ink_amount = np.maximum(ink_amount, line * gaps * smoothstep(ragged, ragged + 0.05, tone))
    ink_amount = np.maximum(ink_amount, 0.9 * outline)
    paper = hex_colours("#f2e8cf")[0] * (1 + 0.03 * fractal(rng, [0.8, 3], [1, 0.6]))[..., None]
    paper *= (1 - 0.06 * np.clip(smooth_noise(rng, 80), 0, None))[..., None]
    ink = hex_colours("#2a1a10")[0] * (1 + 0.12 * smooth_noise(rng, 12))[..., None]
    return paper * (1 - ink_amount[..., None]) + ink * ink_amount[..., None]


def pointillism(rng):
    """Dots of pure colour (a dozen pigments, mixed by the eye) over a sunny riverside: sky, sun,
    hills with trees, and water with the sun's reflection, on a pale ground."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    scene = ramp(ys / 240.0, hex_colours("#2f5fc8", "#6f9fe0", "#cfe0f0"))
    sun = np.exp(-((xs - 370) ** 2 + (ys - 110) ** 2) / (2 * 40.0**2))[..., None]
    scene = scene * (1 - sun) + hex_colours("#fff0a0")[0] * sun
    horizon = 250 + 22 * np.sin(xs / 75.0 + 1.0) + 10 * smooth_noise(rng, 25)
    land = (ys > horizon) & (ys < 360)
    greens = ramp(normalise(fractal(rng, [18, 6], [1, 0.4]) - 0.6 * (ys - 250) / 110),
                  hex_colours("#243a70", "#2f7a36", "#7fbf3a", "#f0d040"))
    scene = np.where(land[..., None], greens, scene)
    for cx, cy, rx, ry in [(80, 225, 28, 70), (140, 240, 22, 55), (470, 215, 30, 80)]:
        crown = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 < 1
        shade_side = xs > cx + 0.2 * rx
        scene = np.where((crown & shade_side)[..., None], hex_colours("#283070")[0], scene)
        scene = np.where((crown & ~shade_side)[..., None], hex_colours("#2d8a3a")[0], scene)
    water = ys >= 360
    ripples = normalise(np.sin(ys / 3.5 + 2.5 * smooth_noise(rng, 20)) + 0.6 * smooth_noise(rng, 5))
    river = ramp(ripples, hex_colours("#1c3c98", "#3f82d0", "#9fd0f0"))
    glitter = (np.abs(xs - 370) < 30 + 0.25 * (ys - 360)) & (ripples > 0.55)
    river = np.where(glitter[..., None], hex_colours("#ffd040")[0], river)
    scene = np.where(water[..., None], river, scene)
    pigments = hex_colours(
        "#1b3fa0", "#3f7fd8", "#2f9a4a", "#88c040", "#f2d12e", "#f08a24",
        "#e0402a", "#c03a8a", "#7a4ab8", "#ffffff", "#a8d0f0", "#20304a",
    )
    ground = hex_colours("#f4ecd8")[0]
    canvas = np.tile(ground, (SIZE, SIZE, 1))
    for spacing, radius in [(7.5, 3.6), (6.5, 3.0)]:
        n = int(SIZE / spacing) + 1
        gy, gx = np.mgrid[0:n, 0:n].astype(np.float64)
        dot_x = (gx + rng.random_sample(gx.shape)) * spacing
        dot_y = (gy + rng.random_sample(gy.shape)) * spacing
        for k in rng.permutation(dot_x.size):
            cx, cy = dot_x.flat[k], dot_y.flat[k]
            want = scene[int(cy) % SIZE, int(cx) % SIZE]
            # Divisionism: a pigment near the wanted colour, now and then a neighbour.
            distance = np.sum((pigments - want) ** 2, axis=1)
            p = np.exp(-distance / 0.05)
            p /= p.sum()
            colour = pigments[rng.choice(len(pigments), p=p)] * rng.uniform(0.9, 1.05)
            r = radius * rng.uniform(0.8, 1.25)
            x0, y0 = int(np.floor(cx - r - 1)), int(np.floor(cy - r - 1))
            size = int(2 * r + 3)
            py, px = np.mgrid[0:size, 0:size].astype(np.float64)
            d = np.hypot(px + x0 + 0.5 - cx, (py + y0 + 0.5 - cy) * 1.15)
            stamp(canvas, np.clip(r - d + 0.5, 0, 1), colour, x0, y0)
    return canvas


def knife(rng):
    """Broad palette-knife blocks: flat slabs of paint with scraped streaks and ridged edges,
    layered, in earth colours, ochre and teal under impasto light."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    field = fractal(rng, [90, 30], [1, 0.5])
    scene = ramp(normalise(0.6 * field + 0.4 * (ys / SIZE * 2 - 1) * 1.2),
                 hex_colours("#e8d9b0", "#d9a441", "#b5562a", "#2e7a78", "#1d3b4a", "#3a2418"))
    canvas = scene.copy()
    height = np.zeros((SIZE, SIZE))
    for k in range(1400):
        cx, cy = rng.uniform(-20, SIZE + 20, 2)
        angle = 0.5 * field[int(cy) % SIZE, int(cx) % SIZE] + rng.normal(0, 0.35) + (0.0 if cy < 260 else 0.7)
        length = rng.uniform(25, 80) * (1.0 if k < 900 else 0.6)
        width = rng.uniform(10, 28) * (1.0 if k < 900 else 0.6)
        reach = int(np.hypot(length, width) / 2 + 3)
        x0, y0 = int(cx) - reach, int(cy) - reach
        py, px = np.mgrid[0 : 2 * reach, 0 : 2 * reach].astype(np.float64)
        dx, dy = px + x0 - cx, py + y0 - cy
        along = dx * np.cos(angle) + dy * np.sin(angle)
        across = -dx * np.sin(angle) + dy * np.cos(angle)
        # A slab with a slanted, slightly ragged end.
        end = length / 2 + 0.35 * across * rng.choice([-1, 1])
        mask = smoothstep(width / 2 + 1, width / 2 - 1, np.abs(across)) * smoothstep(end + 1, end - 1, np.abs(along))
        base = scene[int(cy) % SIZE, int(cx) % SIZE] * rng.uniform(0.8, 1.2) + rng.normal(0, 0.07, 3)
        # Scrape marks along the knife, and a ridge where the paint piled at its far side.
        scrape = np.sin(across * rng.uniform(0.8, 1.6) + rng.uniform(0, 6.3)) * 0.06
        ridge = np.exp(-((np.abs(across) - width / 2 + 1.5) ** 2) / 3.0) * (across > 0)
        patch = np.clip(base[None, None, :] * (1 + scrape)[..., None] + 0.12 * ridge[..., None], 0, 1)
        stamp(canvas, mask, patch, x0, y0)
        h = np.zeros((SIZE, SIZE))
        stamp(h[..., None], mask, (1.0 + 2.5 * ridge + 8 * scrape)[..., None], x0, y0)
        region_mask = np.zeros((SIZE, SIZE))
        stamp(region_mask[..., None], mask, np.ones(1), x0, y0)
        height = height * (1 - region_mask) + h * region_mask
    grain = smooth_noise(rng, 0.8)
    canvas *= shade(blur(height, 1.0), 0.35)[..., None]
    canvas *= (1 + 0.04 * grain)[..., None]
    return canvas


def watercolour(rng):
    """Layered watercolour washes: transparent pigment (Beer–Lambert) in soft-edged pools, darker
    where each dried at its edge, with back-run blooms, granulation in the paper's grain, and a
    few dry-brush strokes over them."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    paper_grain = fractal(rng, [0.8, 2.5], [1, 0.7])
    # Absorbance per channel: how strongly each pigment takes away red, green and blue.
    pigments = [
        [1.6, 1.0, 0.2],  # ultramarine
        [1.2, 0.4, 0.15],  # cerulean
        [0.1, 1.3, 0.6],  # rose
        [0.05, 0.3, 1.5],  # gamboge
        [1.0, 0.3, 1.2],  # sap green
        [0.35, 0.9, 1.4],  # burnt sienna
        [1.4, 1.2, 0.7],  # indigo
    ]
    density = np.zeros((SIZE, SIZE, 3))
    for k in range(11):
        pigment = np.array(pigments[k % len(pigments)])
        shape = fractal(rng, [rng.uniform(40, 80), 10], [1, 0.25])
        level = rng.uniform(0.4, 1.0)
        wet = smoothstep(level - 0.05, level + 0.25, shape)
        # Pigment gathers at the edge of a drying wash, and a bloom pushes it out in a ring.
        rim = np.clip(wet - blur(wet, 2.5), 0, None) * 4.0
        bloom = smoothstep(0.6, 0.9, smooth_noise(rng, 10)) * wet
        bloom_ring = np.clip(bloom - blur(bloom, 1.5), 0, None) * 3.0
        amount = rng.uniform(0.35, 0.7) * (wet * (0.8 - 0.5 * bloom) + rim + bloom_ring)
        amount *= 1 + 0.2 * paper_grain * (k % 2)  # granulating pigments settle in the grain
        density += amount[..., None] * pigment[None, None, :]
    # Dry-brush strokes: broken where the brush skipped over the paper's grain.
    for k in range(6):
        x0, y0 = rng.uniform(60, SIZE - 60, 2)
        angle = rng.uniform(-0.5, 0.5) + (np.pi / 2 if k % 3 == 0 else 0)
        bend = rng.uniform(-0.004, 0.004)
        along = (xs - x0) * np.cos(angle) + (ys - y0) * np.sin(angle)
        across = -(xs - x0) * np.sin(angle) + (ys - y0) * np.cos(angle) - bend * along**2
        width = rng.uniform(5, 11)
        stroke = smoothstep(width, width - 2.5, np.abs(across)) * smoothstep(180, 110, np.abs(along))
        stroke *= smoothstep(-0.4, 0.2, blur(paper_grain, 0.6) + 0.3 * smooth_noise(rng, 6))
        pigment = np.array(pigments[(k * 3 + 6) % len(pigments)])
        density += 1.1 * stroke[..., None] * pigment[None, None, :]
    paper = hex_colours("#faf5ea")[0] * (1 - 0.025 * paper_grain)[..., None]
    return paper * np.exp(-density)


STYLES = {
    "swirls": (swirls, 1),
    "mosaic": (mosaic, 2),
    "hatching": (hatching, 3),
    "pointillism": (pointillism, 4),
    "knife": (knife, 5),
    "watercolour": (watercolour, 6),
}


# ---- Output: a 256-colour palette PNG -----------------------------------------------------------


def palette(image, colours=256, rounds=12, seed=0):
    """k-means colours of `image` (from a fixed sample, so the result is deterministic); returns
    the palette (colours×3, 0…255) and each pixel's index."""
    pixels = (np.clip(image, 0, 1) * 255.0).reshape(-1, 3)
    rng = np.random.RandomState(seed)
    train = pixels[rng.choice(len(pixels), 40000, replace=False)]
    centres = train[rng.choice(len(train), colours, replace=False)].copy()
    for _ in range(rounds):
        labels = nearest(train, centres)
        for c in range(colours):
            members = train[labels == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    return np.round(centres).astype(np.uint8), nearest(pixels, np.round(centres))


def nearest(points, centres):
    out = np.empty(len(points), dtype=np.int64)
    c2 = np.sum(centres**2, axis=1)
    for start in range(0, len(points), 32768):
        chunk = points[start : start + 32768]
        out[start : start + 32768] = np.argmin(c2[None, :] - 2.0 * chunk @ centres.T, axis=1)
    return out


def write_png(path, colours, indices, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = indices.astype(np.uint8).reshape(height, width)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    data += chunk(b"PLTE", colours.tobytes())
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "share", "styles"))
    parser.add_argument("--only", nargs="+", choices=sorted(STYLES), help="paint only these styles")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for name in args.only or STYLES:
        paint, seed = STYLES[name]
        image = paint(np.random.RandomState(seed))  # a stream numpy keeps stable
        colours, indices = palette(image, seed=seed)
        path = os.path.join(args.outdir, name + ".png")
        write_png(path, colours, indices, SIZE, SIZE)
        print(f"make-styles: wrote {path} ({os.path.getsize(path) // 1024} KB)", file=sys.stderr)


if __name__ == "__main__":
    main()
