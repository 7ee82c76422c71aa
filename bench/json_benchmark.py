"""The JSON reader of the database's columns and of the LRS (``app.jsonutil``) beside orjson, which it wraps.

    .venv/bin/python bench/json_benchmark.py [--repeat 7]

A module's texts (its body in three languages, ~85 KB of JSON) are read on every course and module page, and
every statement batch goes through the same reader: the look for runs of digits that orjson would round must not
cost many times the parse itself. Prints, for that text and for a batch of 100 statements, the best of --repeat
runs of 20 reads each, in microseconds per read, and the ratio to orjson."""
import argparse
import json
import sys
import time
import uuid
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import jsonutil  # noqa: E402


def best(read, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(20):
            read(text)
        times.append((time.perf_counter() - started) / 20)
    return min(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    body = "La especialización inteligente (S3) — 2026: 12 regiones, 3,5 % del PIB. " * 400
    module = json.dumps({locale: {"title": "Módulo", "body": body} for locale in ("en", "es", "pt_BR")})
    batch = json.dumps([{"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:t{i}@example.org"},
                         "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
                         "object": {"id": f"https://itinera.example.org/courses/s3/modules/{i}"},
                         "result": {"score": {"scaled": 0.85, "raw": 17, "max": 20}, "duration": "PT12M30S"},
                         "timestamp": "2026-12-05T10:00:00.000Z"} for i in range(100)])
    print(f"{'text':<28} {'KB':>6} {'orjson µs':>10} {'jsonutil µs':>12} {'ratio':>6}")
    for name, text in (("module texts (3 languages)", module), ("100 statements", batch)):
        assert jsonutil.loads(text) == orjson.loads(text)
        fast, ours = best(orjson.loads, text, args.repeat), best(jsonutil.loads, text, args.repeat)
        print(f"{name:<28} {len(text.encode()) / 1024:>6.1f} {fast:>10.1f} {ours:>12.1f} {ours / fast:>6.2f}")


if __name__ == "__main__":
    main()
