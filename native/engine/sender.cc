#include "engine/sender.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace rawscan {

size_t sender_lanes(int sender_threads) {
  if (sender_threads > 0) return static_cast<size_t>(sender_threads);
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return CPU_COUNT(&cpus) >= 2 ? 2 : 1;
}

// One sending thread: its socket, its claim and its batch buffers. Only the
// lane's own thread touches the buffers; the claim fields are written under
// the sender's mutex.
struct Sender::Lane {
  Lane(size_t index, const ProbeFactory& probes, RecordBatch& records, const std::atomic<bool>& stopping);

  // Fills messages for the claimed descriptors; returns messages filled.
  size_t fill_batch();
  // Sends messages [0, messages); returns how many were handled (sent or
  // failed). Fewer only when stopping during a backoff or after a fatal error.
  size_t send_batch(size_t messages);
  void report_error(int err, bool fatal, const char* context);

  int fd = -1;
  std::thread thread;
  const size_t index;  // in Sender::lanes_ and the watermark
  // The claim: count descriptors, copied from the queue.
  uint32_t words[kBatch * kDescriptorWords];
  size_t count = 0;
  double errors = 0;  // send errors of the claim
  bool fatal = false;

 private:
  const ProbeFactory& probes_;
  RecordBatch& records_;
  const std::atomic<bool>& stopping_;
  std::vector<uint8_t> buffers_;  // kBatch * kMaxProbeLen
  mmsghdr msgs_[kBatch];
  iovec iov_[kBatch];
  sockaddr_in dst_[kBatch];
  int last_errno_ = 0;           // last errno reported in an Error record ...
  double last_error_ms_ = -1e9;  // ... and when: repeats are reported at most once a second
};

