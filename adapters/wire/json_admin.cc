// JSON of the admin requests and replies (admin.h).
#include <string>

#include "adapters/wire/admin.h"
#include "adapters/wire/internal_json.h"
#include "adapters/wire/internal_json_reader.h"

namespace stockroom::wire {
namespace {

using projections::internal::JsonBuffer;
using projections::internal::put;
using projections::internal::put_bool;

std::string absolute(internal::RequestReader& r, const char* name) {
  std::string value = r.string(name);
  if (r.ok() && !value.starts_with('/')) {
    r.fail(ErrorCode::kInvalidArgument, name, "must be an absolute path");
  }
  return value;
}

}  // namespace

Result<CheckpointRequest> decode_checkpoint_request(std::string_view body) {
  Result<rapidjson::Document> doc = internal::parse_body(body);
  if (!doc) return std::unexpected(doc.error());
  internal::RequestReader r(*doc, "", "a JSON object");
  CheckpointRequest request;
  request.data = absolute(r, "data");
  request.dir = absolute(r, "dir");
  if (!r.ok()) return std::unexpected(r.error());
  return request;
}

void checkpoint_request_json(const CheckpointRequest& request, std::string& out) {
  JsonBuffer buffer;
  internal::JsonWriter w(buffer);
  w.StartObject();
  put(w, "data", request.data);
  put(w, "dir", request.dir);
  w.EndObject();
  out.assign(buffer.GetString(), buffer.GetSize());
}

void checkpoint_reply_json(const std::string& dir, const events::Head& head, std::string& out) {
  JsonBuffer buffer;
  internal::JsonWriter w(buffer);
  w.StartObject();
  put_bool(w, "ok", true);
  put(w, "dir", dir);
  put(w, "position", head.position.value);
  put(w, "hash", events::to_hex(head.hash));
  w.EndObject();
  out.assign(buffer.GetString(), buffer.GetSize());
}

Result<CheckpointReply> decode_checkpoint_reply(std::string_view body) {
  Result<rapidjson::Document> doc = internal::parse_body(body);
  if (!doc) return std::unexpected(doc.error());
  internal::RequestReader r(*doc, "", "a JSON object");
  CheckpointReply reply;
  reply.ok = r.boolean("ok");
  if (r.ok() && reply.ok) {
    reply.dir = r.string("dir");
    const std::optional<uint64_t> position = r.optional_uint64("position");
    if (r.ok() && !position) r.fail(ErrorCode::kMalformed, "position", "required integer");
    reply.position = position.value_or(0);
    reply.hash = r.string("hash");
  } else if (r.ok()) {
    const rapidjson::Value* error = r.optional_object("error");
    if (error == nullptr) {
      r.fail(ErrorCode::kMalformed, "error", "required object");
    } else {
      internal::RequestReader e(*error, "error.", "an object");
      reply.error_code = e.string("code");
      reply.error_message = e.string("message");
      if (!e.ok()) r.fail(e.error());
    }
  }
  if (!r.ok()) return std::unexpected(r.error());
  return reply;
}

}  // namespace stockroom::wire
