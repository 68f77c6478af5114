"""An ASCII chart of messages delivered per second, from `bench.round --json` files
(no plotting library in the project's dependencies).

    .venv/bin/python -m bench.plot bench/results/round-10000-free.json [--bucket 10]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

WIDTH = 50


def chart(result: dict, bucket: int) -> str:
    per_second = result["per_second"]
    rows = [per_second[i : i + bucket] for i in range(0, len(per_second), bucket)]
    rates = [sum(row) / len(row) for row in rows]
    top = max(rates) or 1.0
    lines = [f"{result['partners']} partners, {result['mode']}: messages/s, mean of each {bucket} s"]
    for n, rate in enumerate(rates):
        lines.append(f"{n * bucket:5d}s |{'#' * round(rate / top * WIDTH):<{WIDTH}}| {rate:7.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plot", description=__doc__)
    parser.add_argument("result", type=Path)
    parser.add_argument("--bucket", type=int, default=10, help="seconds per bar")
    args = parser.parse_args()
    print(chart(json.loads(args.result.read_text(encoding="utf-8")), args.bucket))


if __name__ == "__main__":
    main()
