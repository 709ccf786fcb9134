#include "binding/engine_object.h"

#include <stdexcept>
#include <system_error>

#include "binding/js_config.h"

namespace rawscan::binding {

// Runs on the JS thread, or with a null env while the env shuts down; the
// batch is freed in every case. C API on purpose: during teardown Node may
// call this with an env that can no longer run JS, where a failing call must
// end quietly. An exception thrown by onBatch is re-raised as an uncaught
// exception (NAPI_VERSION 8 modules would otherwise only get a warning).
void deliver_batch_to_js(Napi::Env env, Napi::Function on_batch, RecordChannel*, RecordBatchData* batch) {
  std::unique_ptr<RecordBatchData> owned(batch);
  if (env == nullptr || on_batch.IsEmpty()) return;
  void* copy = nullptr;
  napi_value buffer = nullptr;
  if (napi_create_buffer_copy(env, owned->size(), owned->data(), &copy, &buffer) != napi_ok) return;
  owned.reset();
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  if (napi_call_function(env, undefined, on_batch, 1, &buffer, nullptr) == napi_ok) return;
  bool thrown = false;  // napi_pending_exception also means "cannot run JS" for NAPI_VERSION 8
  napi_value exception = nullptr;
  if (napi_is_exception_pending(env, &thrown) == napi_ok && thrown &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok)
    napi_fatal_exception(env, exception);
}

void TsfnSink::deliver(std::vector<uint8_t>&& batch) {
  if (tsfn_ == nullptr || batch.empty()) return;
  auto* data = new RecordBatchData(std::move(batch));
  // The queue is unbounded, so this fails only when the TSFN is closing (env teardown).
  if (tsfn_->NonBlockingCall(data) != napi_ok) delete data;
}

void EngineObject::Define(Napi::Env env) {
  Napi::Function cls = DefineClass(env, "Engine",
                                   {
                                       InstanceMethod<&EngineObject::Open>("open"),
                                       InstanceMethod<&EngineObject::OpenAsync>("openAsync"),
                                       InstanceMethod<&EngineObject::Start>("start"),
                                       InstanceMethod<&EngineObject::Enqueue>("enqueue"),
                                       InstanceMethod<&EngineObject::SetRate>("setRate"),
                                       InstanceMethod<&EngineObject::Pending>("pending"),
                                       InstanceMethod<&EngineObject::Stop>("stop"),
                                       InstanceMethod<&EngineObject::Datalink>("datalink"),
                                   });
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(cls)));
}

Napi::Value EngineObject::Create(const Napi::CallbackInfo& info) {
  return info.Env().GetInstanceData<Napi::FunctionReference>()->New({info[0]});
}

