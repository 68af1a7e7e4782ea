"""Names shared by the CDK stacks, the handlers and the local stack.

Everything that two deployables must agree on (table keys, index names, event names, rule
patterns, handler entry points) is defined here once so that they cannot drift apart.
One module per concern (events, table, functions, pages, summary_runs); everything is re-exported
here, so `from callrecap import contracts as c` reads `c.PK`, `c.BusEvent`... This package must stay
import-cheap: no boto3, no Powertools.
"""

from __future__ import annotations

from callrecap.contracts.events import *  # noqa: F403
from callrecap.contracts.functions import *  # noqa: F403
from callrecap.contracts.pages import *  # noqa: F403
from callrecap.contracts.summary_runs import *  # noqa: F403
from callrecap.contracts.table import *  # noqa: F403
