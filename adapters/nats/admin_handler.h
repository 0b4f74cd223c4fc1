// AdminHandler: serve's side of the admin subjects (docs/api.md, "Admin subjects").
// Today one: `<p>.admin.checkpoint` asks the serve that holds a data directory for a
// checkpoint of it. Every serve on the prefix receives the request (no queue group);
// the one whose own data directory (its real path) is the request's `data` answers,
// the others stay silent.
//
// Threads: addressed() is cheap and runs on the NATS delivery thread; checkpoint()
// takes as long as the copy and runs on a query worker, never on the delivery thread
// or the engine's writer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "adapters/wire/admin.h"
#include "engine/engine.h"

namespace stockroom::nats_adapter {

class AdminHandler {
 public:
  // `engine` must outlive the handler; its data directory identifies this serve.
  explicit AdminHandler(const engine::Engine& engine);

  // The decoded request when it is for this serve; nullopt when it names another data
  // directory (stay silent); the decode error (kMalformed, kInvalidArgument) to answer
  // when it names none: every serve answers that one the same way.
  [[nodiscard]] Result<std::optional<wire::CheckpointRequest>> addressed(
      std::string_view body) const;

  // Writes the checkpoint and returns the reply: {"ok":true,"dir","position","hash"}
  // or the error reply. `outcome` is set to the error, if any, for the log.
  [[nodiscard]] std::string checkpoint(const wire::CheckpointRequest& request,
                                       std::optional<Error>& outcome) const;

  [[nodiscard]] const std::string& data_dir() const { return data_dir_; }

 private:
  const engine::Engine& engine_;
  std::string data_dir_;  // real path
};

}  // namespace stockroom::nats_adapter