EngineObject::EngineObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineObject>(info) {
  env_ = info.Env();
  EngineConfig cfg = engine_config_from(info[0]);
  try {
    engine_ = std::make_unique<Engine>(std::move(cfg), sink_);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
}

EngineObject::~EngineObject() {
  if (cleanup_hook_) napi_remove_env_cleanup_hook(env_, &EngineObject::OnEnvCleanup, this);
  cleanup_hook_ = false;
  shutdown();
}

void EngineObject::await_open() {
  if (open_ && open_->thread.joinable()) open_->thread.join();
}

Napi::Value EngineObject::Open(const Napi::CallbackInfo& info) {
  if (open_) throw Napi::Error::New(info.Env(), "engine: open() after openAsync()");
  try {
    engine_->open();
  } catch (const EngineError& e) {
    throw engine_error(info.Env(), e);
  } catch (const std::logic_error& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

// open() on a thread of its own: opening the capture waits for an RCU grace
// period in the kernel (10-30 ms), which the JS thread can spend on the rest
// of a scan's preparation. The promise settles as open() would return or
// throw. Other methods wait for the thread (stop(), the destructor) or throw
// until the promise has settled (start(), enqueue(), datalink()).
Napi::Value EngineObject::OpenAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (open_) throw Napi::Error::New(env, "engine: openAsync() called twice");
  auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
  auto state = std::make_shared<OpenState>();
  // Its finalizer joins the thread: at env teardown Node frees the function
  // even while the thread still runs open() and is yet to call it.
  auto settle =
      Napi::ThreadSafeFunction::New(env, Napi::Function(), "rawscan.open", 0, 1, [state](Napi::Env) {
        if (state->thread.joinable()) state->thread.join();
      });
  Engine* engine = engine_.get();
  open_ = state;
  try {
    state->thread = std::thread([state, deferred, settle, engine]() mutable {
      try {
        engine->open();
      } catch (const EngineError& e) {
        state->engine_error = e;
      } catch (const std::exception& e) {
        state->other_error = e.what()[0] != '\0' ? e.what() : "engine: open failed";
      }
      // Runs on the JS thread (not at all if the env is shutting down).
      settle.BlockingCall([state, deferred](Napi::Env cb_env, Napi::Function) {
        if (state->thread.joinable()) state->thread.join();
        if (state->engine_error) {
          deferred->Reject(engine_error(cb_env, *state->engine_error).Value());
        } else if (!state->other_error.empty()) {
          deferred->Reject(Napi::Error::New(cb_env, state->other_error).Value());
        } else {
          deferred->Resolve(cb_env.Undefined());
        }
      });
      settle.Release();
    });
  } catch (const std::system_error& e) {
    settle.Release();
    open_.reset();
    throw Napi::Error::New(env, std::string("engine: cannot start the opening thread: ") + e.what());
  }
  return deferred->Promise();
}

// Throws while openAsync()'s thread runs: the engine is not open yet.
static void require_opened(const Napi::CallbackInfo& info, const std::shared_ptr<OpenState>& open,
                           const char* method) {
  if (open && open->thread.joinable())
    throw Napi::Error::New(info.Env(), std::string("engine: ") + method + " before openAsync() settled");
}

Napi::Value EngineObject::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_opened(info, open_, "start()");
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "start(onBatch): onBatch must be a function");
  if (started_) throw Napi::Error::New(env, "engine: start() called twice");
  auto* channel = new RecordChannel();
  tsfn_ = RecordTsfn::New(env, info[0].As<Napi::Function>(), "rawscan.records", 0, 1, channel,
                          [](Napi::Env fenv, void*, RecordChannel* ch) {
                            // C API on purpose: this may run during env teardown, where
                            // a failing call must be ignored rather than thrown.
                            napi_value undefined = nullptr;
                            napi_get_undefined(fenv, &undefined);
                            for (napi_deferred d : ch->stop_waiters)
                              napi_resolve_deferred(fenv, d, undefined);
                            delete ch;
                          });
  tsfn_.Unref(env);
  channel_ = channel;
  sink_.attach(&tsfn_);
  try {
    engine_->start();
  } catch (const std::exception& e) {
    shutdown();
    throw Napi::Error::New(env, e.what());
  }
  started_ = true;
  napi_add_env_cleanup_hook(env, &EngineObject::OnEnvCleanup, this);
  cleanup_hook_ = true;
  return env.Undefined();
}

Napi::Value EngineObject::Enqueue(const Napi::CallbackInfo& info) {
  require_opened(info, open_, "enqueue()");
  Napi::Value chunk = info[0];
  if (!chunk.IsTypedArray() || chunk.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      chunk.As<Napi::Uint32Array>().ElementLength() % kDescriptorWords != 0)
    throw Napi::TypeError::New(info.Env(),
                               "enqueue(chunk): chunk must be a Uint32Array of [address, port | try << 16 | "
                               "slot << 24] pairs");
  Napi::Uint32Array words = chunk.As<Napi::Uint32Array>();
  engine_->enqueue(words.Data(), words.ElementLength() / kDescriptorWords);
  return info.Env().Undefined();
}

Napi::Value EngineObject::SetRate(const Napi::CallbackInfo& info) {
  engine_->set_rate(rate_from(info[0], "setRate(pps): pps"));
  return info.Env().Undefined();
}

Napi::Value EngineObject::Pending(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(engine_->pending()));
}

Napi::Value EngineObject::Datalink(const Napi::CallbackInfo& info) {
  require_opened(info, open_, "datalink()");
  return Napi::Number::New(info.Env(), engine_->datalink());
}

Napi::Value EngineObject::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stop_promise_.IsEmpty()) return stop_promise_.Value();
  napi_deferred deferred = nullptr;
  napi_value promise = nullptr;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) throw Napi::Error::New(env);
  stop_promise_ = Napi::Persistent(Napi::Object(env, promise));
  if (cleanup_hook_) napi_remove_env_cleanup_hook(env_, &EngineObject::OnEnvCleanup, this);
  cleanup_hook_ = false;
  if (channel_ != nullptr) {
    channel_->stop_waiters.push_back(deferred);
    tsfn_.Ref(env);  // keep the loop alive until the last batch is delivered and the promise resolves
    shutdown();
  } else {
    shutdown();
    napi_resolve_deferred(env, deferred, env.Undefined());
  }
  return Napi::Value(env, promise);
}

void EngineObject::OnEnvCleanup(void* self) {
  auto* engine = static_cast<EngineObject*>(self);
  engine->cleanup_hook_ = false;
  engine->shutdown();
}

void EngineObject::shutdown() {
  await_open();                  // an engine still opening is stopped once open
  if (engine_) engine_->stop();  // joins the threads; their final records are queued on the TSFN
  sink_.attach(nullptr);
  if (channel_ != nullptr) tsfn_.Release();
  channel_ = nullptr;
}

}  // namespace rawscan::binding
