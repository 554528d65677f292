"""Mutant generation_day_late: codes are generated one day later than configured.

Bug: "days before arrival" is counted with the check-in day as day 1
(days_before - 1 days before it), so a 5-day lead makes the code 4 days ahead.
Breaks T3 (generated on the day days_before days before the check-in day).
"""
import sut


class Engine(sut.Engine):
    def generation_time(self, zone, checkin_day, days_before):
        return super().generation_time(zone, checkin_day, days_before - 1)
