"""`make bench`: run every benchmarks/bench_*.py on a fresh PostgreSQL database and write results.json.

Each benchmark module exposes ``run() -> dict`` returning at least ``seconds``, ``baseline_seconds`` (a floor
measured in the same run, on the same data), ``ratio`` (seconds / baseline_seconds) and ``queries``. Goals are
ratios, not absolute times, so they hold on any machine. ``python -m benchmarks NAME ...`` runs a subset.
``BENCH_SCALE=3`` runs the benchmarks that have ``run_scaled(scale)`` (the lists) once more at 3M entries, after
every 1M figure is taken, and records them as ``<name>_3m`` with each role's seconds against the 1M figure.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2

    names = [m.name.removeprefix("bench_") for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_")]
    selected = [n for n in names if not argv or n in argv]
    if not selected:
        print(f"no benchmark matches {argv}; available: {', '.join(sorted(names))}", file=sys.stderr)
        return 2

    # A throw-away database, created and migrated like the test database, so no real data is touched.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    results: dict[str, dict] = {}
    try:
        for name in sorted(selected):
            module = importlib.import_module(f"benchmarks.bench_{name}")
            started = time.perf_counter()
            figures = module.run()
            figures.setdefault("ratio", figures["seconds"] / figures["baseline_seconds"])
            figures["wall_seconds"] = round(time.perf_counter() - started, 3)
            results[name] = figures
            print(
                f"{name}: {figures['seconds']:.3f} s vs baseline {figures['baseline_seconds']:.3f} s "
                f"→ ratio {figures['ratio']:.2f}, queries {figures.get('queries')}"
            )
            _print_extra(figures)
        # BENCH_SCALE=3: the list benchmarks again on the grown data, once every 1M figure is taken.
        factor = int(os.environ.get("BENCH_SCALE", "1") or 1)
        for name in sorted(selected) if factor > 1 else ():
            module = importlib.import_module(f"benchmarks.bench_{name}")
            if not hasattr(module, "run_scaled") or not name.endswith("_1m"):
                continue
            scaled_name = name.removesuffix("_1m") + f"_{factor}m"
            figures = module.run_scaled(factor)
            for key in ("seconds", "office_seconds", "admin_seconds"):
                if key in figures and key in results[name]:
                    figures[f"{key}_vs_1m"] = round(figures[key] / results[name][key], 3)
            results[scaled_name] = figures
            print(f"{scaled_name}: {figures['seconds']:.3f} s, queries {figures.get('queries')}")
            _print_extra(figures)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    out = HERE / "results.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    if not argv:
        # A whole run replaces every figure of its own, and keeps the province's (`make bench-province`).
        previous = {name: figures for name, figures in previous.items() if name.startswith("province_")}
    out.write_text(json.dumps({**previous, **results}, ensure_ascii=False, indent=2))
    print(f"wrote {out}")
    return 0


def _print_extra(figures: dict) -> None:
    shown = {"seconds", "baseline_seconds", "ratio", "queries"}
    extra = {k: v for k, v in figures.items() if k not in shown and not k.endswith(("counted_sql", "plans"))}
    if extra:
        print("   " + ", ".join(f"{k}={v}" for k, v in extra.items()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
