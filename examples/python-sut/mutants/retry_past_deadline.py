"""Mutant retry_past_deadline: retries never stop at the check-in day's end.

Bug: the deadline check was lost; a failed generation is retried hourly until the
guest's check-out, so an outage through the check-in day still gives attempts
(and perhaps a code) on the days after.
Breaks T4 (attempts only while before the local midnight ending the check-in day).
"""
import sut


class Engine(sut.Engine):
    def next_retry(self, b, at):
        return at + sut.HOUR  # the base engine still stops at valid_until
