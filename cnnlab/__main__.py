"""`python -m cnnlab --help`: see cnnlab.cli."""

from cnnlab.cli import main

raise SystemExit(main(prog="python -m cnnlab"))
