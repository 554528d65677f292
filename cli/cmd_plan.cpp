// `lockstep plan`: JSON Lines in, one JSON line out per line, streaming.
#include <iostream>
#include <string>

#include "command.hpp"
#include "lockstep/harness/plan_line.hpp"

namespace {

int run_plan() {
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  bool any_bad = false;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines carry no booking
    auto result = lockstep::harness::plan_line(line);
    any_bad |= !result.ok;
    std::cout << result.json << '\n';
    // Stream: answer now unless more input is already waiting (then batch).
    if (std::cin.rdbuf()->in_avail() <= 0) std::cout.flush();
  }
  std::cout.flush();
  return any_bad ? 1 : 0;
}

const bool registered = lockstep::cli::register_subcommand(
    "plan",
    "Read bookings as JSON Lines on stdin; write each one's schedule (window, generation, "
    "retry deadline, algoPIN) as a JSON line on stdout. See docs/plan.md.",
    [](CLI::App&) -> lockstep::cli::Run { return run_plan; });

}  // namespace
