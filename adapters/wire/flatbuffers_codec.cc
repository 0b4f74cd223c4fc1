// The FlatBuffers form of the NATS contract (wire.h; docs/api-flatbuffers.md):
// requests are CommandEnvelope (commands.fbs) and QueryRequest (api.fbs) buffers,
// replies are CommandReply and QueryReply buffers (api.fbs) with the same fields as
// the JSON replies. Stateless: one instance serves every thread; replies are built in
// a per-thread builder.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/wire/fb_buffer.h"
#include "adapters/wire/fb_command_request.h"
#include "adapters/wire/fb_query_request.h"
#include "adapters/wire/fb_values.h"
#include "adapters/wire/fb_views.h"
#include "adapters/wire/wire.h"
#include "engine/model/utf8.h"
#include "events/record_codec.h"
#include "schemas/api_generated.h"

namespace stockroom::wire {
namespace {

using fbcodec::Builder;
using fbcodec::QueryBodyRef;
using fbcodec::StringRef;

flatbuffers::Offset<fb::EventRef> put_event_ref(Builder& b, const engine::EventRef& ref) {
  const StringRef type = b.CreateString(ref.type);
  const StringRef stream = b.CreateString(ref.stream);
  return fb::CreateEventRef(b, type, stream, ref.version.value, ref.position.value);
}

flatbuffers::Offset<fb::LoggedEvent> put_logged_event(Builder& b, const engine::LoggedEvent& e,
                                                      std::string& record) {
  events::encode_event(e.event, record);
  // Aligned to 8 inside the reply, so a client can read the nested EventRecord in
  // place (its largest scalars are 8 bytes) without copying it out first.
  b.ForceVectorAlignment(record.size(), sizeof(uint8_t), alignof(uint64_t));
  const auto bytes = b.CreateVector(reinterpret_cast<const uint8_t*>(record.data()), record.size());
  const auto hash = b.CreateVector(e.hash.data(), e.hash.size());
  const StringRef type = b.CreateString(event_type_name(e.event.data));
  return fb::CreateLoggedEvent(b, bytes, hash, type);
}

// Bytes an events page adds after its events: the vector of their offsets (4 each, on
// top of this), the EventsReply and QueryReply tables with their vtables, the root
// offset and alignment padding. An upper bound (about 100 in fact).
constexpr size_t kPageTail = 160;
constexpr size_t kOffsetBytes = sizeof(flatbuffers::uoffset_t);

void finish_query(Builder& b, const QueryBodyRef& body, std::string& out) {
  fb::FinishQueryReplyBuffer(b, fb::CreateQueryReply(b, true, 0, body.type, body.table));
  fbcodec::copy_out(b, out);
}

void finish_refusal(Builder& b, const Error& error, std::string& out) {
  const auto info = fbcodec::put_error(b, error);
  fb::FinishQueryReplyBuffer(b, fb::CreateQueryReply(b, false, info));
  fbcodec::copy_out(b, out);
}

void finish_page(Builder& b, const std::vector<flatbuffers::Offset<fb::LoggedEvent>>& items,
                 std::string_view next_name, uint64_t next, std::string& out) {
  const auto list = b.CreateVector(items);
  flatbuffers::Optional<uint64_t> next_version = flatbuffers::nullopt;
  flatbuffers::Optional<uint64_t> next_position = flatbuffers::nullopt;
  if (next_name == "next_version") next_version = next;
  if (next_name == "next_position") next_position = next;
  const auto page = fb::CreateEventsReply(b, list, next_version, next_position);
  finish_query(b, {fb::QueryBody::EventsReply, page.Union()}, out);
}

// The events of a page, in order, as long as the finished page stays within
// `max_bytes` (by kPageTail's bound). Returns how many.
size_t put_fitting_events(Builder& b, std::span<const engine::LoggedEvent> events, size_t max_bytes,
                          std::vector<flatbuffers::Offset<fb::LoggedEvent>>& items) {
  thread_local std::string record;
  items.clear();
  for (const engine::LoggedEvent& e : events) {
    items.push_back(put_logged_event(b, e, record));
    if (b.GetSize() + kOffsetBytes * items.size() + kPageTail > max_bytes) {
      items.pop_back();  // its bytes stay in `b`: the caller builds the page again
      break;
    }
  }
  return items.size();
}

class FlatBuffersCodec final : public Codec {
 public:
  Result<CommandEnvelope> decode_command(std::string_view name,
                                         std::string_view body) const override {
    return fbcodec::read_command_request(name, body);
  }

