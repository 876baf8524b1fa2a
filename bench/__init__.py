"""roomdesk's benchmark suite: ``python -m bench`` (see bench/__main__.py and docs/performance.md).

One module per benchmark: startup (1, and memory, 6), filtering (2), sorting (3), stalls (4),
ratelimit (5), client_overhead (7). Each measures roomdesk side by side with a baseline in the
same run and reports median and spread; bench.core holds the shared types.
"""
