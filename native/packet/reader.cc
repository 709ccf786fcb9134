#include "packet/reader.h"

#include "packet/bytes.h"

namespace rawscan {

bool Reader::skip(size_t n) {
  if (!can_read(n)) return false;
  pos_ += n;
  return true;
}

bool Reader::peek_u8(size_t off, uint8_t& v) const {
  if (off > remaining() || !can_read(off + 1)) return false;
  v = data_[pos_ + off];
  return true;
}

bool Reader::peek_be16(size_t off, uint16_t& v) const {
  if (off > remaining() || !can_read(off + 2)) return false;
  v = load_be16(data_ + pos_ + off);
  return true;
}

bool Reader::peek_be32(size_t off, uint32_t& v) const {
  if (off > remaining() || !can_read(off + 4)) return false;
  v = load_be32(data_ + pos_ + off);
  return true;
}

bool Reader::u8(uint8_t& v) { return peek_u8(0, v) && skip(1); }
bool Reader::be16(uint16_t& v) { return peek_be16(0, v) && skip(2); }
bool Reader::be32(uint32_t& v) { return peek_be32(0, v) && skip(4); }

bool Reader::take(size_t n, Reader& out) {
  if (!can_read(n)) return false;
  out = Reader(data_ + pos_, n);
  pos_ += n;
  return true;
}

void Reader::limit(size_t n) {
  if (n < remaining()) len_ = pos_ + n;
}

}  // namespace rawscan
