"""`make bench`: every benchmark of the project as one table of ratios, also written to bench/results.md."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, frontend, generation, library, placeholder, spend

BENCHMARKS = [
    ("cold start", "import app / import chalice+psycopg+jwt+Powertools", "lower is better; 1.0 = nothing of ours",
     cold_start.measure),
    ("spend path", "spends/s through the domain use case / the same guarded SQL raw", "higher is better; target >= 0.7",
     spend.measure),
    ("worker overhead", "worker time per 1024x1024 image / PNG decode + WebP thumbnail + one INSERT + one S3 PUT",
     "lower is better; target <= 1.3", generation.worker_overhead),
    ("listing", "50 of a user's 10,000 images among 1,000,000 / the raw indexed SELECT of the same rows",
     "lower is better; target <= 1.5", library.measure_listing),
    ("cached download", "a cached 1024 px JPEG variant through the use case / reading its bytes with one SELECT",
     "lower is better; target <= 1.2", library.measure_cached_variant),
    ("placeholder render", "one 1024x1024 placeholder PNG / Pillow saving a plain 1024x1024 RGB PNG",
     "lower is better", placeholder.measure),
    ("placeholder 4K", "one 3840x2160 placeholder PNG / Pillow saving a plain 3840x2160 RGB PNG", "lower is better",
     lambda: placeholder.measure(3840, 2160, repeats=2)),
    ("landing JS", "KB of gzipped JavaScript the landing page loads", "target <= 60 (KB, not a ratio)",
     lambda: {"ratio": frontend_result()["landing_js_gzip_kb"]}),
    ("Lighthouse landing", "performance / accessibility scores, 0-100", "targets >= 95 / 100",
     lambda: {"ratio": frontend_result()["lighthouse_landing_performance"],
              "text": f"{frontend_result()['lighthouse_landing_performance']:.0f} / "
                      f"{frontend_result()['lighthouse_landing_accessibility']:.0f}"}),
    ("Lighthouse dashboard", "performance / accessibility scores, 0-100", "targets >= 95 / 100",
     lambda: {"ratio": frontend_result()["lighthouse_dashboard_performance"],
              "text": f"{frontend_result()['lighthouse_dashboard_performance']:.0f} / "
                      f"{frontend_result()['lighthouse_dashboard_accessibility']:.0f}"}),
    ("request to image", "p50 seconds from POST /v1/generations to succeeded, local stack, placeholder renderer",
     "target < 1 s (an absolute time, not a ratio)", lambda: {"ratio": generation.end_to_end()["p50_s"]}),
    ("request to preview", "p50 from POST /v1/generations to its first preview served (real SDK streaming from the "
     "fake OpenAI) / the fake's own time to its first partial image", "lower is better; target <= 1.5",
     generation.first_preview),
]


_FRONTEND: dict = {}


def frontend_result() -> dict:
    """Lighthouse runs once for all three rows."""
    if not _FRONTEND:
        _FRONTEND.update(frontend.measure())
    return _FRONTEND


def main() -> None:
    rows = []
    for name, ratio_of, note, run in BENCHMARKS:
        result = run()
        shown = result.get("text") or f"{result['ratio']:.2f}"
        rows.append((name, ratio_of, shown, note))
        print(f"{name:<20} {shown:>9}   {ratio_of}")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        "",
        "| benchmark | ratio of | ratio | note |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
    ]
    results = Path(__file__).parent / "results.md"
    results.write_text("\n".join(lines))
    if _FRONTEND:  # the per-page Lighthouse table goes below the ratios, as bench/frontend.py writes it
        frontend.write_section(frontend.section(_FRONTEND, frontend.lighthouse_version()), results)


if __name__ == "__main__":
    main()