  Result<Query> decode_query(std::string_view name, std::string_view body) const override {
    return fbcodec::read_query_request(name, body);
  }

  std::string command_id_of(std::string_view body) const override {
    return fbcodec::command_id_in(body);
  }

  void command_reply(std::string_view command_id, const Result<engine::CommandResult>& result,
                     std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    // An accepted command's id passed validation; a refused one's may be any bytes.
    const StringRef id =
        result ? b.CreateString(command_id) : b.CreateString(valid_utf8(command_id));
    if (!result) {
      const auto error = fbcodec::put_error(b, result.error());
      b.Finish(fb::CreateCommandReply(b, false, id, false, 0, 0, error));
    } else {
      std::vector<flatbuffers::Offset<fb::EventRef>> refs;
      refs.reserve(result->events.size());
      for (const engine::EventRef& ref : result->events) refs.push_back(put_event_ref(b, ref));
      const auto events = b.CreateVector(refs);
      b.Finish(
          fb::CreateCommandReply(b, true, id, result->duplicate, result->position.value, events));
    }
    fbcodec::copy_out(b, out);
  }

  void command_reply_without_events(std::string_view command_id,
                                    const engine::CommandResult& result,
                                    std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    const StringRef id = b.CreateString(command_id);
    const auto none = b.CreateVector(std::vector<flatbuffers::Offset<fb::EventRef>>{});
    b.Finish(fb::CreateCommandReply(b, true, id, result.duplicate, result.position.value, none, 0,
                                    static_cast<uint32_t>(result.events.size())));
    fbcodec::copy_out(b, out);
  }

  void error_reply(const Error& error, std::string& out) const override {
    finish_refusal(fbcodec::reply_builder(), error, out);
  }

  void view_reply(std::string_view view, std::string_view view_json,
                  std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    const Result<QueryBodyRef> body = fbcodec::put_view(b, view, view_json);
    // Stored views always parse; a reply is owed all the same if one did not.
    if (!body) return finish_refusal(fbcodec::reply_builder(), body.error(), out);
    finish_query(b, *body, out);
  }

  size_t events_page(std::span<const engine::LoggedEvent> events, std::string_view next_name,
                     const NextFn& next, size_t max_bytes, std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    std::vector<flatbuffers::Offset<fb::LoggedEvent>> items;
    items.reserve(events.size());
    size_t kept = put_fitting_events(b, events, max_bytes, items);
    // A trimmed page is built again without the bytes of the event that did not fit;
    // should kPageTail ever fall short, one event fewer until the page fits.
    bool rebuild = kept < events.size();
    for (;;) {
      if (rebuild) {
        b.Clear();
        put_fitting_events(b, events.first(kept), max_bytes, items);
      }
      finish_page(b, items, next_name, next(kept), out);
      if (out.size() <= max_bytes || kept == 0) return kept;
      --kept;
      rebuild = true;
    }
  }

  void verify_reply(const events::VerifyReport& report, std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    const StringRef head_hash = b.CreateString(events::to_hex(report.head.hash));
    flatbuffers::Optional<uint64_t> first_bad = flatbuffers::nullopt;
    if (report.first_bad) first_bad = report.first_bad->value;
    const auto verified = fb::CreateVerifyReply(b, report.ok, report.checked,
                                                report.head.position.value, head_hash, first_bad);
    finish_query(b, {fb::QueryBody::VerifyReply, verified.Union()}, out);
  }

  void head_reply(const audit::SignedHead& head, std::string& out) const override {
    Builder& b = fbcodec::reply_builder();
    const StringRef hash = b.CreateString(events::to_hex(head.head.hash));
    const auto signature = b.CreateVector(head.signature.data(), head.signature.size());
    const StringRef key_id = b.CreateString(head.key_id);
    const auto signed_head = fb::CreateHeadReply(b, head.partition, head.head.position.value, hash,
                                                 head.time.micros, signature, key_id);
    finish_query(b, {fb::QueryBody::HeadReply, signed_head.Union()}, out);
  }
};

}  // namespace

const Codec& flatbuffers_codec() {
  static const FlatBuffersCodec codec;
  return codec;
}

}  // namespace stockroom::wire
