"""Generate WikiText input of a given size from the real WikiText files in ../shared/data.

Articles of WikiText-2 raw (test, validation) and of the tokenised WikiText-2/103 files
are repeated in a fixed order; every repetition renames its titles (` = Title (copy 17) = `)
so document ids stay unique. The same size always gives the same bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SOURCES = [
    DATA / "wikitext-2-raw" / "wiki.test.lf-blanklines.raw",
    DATA / "wikitext-2-raw" / "wiki.valid.raw",
    DATA / "wikitext-103" / "wiki.test.tokens",
    DATA / "wikitext-2" / "wiki.train.tokens.partial",
]


def source_lines() -> list[str]:
    lines: list[str] = []
    for path in SOURCES:
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: the benchmark needs ../shared beside the project")
        lines.extend(path.read_text(encoding="utf-8").replace("\r\n", "\n").splitlines(keepends=True))
    return lines


def copies(lines: list[str]) -> Iterator[str]:
    copy = 0
    while True:
        copy += 1
        for line in lines:
            if line.startswith(" = ") and not line.startswith(" = = ") and line.rstrip().endswith(" ="):
                yield line.rstrip()[:-2].rstrip() + f" (copy {copy}) = \n"
            else:
                yield line


def generate(path: Path, mb: float) -> Path:
    """Write about `mb` MB (10^6 bytes) of WikiText to `path`, ending on an article boundary."""
    target = int(mb * 1e6)
    if path.exists() and path.stat().st_size >= target:
        return path
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for line in copies(source_lines()):
            if written >= target and line.startswith(" = ") and not line.startswith(" = = "):
                break
            out.write(line)
            written += len(line.encode("utf-8"))
    return path


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), float(sys.argv[2])))
