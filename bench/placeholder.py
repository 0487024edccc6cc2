"""The offline placeholder renderer: its time for a picture against Pillow's own time to encode one that size."""

from __future__ import annotations

import io
import time

from PIL import Image

from chalicelib.adapters.placeholder_images import render

PROMPT = "a lighthouse at dusk, oil painting, dramatic sky " * 5


def _best(run, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _pillow_png(width: int, height: int) -> None:
    Image.new("RGB", (width, height), (40, 80, 200)).save(io.BytesIO(), "PNG")


def measure(width: int = 1024, height: int = 1024, repeats: int = 5) -> dict:
    """Rendering one width x height placeholder PNG / Pillow saving a plain RGB image of that size as PNG.

    What tests/unit/test_placeholder.py once asserted in seconds (a 1024 square under 100 ms, 3840x2160 under
    a second), as a ratio that holds on a slower or busier machine."""
    render("warm up", 0, 0, 64, 64)
    ours = _best(lambda: render(PROMPT, 1, 0, width, height, n=4), repeats)
    pillow = _best(lambda: _pillow_png(width, height), repeats)
    return {"ratio": ours / pillow, "render_s": ours, "pillow_s": pillow}


if __name__ == "__main__":
    print(measure())
    print(measure(3840, 2160, repeats=2))
