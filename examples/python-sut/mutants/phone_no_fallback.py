"""Mutant phone_no_fallback: guest_phone mode has no random fallback.

Bug: when the guest's phone cannot give a code (missing, too short, letters in
it, or the code is in use on the lock), the booking is left without a code
(status failed) instead of falling back to a random code.
Breaks C2 (falls back to a random code, recording why).
"""
import sut


class NoCode(sut.ApiError):
    def __init__(self, why):
        super().__init__(0, "no_phone_code", f"guest phone unusable: {why}")

    @property
    def kind(self):
        return "invalid_request"  # terminal: nobody retries a missing phone number


class Engine(sut.Engine):
    def choose_pin(self, b):
        if self.lock_settings(b.lock_id)["code_source"] == "guest_phone":
            pin, why = self.phone_pin(b.phone)
            if pin is None:
                raise NoCode(why)
            if self.in_use(b.lock_id, pin, b):
                raise NoCode("in_use")
            return pin, "guest_phone", None
        return super().choose_pin(b)
