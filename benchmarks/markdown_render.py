"""Render time of Markdown against input size, for ordinary text and for input that made Python-Markdown
quadratic (runs of "[" and "![", "[a](", "[](", "[^") or worse (unclosed fences, nested lists).

    python benchmarks/markdown_render.py [--sizes 10000,25000,50000,100000]

Bracket runs are rendered literally in linear time (the ratio time/size should stay flat); other slow input
is cut off after lms.markup.RENDER_SECONDS with a message for the author ("refused"). Times include
sanitising and, above 2,000 characters, the forked child that bounds the render.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import markup  # noqa: E402

INPUTS = {
    "ordinary text": lambda n: ("A *paragraph* with a [link](page.md) and `code`.\n\n" * (n // 50 + 1))[:n],
    '"[" run': lambda n: "[" * n,
    '"![" run': lambda n: ("![" * n)[:n],
    '"[a](" run': lambda n: ("[a](" * n)[:n],
    '"[](" run': lambda n: ("[](" * n)[:n],
    '"[^" run': lambda n: ("[^" * n)[:n],
    "nested [[..]]": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "unclosed fences": lambda n: ("```\n" * n)[:n],
    "nested lists": lambda n: ("- " * n)[: n - 1] + "x",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,25000,50000,100000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    print(f"render limit {markup.RENDER_SECONDS:.1f} s, size limit {markup.MAX_MARKDOWN_CHARS:,} characters")
    print(f"{'input':18}" + "".join(f"{size:>14,}" for size in sizes) + "   µs/char at the largest")
    for name, make in INPUTS.items():
        cells, last = [], None
        for size in sizes:
            text = make(size)
            start = time.perf_counter()
            try:
                markup.render_markdown(text)
                outcome = ""
            except markup.MarkdownError:
                outcome = " refused"
            elapsed = time.perf_counter() - start
            cells.append(f"{elapsed:>7.3f} s{outcome:<8}"[:14].rjust(14))
            last = elapsed / len(text) * 1e6
        print(f"{name:18}" + "".join(cells) + f"   {last:.1f}")


if __name__ == "__main__":
    main()
