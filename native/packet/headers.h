// Wire layout of the headers rawscan builds and parses: sizes, field offsets
// (from the start of each header) and the constants that select them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rawscan {

namespace ether {
constexpr size_t kHeaderLen = 14;  // dst MAC, src MAC, ethertype
constexpr size_t kTypeOffset = 12;
constexpr size_t kVlanTagLen = 4;  // TCI + inner ethertype
constexpr uint16_t kTypeIpv4 = 0x0800;
constexpr uint16_t kTypeVlan = 0x8100;     // 802.1Q
constexpr uint16_t kTypeQinQ = 0x88a8;     // 802.1ad service tag
constexpr uint16_t kTypeQinQOld = 0x9100;  // pre-standard QinQ
}  // namespace ether

namespace sll {
constexpr size_t kHeaderLen = 16;  // DLT_LINUX_SLL: protocol type last
constexpr size_t kProtocolOffset = 14;
constexpr size_t kHeader2Len = 20;  // DLT_LINUX_SLL2: protocol type first
constexpr size_t kProtocol2Offset = 0;
}  // namespace sll

namespace ipv4 {
constexpr size_t kMinHeaderLen = 20;
constexpr size_t kMaxHeaderLen = 60;
// offsets
constexpr size_t kVersionIhl = 0, kTos = 1, kTotalLength = 2, kId = 4, kFragment = 6, kTtl = 8, kProtocol = 9,
                 kChecksum = 10, kSrc = 12, kDst = 16;
constexpr uint16_t kFlagDF = 0x4000, kFlagMF = 0x2000, kOffsetMask = 0x1fff;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6;
}  // namespace ipv4

namespace tcp {
constexpr size_t kMinHeaderLen = 20;
// offsets
constexpr size_t kSport = 0, kDport = 2, kSeq = 4, kAck = 8, kDataOffset = 12, kFlags = 13, kWindow = 14,
                 kChecksum = 16, kUrgent = 18, kOptions = 20;
constexpr uint8_t kOptMss = 2, kOptMssLen = 4;
// The ICMP quote rawscan needs: ports and sequence number.
constexpr size_t kQuotedLen = 8;
}  // namespace tcp

namespace icmp {
constexpr size_t kHeaderLen = 8;  // type, code, checksum, 4 unused/type-specific bytes
constexpr uint8_t kDestUnreachable = 3, kTimeExceeded = 11;
}  // namespace icmp

}  // namespace rawscan
