"""One teach from its own process, started at an agreed moment (for the two-process race).

usage: teach_child.py ROOT ENTRY PHRASING START_AT   (START_AT: time.time() to begin at)
Prints "Added" or "Refused: <reason>".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bot.services import TeachError, add_example

    root, entry, phrasing, start_at = sys.argv[1:5]
    while time.time() < float(start_at):  # both processes begin together
        pass
    try:
        add_example(Path(root), entry, phrasing, who="M", stale_days=100_000)
    except TeachError as exc:
        print(f"Refused: {exc}")
        return
    print("Added")


if __name__ == "__main__":
    main()
