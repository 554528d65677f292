// Texts the engine keeps per booking (its id, the guest's phone, the code it was
// issued), stored once in an append-only arena and named by a reference of 8
// bytes. A std::string is 32 bytes inline (40 as an optional), plus an
// allocation past 15 characters (every "+33 6 .." phone): at a million bookings
// these were a fifth of the engine's memory.
//
// Texts are never freed: a booking's text changes rarely (a new phone on a
// re-send that changed it, a code issued again), and what is replaced stays in
// the arena, as the audit log keeps every event.
//
// Internal to core/: not part of the public API.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep::text_pool {

// A text in the pool, or none (std::nullopt of an optional text).
struct TextRef {
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t at = 0;
  std::uint32_t size = kNone;
  bool has_value() const { return size != kNone; }
  explicit operator bool() const { return has_value(); }
};

class Pool {
 public:
  TextRef add(std::string_view text) {
    if (text.size() >= TextRef::kNone) throw std::length_error("text too long for the pool");
    if (blocks_.empty() || used_ + text.size() > kBlock) {
      // A text longer than a block gets a block of its own; offsets stay
      // block * kBlock + position, since a text is read from its start.
      // Not zeroed: only the used part of a block is ever touched.
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(std::max(kBlock, text.size())));
      used_ = 0;
    }
    if ((blocks_.size() - 1) * kBlock + used_ > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("text pool past 4 GiB");
    std::memcpy(blocks_.back().get() + used_, text.data(), text.size());
    const TextRef ref{static_cast<std::uint32_t>((blocks_.size() - 1) * kBlock + used_),
                      static_cast<std::uint32_t>(text.size())};
    used_ += text.size();
    return ref;
  }
  TextRef add_optional(const std::optional<std::string>& text) {
    return text ? add(std::string_view(*text)) : TextRef{};
  }

  // The text (empty for none).
  std::string_view view(TextRef ref) const {
    if (!ref.has_value() || ref.size == 0) return {};
    return {blocks_[ref.at / kBlock].get() + ref.at % kBlock, ref.size};
  }
  std::optional<std::string> optional(TextRef ref) const {
    if (!ref.has_value()) return std::nullopt;
    return std::string(view(ref));
  }
  // `ref` again when it already holds `text` (a re-send that changed nothing
  // adds nothing), else the text added.
  TextRef replace(TextRef ref, const std::optional<std::string>& text) {
    if (!text) return TextRef{};
    if (ref.has_value() && view(ref) == *text) return ref;
    return add(std::string_view(*text));
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0;
};

}  // namespace lockstep::text_pool
