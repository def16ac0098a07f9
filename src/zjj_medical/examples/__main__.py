"""``python -m zjj_medical.examples``: list the examples; ``path NAME``: where one is;
``copy NAME DIR``: copy one into a directory."""

from __future__ import annotations

import sys

from zjj_medical.examples import copy, names, path


def main(argv: list[str]) -> int:
    """Run the command line; the exit code."""
    try:
        if not argv:
            print("\n".join(names()))
        elif argv[0] == "path" and len(argv) == 2:
            print(path(argv[1]))
        elif argv[0] == "copy" and len(argv) == 3:
            print(copy(argv[1], argv[2]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
