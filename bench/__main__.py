"""`python -m bench [authz]`: run benchmarks and print their ratios to the same-run baselines."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import authz


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("scenario", nargs="?", default="authz", choices=["authz"])
    parser.add_argument("--cadres", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    if args.scenario == "authz":
        result = authz.run(args.dir, cadres=args.cadres, repeats=args.repeats)
        print(
            f"authorization overhead, {result.rows}-cadre nested page, {args.cadres:,} cadres seeded:\n"
            f"  {result.agency} (cut schema, row scopes, masks): median {result.restricted.median_ms:.1f} ms, "
            f"p95 {result.restricted.p95_ms:.1f} ms\n"
            f"  all-access principal:                 median {result.all_access.median_ms:.1f} ms, "
            f"p95 {result.all_access.p95_ms:.1f} ms\n"
            f"  ratio {result.ratio:.2f}x (goal <= 1.10x)"
        )


if __name__ == "__main__":
    main()
