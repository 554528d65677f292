// Base64 (RFC 4648): the one codec of lockstep. The client sends HTTP Basic
// credentials (standard alphabet, padded) and reads its token's JWT claims
// (base64url); the mock decodes the same credentials, signs its tokens and
// writes its paging cursors (base64url without padding).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lockstep::base64 {

// `url`: the base64url alphabet (- and _) without padding, as in a JWT;
// otherwise the standard alphabet (+ and /) padded with '='.
std::string encode(std::string_view bytes, bool url = false);

// Either alphabet, padding optional. nullopt for any other character, or a
// length no encoding gives (one character over a multiple of four).
std::optional<std::string> decode(std::string_view text);

}  // namespace lockstep::base64
