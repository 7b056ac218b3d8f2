"""`python -m counting FILE.blt --method M [--seats N] [--seed TEXT | --draw] [--json]`."""

import sys

from .cli import main

sys.exit(main())
