// A project outside lockstep that finds it with find_package, plans a booking, and
// derives the igloohome client's options from two base URLs (the installed net/
// and client/ headers and their exported targets).
#include <iostream>
#include "lockstep/igloohome/client.hpp"
#include "lockstep/net/endpoint.hpp"
#include "lockstep/rules.hpp"
int main() {
  auto zone = lockstep::Zone::locate("Europe/Paris").value();
  auto plan = lockstep::plan_booking(zone, lockstep::parse_local("2026-03-29T02:30").value(),
                                     lockstep::parse_local("2026-04-02T11:00").value(), {},
                                     lockstep::LockKind::bridge).value();
  std::cout << lockstep::format_instant(plan.valid_from) << "\n";
  auto auth = lockstep::net::parse_base_url("http://127.0.0.1:8080/auth").value();
  auto api = lockstep::net::parse_base_url("http://127.0.0.1:8080/igloohome").value();
  std::cout << lockstep::igloohome::options_for(auth, api).token_path << "\n";
}
