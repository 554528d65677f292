"""Mutant calls_after_disconnect: disconnecting does not stop the scheduler.

Bug: disconnect removes the assignments from the screen and marks the account
disconnected, but keeps the cached credentials and token and leaves the
scheduled generations and retries in place, which keep calling igloohome.
Breaks L4 (after a disconnect, no call reaches igloohome).
"""
import sut


class Engine(sut.Engine):
    def disconnect(self):
        self.connected = False
        for property_id in [p for p, (brand, _) in self.assigned.items() if brand == "igloohome"]:
            del self.assigned[property_id]