Sender::Lane::Lane(size_t index, const ProbeFactory& probes, RecordBatch& records,
                   const std::atomic<bool>& stopping)
    : index(index), probes_(probes), records_(records), stopping_(stopping), buffers_(kBatch * kMaxProbeLen) {
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

size_t Sender::Lane::fill_batch() {
  size_t m = 0;
  for (size_t i = 0; i < count; ++i) {
    Descriptor d = Descriptor::unpack(words + i * kDescriptorWords);
    uint8_t* buf = buffers_.data() + m * kMaxProbeLen;
    size_t len = probes_.build(buf, d);
    if (len == 0) {
      errors += 1;
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
size_t Sender::Lane::send_batch(size_t messages) {
  size_t off = 0;
  int backoff_us = 50;
  while (off < messages) {
    int r = sendmmsg(fd, msgs_ + off, static_cast<unsigned>(messages - off), MSG_DONTWAIT);
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
    errors += 1;
    fatal = err == EBADF || err == ENOTSOCK || err == EFAULT;  // the socket is unusable
    report_error(err, fatal, "sendmmsg");
    ++off;
    if (fatal) return off;
  }
  return off;
}

void Sender::Lane::report_error(int err, bool fatal_error, const char* context) {
  double now = monotonic_ms();
  if (!fatal_error && err == last_errno_ && now - last_error_ms_ < 1000) return;
  last_errno_ = err;
  last_error_ms_ = now;
  records_.append([&](RecordWriter w) { write_error(w, ErrorSource::Sender, fatal_error, err, context); });
}

Sender::Sender(const EngineConfig& cfg, RecordBatch& records)
    : probes_(cfg), records_(records), watermark_(sender_lanes(cfg.sender_threads)) {
  bucket_.set_rate(cfg.rate_pps, monotonic_ms());
  for (size_t i = 0; i < watermark_.lanes(); ++i)
    lanes_.push_back(std::make_unique<Lane>(i, probes_, records_, stopping_));
}

Sender::~Sender() { stop(); }

void Sender::open() {
  for (auto& lane : lanes_) {
    if (lane->fd >= 0) continue;
    // IPPROTO_RAW implies IP_HDRINCL: the probe carries its own IPv4 header.
    lane->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (lane->fd < 0) {
      int err = errno;
      close();
      std::string msg = std::string("socket(AF_INET, SOCK_RAW, IPPROTO_RAW): ") + std::strerror(err);
      throw EngineError(err == EPERM || err == EACCES ? "EPERM_RAW" : "SOCKET", msg);
    }
    // Best effort: a larger send buffer means fewer ENOBUFS backoffs at high rates.
    int sndbuf = 4 << 20;
    setsockopt(lane->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  }
}

void Sender::start() {
  for (auto& lane : lanes_) {
    lane->thread = std::thread([this, l = lane.get()] {
      pthread_setname_np(pthread_self(), "rawscan-send");
      run(*l);
    });
  }
}

void Sender::enqueue(const uint32_t* words, size_t count) {
  if (count == 0) return;
  std::vector<uint32_t> chunk(words, words + count * kDescriptorWords);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    queue_.push_back(std::move(chunk));
    queued_ += count;
    pending_ += count;
  }
  wake_.notify_one();
}

void Sender::set_rate(double pps) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bucket_.set_rate(pps, monotonic_ms());
  }
  wake_.notify_all();
}

void Sender::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    stopping_ = true;
    queue_.clear();
    front_done_ = 0;
    queued_ = 0;
  }
  wake_.notify_all();
  const bool ran = lanes_.front()->thread.joinable();  // start() ran since the last stop()
  for (auto& lane : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
  if (ran) {
    std::lock_guard<std::mutex> lock(mu_);
    append_sent_locked(monotonic_ms(), /*always=*/true);
  }
  pending_ = 0;
  close();
}

void Sender::close() {
  for (auto& lane : lanes_) {
    if (lane->fd >= 0) ::close(lane->fd);
    lane->fd = -1;
  }
}

void Sender::run(Lane& lane) {
  std::unique_lock<std::mutex> lock(mu_);
  while (claim(lane, lock)) {
    lock.unlock();
    size_t messages = lane.fill_batch();
    size_t unhandled = messages - lane.send_batch(messages);
    lock.lock();
    finish(lane, unhandled);
  }
}

bool Sender::claim(Lane& lane, std::unique_lock<std::mutex>& lock) {
  while (!stop_ && !fatal_) {
    if (queued_ == 0) {
      records_.flush();  // the last watermarks reach JS before the lane sleeps
      wake_.wait(lock);
      continue;
    }
    double now = monotonic_ms();
    size_t got = bucket_.take(std::min(kBatch, queued_), now);
    if (got == 0) {
      records_.flush_if_due(now);
      // Sleep on the condition variable so stop() and set_rate() cut the wait short.
      double wait = std::min(bucket_.wait_ms(now), 10.0);
      wake_.wait_for(lock, std::chrono::duration<double, std::milli>(wait));
      continue;
    }
    take_queued(lane.words, got);
    lane.count = got;
    watermark_.claim(lane.index, got);
    if (queued_ > 0) wake_.notify_one();  // another lane may claim the next batch meanwhile
    return true;
  }
  return false;
}

// A batch may span chunks: JS often queues a few descriptors at a time.
void Sender::take_queued(uint32_t* words, size_t count) {
  queued_ -= count;
  while (count > 0) {
    const std::vector<uint32_t>& front = queue_.front();
    const size_t front_count = front.size() / kDescriptorWords;
    size_t n = std::min(count, front_count - front_done_);
    std::memcpy(words, front.data() + front_done_ * kDescriptorWords,
                n * kDescriptorWords * sizeof(uint32_t));
    words += n * kDescriptorWords;
    count -= n;
    front_done_ += n;
    if (front_done_ == front_count) {
      queue_.pop_front();
      front_done_ = 0;
    }
  }
}

void Sender::finish(Lane& lane, size_t unhandled) {
  watermark_.finish(lane.index);
  pending_ -= lane.count;
  unhandled_ += unhandled;
  errors_ += lane.errors;
  lane.errors = 0;
  if (lane.fatal) {
    fatal_ = true;
    wake_.notify_all();
  }
  // Unhandled descriptors only occur while stopping or after a fatal error;
  // stop() then appends the final record once every lane has finished.
  if (stop_ || fatal_) return;
  const double now = monotonic_ms();
  append_sent_locked(now, false);
  records_.flush_if_due(now);
}

void Sender::append_sent_locked(double now, bool always) {
  uint64_t mark = watermark_.mark();
  if (!always && mark == reported_mark_ && errors_ == reported_errors_) return;
  reported_mark_ = mark;
  reported_errors_ = errors_;
  double sent = static_cast<double>(mark - unhandled_);
  records_.append([&](RecordWriter w) { write_sent(w, sent, errors_, now); });
}

}  // namespace rawscan
