#!/usr/bin/env python3
"""Draws the 1024x1024 source icon: a white shield with 巡 on police blue.

Run `python3 icons/make-icon.py` (needs Pillow and Debian's fonts-noto-cjk), then
`npx --prefix tests/webdriver tauri icon icons/app-icon.png -o icons` for the full set.
"""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 1024
BLUE = (16, 52, 128, 255)      # police blue
LIGHT = (235, 241, 252, 255)   # shield face
GOLD = (232, 184, 48, 255)     # rim
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def shield(cx, top, w, h):
    """A heater shield: flat top with rounded shoulders, curved flanks down to a point."""
    pts = []
    for i in range(0, 101):
        t = i / 100
        # right flank from shoulder to tip (quadratic-ish curve)
        x = cx + (w / 2) * (1 - t ** 2.2)
        y = top + h * 0.18 + (h * 0.82) * t
        pts.append((x, y))
    left = [(2 * cx - x, y) for (x, y) in reversed(pts)]
    return [(cx - w / 2, top + h * 0.18), (cx - w / 2, top), (cx + w / 2, top)] + pts + left


def main():
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, SIZE - 1, SIZE - 1], radius=200, fill=BLUE)
    d.polygon(shield(512, 150, 660, 760), fill=GOLD)
    d.polygon(shield(512, 182, 596, 700), fill=LIGHT)
    font = ImageFont.truetype(FONT, 340, index=0)
    d.text((512, 455), "巡", font=font, fill=BLUE, anchor="mm")
    out = Path(__file__).with_name("app-icon.png")
    img.save(out)
    print(out)


if __name__ == "__main__":
    main()
