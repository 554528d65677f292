"""Mutant dst_gap_transition: a check-in inside a DST gap becomes the transition instant.

Bug: a local time that does not exist (02:30 on the night Paris jumps 02:00 -> 03:00)
is resolved to the instant the clocks jumped (01:00Z), as date's choose::earliest
or a naive "clamp to the gap's start" does, instead of moving it forward by the
gap's length (01:30Z).
Breaks T1 (Temporal's `compatible`: a gap time moves forward by the gap).
"""
from datetime import timedelta

import sut


class Engine(sut.Engine):
    def resolve(self, zone, local):
        t = super().resolve(zone, local)
        if t.astimezone(zone).replace(tzinfo=None) == local:
            return t  # the time exists: no gap
        earlier = local.replace(tzinfo=zone, fold=1).astimezone(sut.UTC)
        before = sut.offset_at(zone, earlier)
        while earlier < t and sut.offset_at(zone, earlier) == before:
            earlier += timedelta(minutes=1)
        return earlier
