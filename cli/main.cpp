// g++ 12 reports a false -Wnull-dereference inside std::string when CLI11's
// detail::split is inlined here (the pointer it names is never null); the
// warning is middle-end, so it can only be silenced for the whole file.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/time.hpp"

namespace lockstep::cli {
std::vector<Subcommand>& subcommands() {
  static std::vector<Subcommand> all;
  return all;
}
}  // namespace lockstep::cli

int main(int argc, char** argv) {
  using namespace lockstep::cli;
  CLI::App app{"lockstep — simulation and conformance harness for smart-lock access codes"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version and the tz database in use");

  auto& all = subcommands();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, Run>> runs;
  for (auto& s : all) {
    CLI::App* sub = app.add_subcommand(s.name, s.description);
    runs.emplace_back(sub, s.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (version) {
    std::cout << fmt::format("lockstep {}\ntz database {} (system, /usr/share/zoneinfo)\n",
                             LOCKSTEP_VERSION, lockstep::tz_database_version());
    return 0;
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) {
      try {
        return run();
      } catch (const std::exception& e) {
        std::cerr << "lockstep " << sub->get_name() << ": " << e.what() << "\n";
        return 2;
      }
    }
  }
  std::cout << app.help();
  return 0;
}
