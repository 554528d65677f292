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

  record_invocation(argc > 0 ? argv[0] : "");

  auto& all = subcommands();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  struct Chosen {
    CLI::App* sub;
    Run run;
    std::size_t keep = 0;  // --keep, for subcommands that write a report directory
    bool writes_reports = false;
  };
  std::vector<Chosen> runs;
  runs.reserve(all.size());
  for (auto& s : all) {
    CLI::App* sub = app.add_subcommand(s.name, s.description);
    auto& chosen = runs.emplace_back(Chosen{sub, s.setup(*sub)});
    if (auto* report_dir = sub->get_option_no_throw("--report-dir");
        report_dir != nullptr && sub->get_option_no_throw("--keep") == nullptr) {
      report_dir->capture_default_str();  // so its value is known after the run, given or not
      add_keep_option(*sub, chosen.keep);
      chosen.writes_reports = true;
    }
    if (sub->get_footer().empty()) sub->footer(exit_codes_help(s.name));
  }
  app.footer(exit_codes_help(""));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  }
  if (version) {
    std::cout << fmt::format("lockstep {}\ntz database {} (system, /usr/share/zoneinfo)\n",
                             LOCKSTEP_VERSION, lockstep::tz_database_version());
    return 0;
  }
  for (auto& chosen : runs) {
    if (!chosen.sub->parsed()) continue;
    const std::string name = chosen.sub->get_name();
    int status = kExitBadInput;
    try {
      status = chosen.run();
    } catch (const std::exception& e) {
      std::cerr << "lockstep " << name << ": " << e.what() << "\n";
      return kExitBadInput;
    }
    if (chosen.writes_reports && status != kExitBadInput)
      prune_reports(chosen.sub->get_option("--report-dir")->as<std::string>(), chosen.keep, name, std::cerr);
    return status;
  }
  // No subcommand: that is a usage mistake, not a successful run.
  std::cerr << app.help();
  return kExitBadInput;
}
