"""Capacity and cost model: what N concurrent calls ask of an AWS account, and what they cost.

Measured, then extrapolated (docs/capacity.md):

1. **Profile** (measured on the local stack): every recorded call in samples/ is replayed through
   the real handlers, wired as deployed (live updates on), with the AWS limits enforced. Counted
   per call and per call-minute: Kinesis records and bytes, AWS requests by function and operation
   (botocore, in the handlers' own threads only), Lambda invocations and billed time, DynamoDB
   write and read units per table/index (the partition-heat meter, transactions at 2x), bus
   entries, queue messages, pushes a watching page would get (one per watcher lookup), log bytes,
   and the model's tokens (the prompt the engine renders for each call, output as long as the
   summary it stores).
2. **Capacity** for N concurrent calls of 6 minutes (the samples' speech rate), one open page per
   call: each row is a figure, the quota or limit it meets (with the page that states it), its
   utilisation and what a deployment of that size must raise. The JSON of one N:
   `python -m bench.capacity --calls N --json`.
3. **Cost** per 1,000 five-minute calls from the same profile and public on-demand prices
   (us-east-1), beside the same figures for LCA's documented shape (an AppSync mutation and a
   DynamoDB write per segment, partials included, one model call per summary section).

Local durations are moto's, not DynamoDB's (pessimistic for the Lambda rows); the summarizer's
model wait is an input (`--model-latency-s`), as are the model's quotas, which differ per model and
account (Service Quotas).
"""

from bench.capacity.costs import PRICES_USD, cost
from bench.capacity.limits import LIMITS, Limit
from bench.capacity.load import Assumptions, capacity
from bench.capacity.profile import Profile, measure_profile
from bench.capacity.report import NAME, main, run

__all__ = [
    "LIMITS",
    "NAME",
    "PRICES_USD",
    "Assumptions",
    "Limit",
    "Profile",
    "capacity",
    "cost",
    "main",
    "measure_profile",
    "run",
]
