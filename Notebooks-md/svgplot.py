"""A minimal, dependency-free SVG line/scatter plotter for the notebooks (standard library only, deterministic
output, so notebooks regenerate identically on any machine)."""
import math

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def _ticks(lo, hi, log):
    if log:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [10.0 ** e for e in range(a, b + 1)]
    if hi == lo:
        return [lo]
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    out, t = [], start
    while t <= hi + 1e-12 * abs(step):
        out.append(round(t, 12))
        t += step
    return out


def _fmt(v):
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        e = int(math.floor(math.log10(abs(v))))
        m = v / 10 ** e
        return f"1e{e}" if abs(m - 1) < 1e-9 else f"{m:g}e{e}"
    return f"{v:g}"


def plot(path, series, title, xlabel, ylabel, xlog=False, ylog=False, ylim=None, hlines=(), width=780, height=420):
    """series: list of (label, [(x, y), ...], style) with style 'line' or 'points'. hlines: [(y, label)]."""
    pts = [(x, y) for _, data, _ in series for x, y in data if y is not None and not math.isnan(y)]
    xs = [x for x, _ in pts] or [0, 1]
    ys = [y for _, y in pts] + [y for y, _ in hlines] or [0, 1]
    xlo, xhi = min(xs), max(xs)
    ylo, yhi = (min(ys), max(ys)) if ylim is None else ylim
    if xhi == xlo:
        xlo, xhi = xlo - 1, xhi + 1
    if yhi == ylo:
        ylo, yhi = ylo - 0.5, yhi + 0.5
    if not ylog and ylim is None:
        pad = 0.05 * (yhi - ylo)
        ylo, yhi = ylo - pad, yhi + pad
    left, right, top, bottom = 70, 250, 40, 50
    pw, ph = width - left - right, height - top - bottom

    def tx(x):
        if xlog:
            return left + pw * (math.log10(x) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))
        return left + pw * (x - xlo) / (xhi - xlo)

    def ty(y):
        if ylog:
            return top + ph * (1 - (math.log10(y) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)))
        return top + ph * (1 - (y - ylo) / (yhi - ylo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left + pw / 2:.1f}" y="20" text-anchor="middle" font-size="13">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="black"/>']
    for t in _ticks(xlo, xhi, xlog):
        if xlo <= t <= xhi:
            x = tx(t)
            out.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 4}" stroke="black"/>')
            out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
    for t in _ticks(ylo, yhi, ylog):
        if ylo <= t <= yhi:
            y = ty(t)
            out.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 10}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="15" y="{top + ph / 2:.1f}" text-anchor="middle" transform="rotate(-90 15 {top + ph / 2:.1f})">{ylabel}</text>')
    for y, label in hlines:
        if ylo <= y <= yhi:
            out.append(f'<line x1="{left}" y1="{ty(y):.1f}" x2="{left + pw}" y2="{ty(y):.1f}" stroke="#888" stroke-dasharray="4 3"/>')
            out.append(f'<text x="{left + pw - 4}" y="{ty(y) - 4:.1f}" text-anchor="end" fill="#555">{label}</text>')
    for k, (label, data, style) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        data = [(x, y) for x, y in data if y is not None and not math.isnan(y) and (not ylog or y > 0)]
        if style == "line" and len(data) > 1:
            d = " ".join(f"{'M' if i == 0 else 'L'}{tx(x):.1f},{ty(y):.1f}" for i, (x, y) in enumerate(data))
            out.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8"/>')
        for x, y in data:
            out.append(f'<circle cx="{tx(x):.1f}" cy="{ty(y):.1f}" r="{2.6 if style == "line" else 2.2}" fill="{color}"/>')
        ly = top + 14 + 16 * k
        out.append(f'<line x1="{left + pw + 10}" y1="{ly - 4}" x2="{left + pw + 28}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 32}" y="{ly}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
