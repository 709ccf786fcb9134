// The JS Engine object (src/native/types.ts NativeEngine) around a
// rawscan::Engine. Record batches reach JS through ONE TypedThreadSafeFunction
// per engine, created by start() and released by stop() (or by the env cleanup
// hook at exit, or by the destructor when JS drops a running engine).
//
// Lifecycle contract:
// - start() unrefs the TSFN: a running engine never keeps the process alive
//   by itself; the orchestrator's own timers do while it scans.
// - stop() stops and joins both threads (they deliver their final records),
//   refs the TSFN so the loop runs until the queue drains, releases it, and
//   resolves its promise from the TSFN finalizer, i.e. after the last batch.
// - A process that exits without stop() runs the env cleanup hook, which
//   stops the engine and releases the TSFN; queued batches are freed with a
//   null env.
#pragma once
#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace rawscan::binding {

// Lives from start() until the TSFN finalizer, which may run after the
// EngineObject is gone (GC, env teardown), so it is not part of the object.
struct RecordChannel {
  std::vector<napi_deferred> stop_waiters;  // resolved by the finalizer
};

using RecordBatchData = std::vector<uint8_t>;
void deliver_batch_to_js(Napi::Env env, Napi::Function on_batch, RecordChannel* channel,
                         RecordBatchData* batch);
using RecordTsfn = Napi::TypedThreadSafeFunction<RecordChannel, RecordBatchData, deliver_batch_to_js>;

// The RecordSink the engine's threads call: posts each batch to the TSFN.
class TsfnSink : public RecordSink {
 public:
  void attach(const RecordTsfn* tsfn) { tsfn_ = tsfn; }
  void deliver(std::vector<uint8_t>&& batch) override;

 private:
  const RecordTsfn* tsfn_ = nullptr;  // set before the threads start, cleared after they stop
};

// openAsync()'s thread and its outcome; shared with the thread and the
// callback that settles the promise, so that either may outlive the object.
struct OpenState {
  std::thread thread;
  std::optional<EngineError> engine_error;  // open() threw an EngineError
  std::string other_error;                  // or another exception (its what()), if non-empty
};

class EngineObject : public Napi::ObjectWrap<EngineObject> {
 public:
  // Defines the class and keeps its constructor in the env's instance data.
  static void Define(Napi::Env env);
  // createEngine(config): a new Engine object (TypeError on a bad config).
  static Napi::Value Create(const Napi::CallbackInfo& info);
  explicit EngineObject(const Napi::CallbackInfo& info);
  ~EngineObject() override;

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value OpenAsync(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Enqueue(const Napi::CallbackInfo& info);
  Napi::Value SetRate(const Napi::CallbackInfo& info);
  Napi::Value Pending(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Datalink(const Napi::CallbackInfo& info);

  static void OnEnvCleanup(void* self);
  // Waits for openAsync()'s thread, if one runs (the engine is then open or failed).
  void await_open();
  // Stops the engine and releases the TSFN; needs no JS. Idempotent.
  void shutdown();

  TsfnSink sink_;  // declared before engine_: the engine's last records go through it
  std::unique_ptr<Engine> engine_;
  RecordTsfn tsfn_;
  RecordChannel* channel_ = nullptr;  // non-null while tsfn_ is unreleased
  bool started_ = false;
  napi_env env_ = nullptr;
  bool cleanup_hook_ = false;           // registered with env_
  Napi::ObjectReference stop_promise_;  // the promise stop() returned first
  std::shared_ptr<OpenState> open_;     // set by openAsync()
};

}  // namespace rawscan::binding
