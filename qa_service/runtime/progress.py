"""Build progress that suits where it goes: a live bar on a terminal, a plain line every ~10 % otherwise.

A tqdm bar written to a log file (CI, cron mail) is hundreds of carriage-return frames; a line per tenth
reads well there and still shows that a long build moves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TextIO, TypeVar

T = TypeVar("T")


def progress(items: Sequence[T], desc: str, stream: TextIO | None = None) -> Iterator[T]:
    """Yield ``items``, reporting progress on ``stream`` (default stderr) in the way that suits it."""
    out = stream or sys.stderr
    if out.isatty():
        from tqdm import tqdm

        yield from tqdm(items, desc=desc, unit="batch", file=out)
        return
    total, reported = len(items), 0
    for done, item in enumerate(items, 1):
        yield item
        percent = done * 100 // total
        if percent // 10 > reported // 10 or done == total and reported < 100:
            print(f"{desc}: {percent}% ({done}/{total} batches)", file=out, flush=True)
            reported = percent
