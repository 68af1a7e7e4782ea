import sys

from callrecap_local.cli import main

sys.exit(main())
