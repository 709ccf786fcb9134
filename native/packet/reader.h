// A bounds-checked cursor over untrusted bytes (after libtins' InputMemoryStream
// and zmap's get_tcp_header). Every read checks that the bytes exist first and
// returns false instead of reading past the end; a failed read leaves the
// cursor where it was. All multi-byte reads are network byte order.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rawscan {

class Reader {
 public:
  Reader() = default;
  Reader(const uint8_t* data, size_t len) : data_(data), len_(data ? len : 0) {}

  size_t remaining() const { return len_ - pos_; }
  bool can_read(size_t n) const { return n <= remaining(); }

  bool skip(size_t n);
  bool u8(uint8_t& v);
  bool be16(uint16_t& v);
  bool be32(uint32_t& v);
  // Reads at `off` bytes past the cursor without moving it.
  bool peek_u8(size_t off, uint8_t& v) const;
  bool peek_be16(size_t off, uint16_t& v) const;
  bool peek_be32(size_t off, uint32_t& v) const;
  // A reader over the next n bytes, which this reader then skips.
  bool take(size_t n, Reader& out);
  // Drops everything past the first n remaining bytes (a no-op if fewer remain).
  void limit(size_t n);

 private:
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
  size_t pos_ = 0;  // invariant: pos_ <= len_
};

}  // namespace rawscan
