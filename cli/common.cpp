// Shared by the subcommands: report run ids, and checking an implementation's command.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/harness/child_process.hpp"

namespace lockstep::cli {

std::string run_id_now(std::uint64_t seed, std::string_view tool) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  return fmt::format("{}{}{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}-seed{}", tool, tool.empty() ? "" : "-",
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), ms, seed);
}

std::optional<std::string> check_sut_command(const std::string& command) {
  namespace fs = std::filesystem;
  auto argv = harness::split_command_line(command);
  if (!argv) return "--sut: " + argv.error().message;
  const std::string& program = argv->front();
  auto runnable = [](const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); };
  if (program.find('/') != std::string::npos)
    return runnable(program) ? std::nullopt
                             : std::optional<std::string>(fmt::format("--sut: '{}' is not an executable file", program));
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    if (runnable(fs::path(dir.empty() ? "." : std::string(dir)) / program)) return std::nullopt;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return fmt::format("--sut: '{}' is not found on PATH", program);
}

}  // namespace lockstep::cli
