"""Mutant retry_wall_clock_hours: retries run on the hour of the wall clock.

Bug: a failed attempt is retried by an hourly cron job (at the next :00 UTC), not
60 elapsed minutes after the attempt; a booking made at 10:17 during an outage is
retried at 11:00, 12:00, ... instead of 11:17, 12:17, ...
Breaks T4 (tried again 60 elapsed minutes after the failed attempt).
"""
import sut


class Engine(sut.Engine):
    def next_retry(self, b, at):
        nxt = at.replace(minute=0, second=0, microsecond=0) + sut.HOUR
        return nxt if nxt < b.deadline else None
