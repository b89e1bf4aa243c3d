"""A progress bar on stderr for long commands: events done of the total, rate and time left.

Shown when stderr is a terminal, or when forced (`--progress`); otherwise nothing is drawn, so
logs and pipes stay clean and stdout keeps its contract (the result alone on the last line).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

Report = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, forced: bool | None = None) -> Iterator[Report]:
    """Yields `report(done, total)`; `forced` None means: only if stderr is a terminal."""
    shown = sys.stderr.isatty() if forced is None else forced
    with tqdm(
        desc=label,
        total=0,
        unit=" events",
        file=sys.stderr,
        disable=not shown,
        dynamic_ncols=True,
        mininterval=0.2,
    ) as bar:

        def report(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        yield report
