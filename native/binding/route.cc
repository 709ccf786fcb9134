#include "binding/route.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace rawscan::binding {

namespace {

// Any port does: connect() only routes, and the socket is closed unused.
constexpr uint16_t kDiscardPort = 9;

}  // namespace

Napi::Value route_source(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "routeSource(address): address must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint32_t dest = info[0].As<Napi::Number>().Uint32Value();
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return env.Null();
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kDiscardPort);
  to.sin_addr.s_addr = htonl(dest);
  sockaddr_in self{};
  socklen_t length = sizeof self;
  const bool routed = connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 &&
                      getsockname(fd, reinterpret_cast<sockaddr*>(&self), &length) == 0;
  close(fd);
  if (!routed) return env.Null();
  return Napi::Number::New(env, ntohl(self.sin_addr.s_addr));
}

}  // namespace rawscan::binding
