{
  # sanitize=1 (node-gyp rebuild --sanitize=1; scripts/test-asan.sh) builds the addon with
  # ASan + UBSan for the sanitizer test run; the default build is unchanged.
  "variables": { "sanitize%": 0 },
  "targets": [
    {
      "target_name": "rawscan",
      "sources": [
        "native/binding/addon.cc",
        "native/binding/engine_object.cc",
        "native/binding/js_config.cc",
        "native/binding/test_hooks.cc",
        "native/binding/privilege.cc",
        "native/binding/route.cc",
        "native/packet/checksum.cc",
        "native/packet/reader.cc",
        "native/packet/reply.cc",
        "native/probe/probe.cc",
        "native/probe/syn.cc",
        "native/probe/fin.cc",
        "native/probe/null.cc",
        "native/probe/xmas.cc",
        "native/probe/ack.cc",
        "native/probe/window.cc",
        "native/probe/maimon.cc",
        "native/probe/custom.cc",
        "native/probe/judge.cc",
        "native/engine/siphash.cc",
        "native/engine/cookie.cc",
        "native/engine/sender.cc",
        "native/engine/capture.cc",
        "native/engine/release.cc",
        "native/engine/warm_capture.cc",
        "native/engine/engine.cc",
        "native/engine/clock.cc",
        "native/engine/record_batch.cc",
        "native/engine/probe_factory.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-O2"],
      "libraries": ["-lpcap"],
      "conditions": [
        ["\"<(sanitize)\"==\"1\"", {
          "cflags_cc": ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                        "-fno-omit-frame-pointer"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    },
    {
      # Holds the capture socket's last reference after rawscan exits (native/engine/release.h).
      # Static: no dynamic loader runs before its first line makes it not dumpable.
      "target_name": "rawscan-release",
      "type": "executable",
      "sources": ["native/engine/release_helper.cc"],
      "cflags_cc": ["-Wall", "-Wextra", "-O2"],
      "ldflags": ["-static"]
    },
    {
      # Mode 0711: the user rawscan drops to may run the helper but not read it (the helper
      # makes itself not dumpable, release_helper.cc).
      "target_name": "rawscan-release-mode",
      "type": "none",
      "dependencies": ["rawscan-release"],
      "actions": [
        {
          "action_name": "mode_0711",
          "inputs": ["<(PRODUCT_DIR)/rawscan-release"],
          "outputs": ["<(INTERMEDIATE_DIR)/rawscan-release.mode"],
          "action": ["sh", "-c", "chmod 0711 <(PRODUCT_DIR)/rawscan-release && touch <(INTERMEDIATE_DIR)/rawscan-release.mode"]
        }
      ]
    }
  ]
}
