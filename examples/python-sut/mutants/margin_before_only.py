"""Mutant margin_before_only: the access margin is applied before check-in only.

Bug: valid_until is the check-out itself; the margin was read as "let guests in
early" and never added after check-out.
Breaks T2 (valid_until = instant(check-out) + margin; the margin is symmetric).
"""
import sut


class Engine(sut.Engine):
    def window(self, checkin, checkout, margin):
        return checkin - margin, checkout
