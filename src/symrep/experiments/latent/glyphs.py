"""TMNIST digit glyphs: rebuilt from font files with the TMNIST recipe, or read from Kaggle's CSV.

The rebuild renders each digit with Pillow at size 28 on a white canvas with a 5 px margin, inverts
it, crops to the ink, resizes the longer side to 20 px (bilinear, aspect kept), zero-pads to 28x28
and shifts by round(14 - centre of mass). It is close to, not identical with, the Kaggle CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symrep.data.loaders import load_tmnist_csv
from symrep.plumbing import atomic_path

SIZE, MARGIN, BOX = 28, 5, 20


def render_glyph(font_file: str | Path, digit: int) -> np.ndarray:
    """One digit of one font as a 28x28 uint8 image (ink = 255), by the TMNIST recipe."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_file), SIZE)
    left, top, right, bottom = font.getbbox(str(digit))
    canvas = Image.new("L", (right - left + 2 * MARGIN, bottom - top + 2 * MARGIN), 255)
    ImageDraw.Draw(canvas).text((MARGIN - left, MARGIN - top), str(digit), font=font, fill=0)
    ink = Image.eval(canvas, lambda v: 255 - v)
    bbox = ink.getbbox()
    if bbox is None:
        raise ValueError(f"{font_file}: digit {digit} renders no ink")
    ink = ink.crop(bbox)
    scale = BOX / max(ink.size)
    ink = ink.resize((max(1, round(ink.width * scale)), max(1, round(ink.height * scale))), Image.BILINEAR)
    out = np.zeros((SIZE, SIZE), dtype=np.uint8)
    top, left = (SIZE - ink.height) // 2, (SIZE - ink.width) // 2
    out[top : top + ink.height, left : left + ink.width] = np.asarray(ink)
    return _centre_by_mass(out)


def _centre_by_mass(image: np.ndarray) -> np.ndarray:
    """Shift (zero fill) so that the centre of mass lands on pixel 14, as the recipe states."""
    rows, cols = np.indices(image.shape)
    mass = image.sum(dtype=np.float64)
    dy = int(round(SIZE / 2 - (rows * image).sum() / mass))
    dx = int(round(SIZE / 2 - (cols * image).sum() / mass))
    out = np.zeros_like(image)
    src_r, dst_r = slice(max(0, -dy), SIZE - max(0, dy)), slice(max(0, dy), SIZE - max(0, -dy))
    src_c, dst_c = slice(max(0, -dx), SIZE - max(0, dx)), slice(max(0, dx), SIZE - max(0, -dx))
    out[dst_r, dst_c] = image[src_r, src_c]
    return out


def font_files(fonts: list[str], files: list[str | Path]) -> list[Path]:
    """The file `<font>.ttf` among `files` for each font name, in the order of `fonts`."""
    by_name = {Path(f).stem: Path(f) for f in files}
    missing = [f for f in fonts if f not in by_name]
    if missing:
        raise ValueError(f"no font file for {missing}; available: {sorted(by_name)}")
    return [by_name[f] for f in fonts]


def build_glyphs(
    fonts: list[str], *, files: list[str | Path] = (), csv: str | Path | None = None
) -> np.ndarray:
    """Glyphs (len(fonts), 10, 28, 28) uint8 indexed by (font, digit): from the CSV when given,
    else rendered from the font `files`."""
    if csv is not None:
        return load_tmnist_csv(csv, fonts)["images"]
    return np.stack([np.stack([render_glyph(f, d) for d in range(10)]) for f in font_files(fonts, files)])


def save_glyphs(path: str | Path, glyphs: np.ndarray, fonts: list[str], source: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, glyphs=glyphs, fonts=np.array(fonts), source=np.array(source))


def load_glyphs(path: str | Path) -> tuple[np.ndarray, list[str]]:
    with np.load(path) as data:
        return data["glyphs"], data["fonts"].tolist()
