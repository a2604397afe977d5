"""Read back the QR codes a page or a label carries: SVG → PNG (cairosvg) → payloads (zxingcpp).

Shared by the tests of every part that prints QR codes (books, give-box, console).
"""

import io
import re

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"')
PIXELS_PER_MODULE = 8
QUIET_ZONE = 4  # modules of white around the code, as scanners expect


def decode_svg_qr(svg_text):
    """The payloads of every QR code in ``svg_text`` (one ``<svg>`` or a whole HTML page), in order."""
    payloads = []
    for svg in _SVG.findall(svg_text if isinstance(svg_text, str) else svg_text.decode()):
        payloads.extend(_decode_one(svg))
    return payloads


def _decode_one(svg):
    import cairosvg
    import zxingcpp
    from PIL import Image

    match = _VIEWBOX.search(svg)
    width = int(float(match.group(1)) * PIXELS_PER_MODULE) if match else 400
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=width, output_height=width)
    code = Image.open(io.BytesIO(png)).convert("L")
    margin = QUIET_ZONE * PIXELS_PER_MODULE
    canvas = Image.new("L", (code.width + 2 * margin, code.height + 2 * margin), 255)
    canvas.paste(code, (margin, margin))
    return [result.text for result in zxingcpp.read_barcodes(canvas) if result.format == zxingcpp.BarcodeFormat.QRCode]
