"""The baseline process for ``claimcheck nli``: a plain transformers loop (batch 32, fp32, input order).

    python -m eval.bench.plain_nli PAIRS.jsonl
"""

from __future__ import annotations

import sys

from checker.ingest import read_pairs
from checker.infer import NLIModel
from eval.bench_nli import plain_loop


def main(argv: list[str] | None = None) -> int:
    (path,) = argv if argv is not None else sys.argv[1:]
    plain_loop(NLIModel(device="cpu"), read_pairs(path), batch_size=32)
    return 0


if __name__ == "__main__":
    sys.exit(main())
