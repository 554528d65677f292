// A project outside lockstep that finds it with find_package and plans a booking.
#include <iostream>
#include "lockstep/rules.hpp"
int main() {
  auto zone = lockstep::Zone::locate("Europe/Paris").value();
  auto plan = lockstep::plan_booking(zone, lockstep::parse_local("2026-03-29T02:30").value(),
                                     lockstep::parse_local("2026-04-02T11:00").value(), {},
                                     lockstep::LockKind::bridge).value();
  std::cout << lockstep::format_instant(plan.valid_from) << "\n";
}
