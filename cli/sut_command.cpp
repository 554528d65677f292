// Shared by the subcommands that start an implementation under test.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/harness/child_process.hpp"

namespace lockstep::cli {

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
