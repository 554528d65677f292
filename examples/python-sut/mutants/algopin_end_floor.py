"""Mutant algopin_end_floor: the algoPIN's end is rounded down to the hour.

Bug: both ends of the hourly algoPIN window are floored, so a stay ending at
11:30 (valid_until) gets a code that stops at 11:00; the guest is locked out for
the last half hour.
Breaks C5 (end = the earliest instant on the hour at or after valid_until).
"""
import sut


class Engine(sut.Engine):
    def ceil_hour(self, t, offset):
        return self.floor_hour(t, offset)
