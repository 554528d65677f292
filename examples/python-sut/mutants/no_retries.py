"""Mutant no_retries: a failed generation is never tried again.

Bug: the first failure (bridge offline, 5xx, 429) marks the code failed at once;
the hourly retry loop was never written.
Breaks T4 (a failed generation is tried again every 60 minutes until the deadline).
"""
import sut


class Engine(sut.Engine):
    def next_retry(self, b, at):
        return None
