"""Lambda cold start, as Lambda runs it: against ``import flask, boto3`` measured the same way (budget <= 1.25).

``make package``'s zip is unpacked; each probe is a fresh interpreter whose path holds only the package and
boto3 (Lambda's runtime), with no bytecode writes (``/var/task`` is read-only). Probes alternate; each
reports its own CPU time, so interpreter start-up (the same for all) stays out. The figures:

- ready: Zappa's handler imported and set up (``LambdaHandler()``), what any event waits for;
- first answer: the same plus one HTTP event through the function's handler (the Flask app is built on it).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.aws_lambda import api_event, runtime_dir  # noqa: E402

PACKAGE = ROOT / "build" / "otklik-dev.zip"
RUNS = 21
PROBE = ("import time, json\nstart = time.process_time()\n{}\n"
         "print('CPU', json.dumps(time.process_time() - start))")
BASELINE = "import flask, boto3"
READY = "import handler\nhandler.LambdaHandler()"
FIRST_ANSWER = ("import json, sys\nfrom functions.jobs import lambda_handler\nclass C: aws_request_id = 'bench'\n"
                "assert lambda_handler(json.loads(sys.argv[1]), C())['statusCode'] == 200")


def once(task: Path, runtime: Path, code: str, event: str) -> float:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{task}:{runtime}", "PYTHONDONTWRITEBYTECODE": "1",
           "AWS_LAMBDA_FUNCTION_NAME": "otklik-dev", "AWS_REGION": "eu-central-1",
           "AWS_DEFAULT_REGION": "eu-central-1", "FUNNEL_SECRET_KEY": "k" * 64}
    done = subprocess.run([sys.executable, "-S", "-c", PROBE.format(code), event], cwd=task, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.rsplit("CPU ", 1)[1]) * 1000


def main() -> None:
    if not PACKAGE.exists():
        sys.exit("no build/otklik-dev.zip: run `make package` first")
    with tempfile.TemporaryDirectory() as folder:
        task = Path(folder) / "task"
        with zipfile.ZipFile(PACKAGE) as archive:
            archive.extractall(task)
        runtime = runtime_dir(Path(folder) / "runtime")
        from functions.answers.page import asset_urls

        event = json.dumps(api_event("GET", asset_urls()["page.js"]))
        probes = {"baseline": BASELINE, "ready": READY, "first answer": FIRST_ANSWER}
        times: dict[str, list[float]] = {name: [] for name in probes}
        for code in probes.values():
            once(task, runtime, code, event)  # warm the file cache
        for _ in range(RUNS):
            for name, code in probes.items():
                times[name].append(once(task, runtime, code, event))
    base = statistics.median(times["baseline"])
    print(f"Lambda cold start, CPU ms, median of {RUNS} fresh processes each (no bytecode writes):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<13} {median:7.1f} ms   {median / base:.2f}x import flask, boto3")
    print("budget: ready <= 1.25x")


if __name__ == "__main__":
    main()
