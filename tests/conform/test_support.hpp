// Helpers shared by the conform tests: a private temp dir with small scripts that
// play hostile implementations, and a check that a process is gone (reaped).
#pragma once

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lockstep::conform_test {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("lockstep-conform-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

  // Writes an executable script and returns its path.
  std::string script(const std::string& name, const std::string& body) const {
    auto p = path_ / name;
    std::ofstream(p) << body;
    std::filesystem::permissions(p, std::filesystem::perms::owner_all);
    return p.string();
  }
  std::string file(const std::string& name, const std::string& body) const {
    auto p = path_ / name;
    std::ofstream(p) << body;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// True when `pid` no longer exists at all: not running and not a zombie of ours.
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) == 0) return false;  // still exists (running or zombie)
  return errno == ESRCH;
}

// True when we have no un-reaped child with this pid.
inline bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace lockstep::conform_test
