// The subcommand registry. Each cmd_*.cpp registers one subcommand at static
// initialisation: its setup declares options on the CLI11 sub-app and returns the
// function main() runs when that subcommand is chosen (its exit status).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace lockstep::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App& sub)>;

struct Subcommand {
  std::string name;
  std::string description;
  Setup setup;
};

std::vector<Subcommand>& subcommands();

inline bool register_subcommand(std::string name, std::string description, Setup setup) {
  subcommands().push_back({std::move(name), std::move(description), std::move(setup)});
  return true;
}

// A report directory name from the wall clock: [TOOL-]YYYYMMDD-HHMMSS-mmm-seedN.
std::string run_id_now(std::uint64_t seed, std::string_view tool = {});

// Why `--sut COMMAND` cannot be run (bad quoting, program not found or not
// executable), or nothing when it can: checked before any run starts, so a typo
// is bad input (exit 2) rather than a failure of every scenario.
std::optional<std::string> check_sut_command(const std::string& command);

}  // namespace lockstep::cli
