// One word of a command line as a POSIX shell reads it back: replay commands and
// report command lines are pasted into shells, so every one of them is quoted
// by this one rule.
#pragma once

#include <string>
#include <string_view>

namespace lockstep::harness {

// `s` unchanged when it is only letters, digits and -_./=: (and not empty),
// else in single quotes, an inner ' written as '\''.
std::string shell_quote(std::string_view s);

}  // namespace lockstep::harness
