"""`python -m bench.capacity`: the capacity rows for N calls (see the package doc)."""

import sys

from bench.capacity.report import main

sys.exit(main())
