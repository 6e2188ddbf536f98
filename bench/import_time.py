"""Cold-start budget: ``import functions.app`` against ``import flask, boto3`` alone (goal: ratio <= 1.25).

Each import runs in a fresh interpreter, alternating, many times; the medians are compared as a ratio.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15


def once(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    baseline, app = [], []
    once("import functions.app")  # warm the file cache and bytecode
    for _ in range(RUNS):
        baseline.append(once("import flask, boto3"))
        app.append(once("import functions.app"))
    base_ms, app_ms = statistics.median(baseline) * 1000, statistics.median(app) * 1000
    print(f"import flask+boto3   median {base_ms:7.1f} ms over {RUNS} runs")
    print(f"import functions.app median {app_ms:7.1f} ms over {RUNS} runs")
    print(f"ratio {app_ms / base_ms:.2f} (budget <= 1.25)")


if __name__ == "__main__":
    main()
