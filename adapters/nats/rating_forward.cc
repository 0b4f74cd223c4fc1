#include "adapters/nats/rating_forward.h"

#include <nats/nats.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "events/record_codec.h"

namespace stockroom::nats_adapter {
namespace {

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string json_request(const CommandEnvelope& envelope, const RecordRating& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  put(w, "command_id", envelope.command_id.str());
  w.Key("actor");
  w.StartObject();
  put(w, "id", envelope.actor.id.str());
  put(w, "role", role_name(envelope.actor.role));
  w.EndObject();
  put(w, "sku", r.sku.str());
  put(w, "customer_id", r.customer_id.str());
  put(w, "order_id", r.order_id.str());
  w.Key("stars");
  w.Int(r.stars);
  put(w, "comment", r.comment);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

std::string rating_record_request(const CommandEnvelope& submitted, const ActorId& forwarder,
                                  wire::Encoding encoding) {
  const auto& rating = std::get<SubmitRating>(submitted.command);
  const CommandEnvelope record{submitted.command_id, Actor{forwarder, Role::kService}, std::nullopt,
                               RecordRating{rating.sku, CustomerId(submitted.actor.id.str()),
                                            rating.order_id, rating.stars, rating.comment}};
  if (encoding == wire::Encoding::kJson) {
    return json_request(record, std::get<RecordRating>(record.command));
  }
  std::string out;
  events::encode_command(record, out);
  return out;
}

std::string rating_record_subject(std::string_view prefix, const Sku& sku) {
  return std::string(prefix) + ".cmd.rating.record." + sku.str();
}

Result<std::string> request_reply(natsConnection* connection, const std::string& subject,
                                  const std::string& request, wire::Encoding encoding,
                                  std::chrono::milliseconds timeout) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, request.data(),
                                static_cast<int>(request.size()));
  if (s == NATS_OK && encoding == wire::Encoding::kFlatBuffers) {
    s = natsMsgHeader_Set(msg, "Content-Type", std::string(wire::kFlatBuffersContentType).c_str());
  }
  natsMsg* reply = nullptr;
  if (s == NATS_OK) s = natsConnection_RequestMsg(&reply, connection, msg, timeout.count());
  natsMsg_Destroy(msg);
  if (s != NATS_OK) {
    const std::string why = s == NATS_NO_RESPONDERS ? "nobody serves it now (between owners)"
                            : s == NATS_TIMEOUT
                                ? "no answer in " + std::to_string(timeout.count()) + " ms"
                                : natsStatus_GetText(s);
    return std::unexpected(Error{ErrorCode::kUnavailable,
                                 "the partition of " + subject + " did not answer: " + why +
                                     "; resend the command with the same command_id",
                                 {},
                                 {}});
  }
  std::string data(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return data;
}

}  // namespace stockroom::nats_adapter
