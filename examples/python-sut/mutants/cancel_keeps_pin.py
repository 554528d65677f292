"""Mutant cancel_keeps_pin: a cancellation leaves the PIN on the bridge lock.

Bug: cancelling marks the booking cancelled and drops pending work, but never
sends the delete job, so the cancelled guest's code keeps opening the door until
its endDate.
Breaks B2 (a cancelled booking's bridge code is deleted at once).
"""
import sut


class Engine(sut.Engine):
    def cancel_booking(self, booking_id):
        b = self.bookings.get(booking_id)
        if b is None:
            raise sut.Refusal("not_found", f"no booking {booking_id!r}")
        b.cancelled, b.due, b.job, b.status = True, None, None, "revoked"
