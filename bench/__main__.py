"""``python -m bench [NAME ...]``: run the named benchmarks, or all of them."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from bench import BENCHMARKS, load


def _interrupt_on_signal(signum: int, frame: object) -> None:
    # Treat SIGTERM/SIGHUP as Ctrl-C, which asyncio.run and every `finally`
    # (server process, temp dir) already handle.
    signal.raise_signal(signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Dangol benchmarks")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})",
    )
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    # Also when started in the background, where SIGINT may be ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt_on_signal)
    signal.signal(signal.SIGHUP, _interrupt_on_signal)
    started = time.perf_counter()
    try:
        for name in names:
            print(f"== {name}: {BENCHMARKS[name][1]}", flush=True)
            load(name)()
            print(flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    print(f"all benchmarks done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
