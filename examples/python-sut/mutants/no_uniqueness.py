"""Mutant no_uniqueness: codes are not checked against the lock's other codes.

Bug: the "in use on this lock" check is missing, so two guests whose stays
overlap can hold the same PIN on one lock: two bookings in guest_phone mode whose
phones end in the same six digits (a family booking twice), or two random codes
that happen to collide.
Breaks C1 (never a code in use on the same lock by a booking whose window
overlaps), and with it C2's `in_use` fallback.
"""
import sut


class Engine(sut.Engine):
    def in_use(self, lock_id, pin, b):
        return False
