"""``python -m promotor``: the command line (see :mod:`promotor.cli`)."""

from promotor.cli import main

if __name__ == "__main__":
    main()
