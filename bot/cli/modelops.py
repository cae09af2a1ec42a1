"""`bench` and `retrain`: measuring and replacing the model."""

from __future__ import annotations

import argparse
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
    positive_int,
)


def cmd_retrain(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.retrain import run_retrain

    return run_retrain(args.tolerance, args.min_macro_f1, args.window_days)


def cmd_bench_reset_timing(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.bench_reset_timing import run_timing_benchmark

    return run_timing_benchmark(args.tries, args.max_diff_ms, args.mail_delay_ms)


def cmd_bench_nlu(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.bench_nlu import run_benchmark

    return run_benchmark(args.model, args.data, args.top, args.min_macro_f1, args.report)


def cmd_bench_load(container: Container | None, args: argparse.Namespace) -> int:
    from bot.modelops.bench_load import main as bench_load

    return bench_load(args.rest)


def bench_load_argv(argv: list[str]) -> list[str] | None:
    """`bench load ...` passes every option on to the load benchmark's own parser."""
    return list(argv[2:]) if list(argv[:2]) == ["bench", "load"] else None


def register(groups: Any) -> None:
    """Add this module's command groups to the parser."""
    retrain = groups.add_parser(
        "retrain", help="train a candidate and serve it only through the gate"
    )
    retrain.set_defaults(handler=cmd_retrain, needs_container=False)
    retrain.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="largest drop allowed in any metric (default 0.01)",
    )
    retrain.add_argument("--min-macro-f1", type=float, default=0.85,
                         help="smallest held-out macro-F1 accepted (default 0.85)")  # fmt: skip
    retrain.add_argument("--window-days", type=positive_int, default=56,
                         help="live held-out lines of the last N days join the gate")  # fmt: skip
    bench = groups.add_parser("bench", help="benchmarks that print numbers")
    b = bench.add_subparsers(dest="command", metavar="COMMAND", required=True)
    nlu = command(
        b,
        "nlu",
        cmd_bench_nlu,
        "intent accuracy and macro-F1 on held-out data",
        needs_container=False,
    )
    nlu.add_argument("--model", default="models", help="model file or folder")
    nlu.add_argument("--data", default="tests/nlu/heldout.yml", help="held-out NLU file")
    nlu.add_argument("--top", type=positive_int, default=10, help="confused pairs to show")
    nlu.add_argument(
        "--min-macro-f1", type=float, default=None, help="exit 1 when macro-F1 is below this"
    )
    nlu.add_argument("--report", default=None, help="also write a JSON report here")
    timing = command(b, "reset-timing", cmd_bench_reset_timing,
                     "does the timing of a reset, a verification start or a code resend "
                     "reveal whether an account exists?",
                     needs_container=False)  # fmt: skip
    load = command(b, "load", cmd_bench_load,
                   "this assistant and the stock Rasa bot under the same concurrent load "
                   "(options: python -m bot.modelops.bench_load --help)",
                   needs_container=False)  # fmt: skip
    load.add_argument("rest", nargs=argparse.REMAINDER, help="options of the load benchmark")
    timing.add_argument("--tries", type=positive_int, default=50)
    timing.add_argument(
        "--max-diff-ms", type=float, default=None, help="exit 1 when the medians differ by more"
    )
    timing.add_argument("--mail-delay-ms", type=float, default=200,
                        help="how long the simulated mail system takes per email")  # fmt: skip
