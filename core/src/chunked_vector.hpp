// A vector that grows by fixed chunks instead of by doubling, for the engine's
// bookings and PIN records.
//
// A std::vector of ten million 128-byte bookings reserves room for 16.7 million
// (a third of its memory unused), and each time it grows it copies the whole
// array while old and new are both alive: at the last step 1.3 GB copied into a
// 2.1 GB block. Chunks of 2^14 elements leave at most one chunk partly used
// (and its untouched pages are never resident), never copy an element, and keep
// every element where it was made (an index is one shift and one mask; the
// table of chunks is small enough to stay in cache).
//
// Internal to core/: not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lockstep::chunked {

template <class T, unsigned ChunkBits = 14>
class Vector {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << ChunkBits;

  Vector() = default;
  Vector(const Vector&) = delete;
  Vector& operator=(const Vector&) = delete;
  ~Vector() {
    for (std::size_t i = 0; i < size_; ++i) std::destroy_at(&(*this)[i]);
    for (T* chunk : chunks_) std::allocator<T>().deallocate(chunk, kChunk);
  }

  std::size_t size() const noexcept { return size_; }

  T& operator[](std::size_t i) noexcept { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }
  const T& operator[](std::size_t i) const noexcept { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }
  T& back() noexcept { return (*this)[size_ - 1]; }

  // Value-initialises the new element, as std::vector::emplace_back() does. A
  // chunk is allocated, not constructed: its pages are touched only as elements
  // fill it, so an engine with a handful of bookings does not write 2 MB.
  T& emplace_back() {
    if ((size_ & (kChunk - 1)) == 0) {
      chunks_.reserve(chunks_.size() + 1);  // so that the push below cannot throw and leak
      chunks_.push_back(std::allocator<T>().allocate(kChunk));
    }
    T* slot = std::construct_at(&(*this)[size_]);
    ++size_;
    return *slot;
  }

 private:
  std::vector<T*> chunks_;
  std::size_t size_ = 0;
};

}  // namespace lockstep::chunked
