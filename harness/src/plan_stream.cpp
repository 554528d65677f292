#include <cstring>

#include "lockstep/harness/plan_line.hpp"

namespace lockstep::harness {

void PlanStream::answer(std::string_view line, std::string& out) {
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank: no booking, no answer
  any_bad_ |= !append_plan_line(out, line, line_number_);
  out += '\n';
}

void PlanStream::feed(std::string_view input, std::string& out) {
  while (!input.empty()) {
    const void* found = std::memchr(input.data(), '\n', input.size());
    if (found == nullptr) {
      pending_.append(input);
      return;
    }
    const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(found) - input.data());
    if (pending_.empty()) {
      answer(input.substr(0, end), out);
    } else {
      pending_.append(input.substr(0, end));
      answer(pending_, out);
      pending_.clear();
    }
    input.remove_prefix(end + 1);
  }
}

void PlanStream::finish(std::string& out) {
  if (!pending_.empty()) answer(pending_, out);
  pending_.clear();
}

}  // namespace lockstep::harness
