"""Camera-like JPEGs: a scene with smooth and textured parts, grain, EXIF orientation 6 and GPS, like a phone's."""

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter


def camera_jpeg(width=4000, height=3000, seed=0, quality=90):
    """A JPEG that compresses like a photo, with the EXIF a phone writes.

    A phone photo is not noise everywhere: a wall, a table or the sky is smooth, leaves, gravel or
    fabric are textured, and the sensor adds a fine grain that is mostly brightness (phones smooth
    the colour noise away). At 12 MP and quality 90 this weighs about what a phone's JPEG does (~3 MB).
    """
    rng = random.Random(seed)
    picture = _scene(width, height, rng)
    textured = picture
    for divisor, sigma in ((24, 20), (6, 16), (2, 12)):  # coarse to fine, like leaves or gravel
        textured = ImageChops.add(textured, _luminance_noise((width, height), divisor, sigma), offset=-128)
    picture = Image.composite(textured, picture, _texture_mask((width, height), rng))
    picture = ImageChops.add(picture, _luminance_noise((width, height), 1, 5), offset=-128)  # grain
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"  # Make
    exif[0x0110] = "Camera 12MP"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (45.0, 44.0, 51.0), 3: "E", 4: (4.0, 13.0, 28.0)}  # GPSInfo
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def _scene(width, height, rng):
    """Light falling across a background, and objects with edges, softened by the lens."""
    base = Image.linear_gradient("L").transpose(rng.choice(list(Image.Transpose))).resize((width, height))
    tint = tuple(rng.randrange(40, 220) for _ in range(3))
    picture = Image.merge("RGB", [base.point(lambda v, t=t: 30 + (v * t) // 255) for t in tint])
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 20, width // 4), rng.randrange(height // 20, height // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    return picture.filter(ImageFilter.GaussianBlur(max(1, width // 2000)))


def _luminance_noise(size, divisor, sigma):
    """Grey noise (the same on R, G and B) with features ``divisor`` pixels wide, centred on 128."""
    width, height = size
    small = Image.effect_noise((max(1, width // divisor), max(1, height // divisor)), sigma)
    grey = small.resize(size, Image.Resampling.BICUBIC) if divisor > 1 else small
    return Image.merge("RGB", [grey] * 3)


def _texture_mask(size, rng):
    """Where the scene is textured: blotches covering about half the picture, soft-edged."""
    width, height = size
    blotches = Image.effect_noise((max(1, width // 400), max(1, height // 400)), 60)
    mask = blotches.resize(size, Image.Resampling.BICUBIC)
    threshold = rng.randrange(118, 138)
    return mask.point(lambda v: 255 if v > threshold + 12 else 0 if v < threshold - 12 else (v - threshold + 12) * 10)
