#include "engine/sender.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace rawscan {

Sender::Sender(const EngineConfig& cfg, RecordBatch& records)
    : probes_(cfg), records_(records), buffers_(kBatch * kMaxProbeLen) {
  bucket_.set_rate(cfg.rate_pps, monotonic_ms());
  std::memset(msgs_, 0, sizeof msgs_);
  std::memset(dst_, 0, sizeof dst_);
  for (size_t i = 0; i < kBatch; ++i) {
    dst_[i].sin_family = AF_INET;
    msgs_[i].msg_hdr.msg_name = &dst_[i];
    msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    msgs_[i].msg_hdr.msg_iov = &iov_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

Sender::~Sender() { stop(); }

void Sender::open() {
  if (fd_ >= 0) return;
  // IPPROTO_RAW implies IP_HDRINCL: the probe carries its own IPv4 header.
  fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd_ < 0) {
    int err = errno;
    std::string msg = std::string("socket(AF_INET, SOCK_RAW, IPPROTO_RAW): ") + std::strerror(err);
    throw EngineError(err == EPERM || err == EACCES ? "EPERM_RAW" : "SOCKET", msg);
  }
  // Best effort: a larger send buffer means fewer ENOBUFS backoffs at high rates.
  int sndbuf = 4 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
}

void Sender::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rawscan-send");
    run();
  });
}

void Sender::enqueue(const uint32_t* words, size_t count) {
  if (count == 0) return;
  std::vector<uint32_t> chunk(words, words + count * kDescriptorWords);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    queue_.push_back(std::move(chunk));
    pending_ += count;
  }
  wake_.notify_one();
}

void Sender::set_rate(double pps) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bucket_.set_rate(pps, monotonic_ms());
  }
  wake_.notify_one();
}

void Sender::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    append_sent();
  }
  pending_ = 0;
  close();
}

void Sender::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Sender::run() {
  std::vector<uint32_t> chunk;
  while (!fatal_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    send_chunk(chunk);
  }
}

void Sender::send_chunk(const std::vector<uint32_t>& chunk) {
  const size_t count = chunk.size() / kDescriptorWords;
  size_t done = 0;
  while (done < count && !fatal_) {
    size_t n = pace(std::min(kBatch, count - done));
    if (n == 0) return;  // stopping
    size_t messages = fill_batch(chunk.data() + done * kDescriptorWords, n);
    size_t unhandled = messages - send_batch(messages);
    done += n;
    // Bad descriptors (no message) are done too; messages never handed over are not.
    sent_ += static_cast<double>(n - unhandled);
    pending_ -= n;
    append_sent();
  }
}

size_t Sender::pace(size_t want) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    double now = monotonic_ms();
    size_t got = bucket_.take(want, now);
    if (got > 0) return got;
    // Sleep on the condition variable so stop() and set_rate() cut the wait short.
    double wait = std::min(bucket_.wait_ms(now), 10.0);
    wake_.wait_for(lock, std::chrono::duration<double, std::milli>(wait));
  }
  return 0;
}

size_t Sender::fill_batch(const uint32_t* words, size_t count) {
  size_t m = 0;
  for (size_t i = 0; i < count; ++i) {
    Descriptor d = Descriptor::unpack(words + i * kDescriptorWords);
    uint8_t* buf = buffers_.data() + m * kMaxProbeLen;
    size_t len = probes_.build(buf, d);
    if (len == 0) {
      errors_ += 1;
      report_error(EINVAL, false, "bad descriptor");
      continue;
    }
    iov_[m].iov_base = buf;
    iov_[m].iov_len = len;
    dst_[m].sin_addr.s_addr = htonl(d.daddr);
    msgs_[m].msg_len = 0;
    ++m;
  }
  return m;
}

// ENOBUFS/EAGAIN mean the queue to the device is full: wait (50 us doubling to
// 10 ms) and retry the same message. Any other error loses that one message.
size_t Sender::send_batch(size_t messages) {
  size_t off = 0;
  int backoff_us = 50;
  while (off < messages) {
    int r = sendmmsg(fd_, msgs_ + off, static_cast<unsigned>(messages - off), MSG_DONTWAIT);
    if (r > 0) {
      off += static_cast<size_t>(r);
      backoff_us = 50;
      continue;
    }
    int err = r < 0 ? errno : EIO;
    if (err == EINTR) continue;
    if (err == ENOBUFS || err == EAGAIN || err == EWOULDBLOCK) {
      if (stopping_) return off;
      std::this_thread::sleep_for(std::chrono::microseconds(backoff_us));
      backoff_us = std::min(backoff_us * 2, 10000);
      continue;
    }
    errors_ += 1;
    bool fatal = err == EBADF || err == ENOTSOCK || err == EFAULT;  // the socket is unusable
    report_error(err, fatal, "sendmmsg");
    ++off;
    if (fatal) {
      fatal_ = true;
      return off;
    }
  }
  return off;
}

void Sender::report_error(int err, bool fatal, const char* context) {
  double now = monotonic_ms();
  if (!fatal && err == last_errno_ && now - last_error_ms_ < 1000) return;
  last_errno_ = err;
  last_error_ms_ = now;
  records_.append([&](RecordWriter w) { write_error(w, ErrorSource::Sender, fatal, err, context); });
}

void Sender::append_sent() {
  double now = monotonic_ms();
  records_.append([&](RecordWriter w) { write_sent(w, sent_, errors_, now); });
}

}  // namespace rawscan
