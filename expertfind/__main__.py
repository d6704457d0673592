"""`python -m expertfind`."""

from .cli import main

main()
