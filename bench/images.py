"""Camera-like JPEGs: noisy, textured, with EXIF orientation 6 and a GPS position, like a phone's."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter


def camera_jpeg(width=4000, height=3000, seed=0, quality=90):
    """A JPEG that compresses like a photo (grain, edges, gradients), with EXIF a phone would write."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").transpose(rng.choice(list(Image.Transpose))).resize((width, height))
    tint = tuple(rng.randrange(40, 220) for _ in range(3))
    picture = Image.merge("RGB", [base.point(lambda v, t=t: (v * t) // 255) for t in tint])
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 20, width // 4), rng.randrange(height // 20, height // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(2))
    # Texture at every scale, as in a real scene: leaves, fabric, gravel, then the sensor's grain.
    for divisor, weight in ((64, 0.3), (8, 0.25), (1, 0.15)):
        size = (max(1, width // divisor), max(1, height // divisor))
        noise = Image.merge("RGB", [Image.effect_noise(size, 40) for _ in range(3)])
        picture = Image.blend(picture, noise.resize((width, height), Image.Resampling.BICUBIC), weight)
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"  # Make
    exif[0x0110] = "Camera 12MP"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (45.0, 44.0, 51.0), 3: "E", 4: (4.0, 13.0, 28.0)}  # GPSInfo
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()
