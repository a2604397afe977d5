"""QR codes as small inline SVG (for screens and print). ``qrcode`` does the encoding; the drawing
merges each row's dark modules into runs, about 5x smaller than qrcode's own SVG."""

from markupsafe import Markup, escape


def matrix(payload, border=2):
    import qrcode  # lazy: keeps `boxlocale serve` quick to start
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(border=border, error_correction=ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


def svg(payload, label=None, css_class="qr", border=2):
    """An inline ``<svg>`` of the QR code of ``payload``; ``label`` is read by screen readers."""
    rows = matrix(payload, border)
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="{escape(css_class)}" '
        f'role="img" aria-label="{escape(label or payload)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def wifi_payload(ssid, password=""):
    """The payload phones' cameras read as "join this wifi" (WIFI:T:nopass;S:name;;)."""

    def quote(text):
        return "".join("\\" + ch if ch in '\\;,:"' else ch for ch in text)

    if password:
        return f"WIFI:T:WPA;S:{quote(ssid)};P:{quote(password)};;"
    return f"WIFI:T:nopass;S:{quote(ssid)};;"
