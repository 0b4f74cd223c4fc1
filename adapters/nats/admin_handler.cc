#include "adapters/nats/admin_handler.h"

#include <stdlib.h>

#include <memory>

#include "adapters/wire/wire.h"

namespace stockroom::nats_adapter {
namespace {

// The canonical path (symbolic links resolved); nullopt when it does not exist here.
std::optional<std::string> real_path(const std::string& path) {
  const std::unique_ptr<char, decltype(&::free)> resolved(::realpath(path.c_str(), nullptr),
                                                          &::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

}  // namespace

AdminHandler::AdminHandler(const engine::Engine& engine)
    : engine_(engine),
      // The engine opened it, so it exists; keep the given path if it cannot be resolved.
      data_dir_(real_path(engine.options().data_dir).value_or(engine.options().data_dir)) {}

Result<std::optional<wire::CheckpointRequest>> AdminHandler::addressed(
    std::string_view body) const {
  Result<wire::CheckpointRequest> request = wire::decode_checkpoint_request(body);
  if (!request) return std::unexpected(request.error());
  if (real_path(request->data) != data_dir_) return std::nullopt;
  return std::optional<wire::CheckpointRequest>(std::move(*request));
}

std::string AdminHandler::checkpoint(const wire::CheckpointRequest& request,
                                     std::optional<Error>& outcome) const {
  std::string out;
  Result<events::Head> head = engine_.checkpoint(request.dir);
  if (!head) {
    outcome = head.error();
    wire::json_codec().error_reply(head.error(), out);
    return out;
  }
  wire::checkpoint_reply_json(request.dir, *head, out);
  return out;
}

}  // namespace stockroom::nats_adapter
