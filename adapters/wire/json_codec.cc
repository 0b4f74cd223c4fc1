// The JSON codec: the default encoding of the NATS contract. Stateless, so one
// instance serves every thread.
#include "adapters/audit/head_json.h"
#include "adapters/wire/internal_json.h"

namespace stockroom::wire {
namespace {

class JsonCodec final : public Codec {
 public:
  Result<CommandEnvelope> decode_command(std::string_view name,
                                         std::string_view body) const override {
    return internal::decode_json_command(name, body);
  }

  Result<Query> decode_query(std::string_view name, std::string_view body) const override {
    return internal::decode_json_query(name, body);
  }

  std::string command_id_of(std::string_view body) const override {
    return internal::json_command_id_of(body);
  }

  void command_reply(std::string_view command_id, const Result<engine::CommandResult>& result,
                     std::string& out) const override {
    internal::json_command_reply(command_id, result, out);
  }

  void command_reply_without_events(std::string_view command_id,
                                    const engine::CommandResult& result,
                                    std::string& out) const override {
    internal::json_command_reply_without_events(command_id, result, out);
  }

  void error_reply(const Error& error, std::string& out) const override {
    internal::json_error_reply(error, out);
  }

  // The stored view already is the contract's JSON: sent as it is, no re-encoding.
  void view_reply(std::string_view /*view*/, std::string_view view_json,
                  std::string& out) const override {
    out.assign(view_json);
  }

  size_t events_page(std::span<const engine::LoggedEvent> events, std::string_view next_name,
                     const NextFn& next, size_t max_bytes, std::string& out) const override {
    return internal::json_events_page(events, next_name, next, max_bytes, out);
  }

  void verify_reply(const events::VerifyReport& report, std::string& out) const override {
    internal::json_verify_reply(report, out);
  }

  void head_reply(const audit::SignedHead& head, std::string& out) const override {
    audit::head_json(head, out);
  }
};

}  // namespace

const Codec& json_codec() {
  static const JsonCodec codec;
  return codec;
}

}  // namespace stockroom::wire
