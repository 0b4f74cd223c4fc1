// JSON replies (nats-api.md): accepted and refused commands, refused queries, event
// pages and the chain check. Field order is fixed so that replies are byte-stable.
#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "adapters/wire/internal_json.h"
#include "engine/model/utf8.h"
#include "events/event_log.h"

namespace stockroom::wire::internal {
namespace {

using projections::internal::JsonBuffer;
using projections::internal::put;
using projections::internal::put_bool;
using projections::internal::put_key;

// Writes the "details" object lazily (it is omitted when empty) and never writes a
// name twice: a JSON object with a repeated key means different things to different
// parsers.
class Details {
 public:
  explicit Details(JsonWriter& w) : w_(w) {}
  Details(const Details&) = delete;
  Details& operator=(const Details&) = delete;
  ~Details() {
    if (open_) w_.EndObject();
  }

  // Writes the key `name` and returns true when it is new; the caller writes its value.
  bool key(std::string_view name) {
    if (!fresh(name)) return false;
    put_key(w_, name);
    return true;
  }

  template <class T>
  void put(std::string_view name, const T& value) {
    if (fresh(name)) projections::internal::put(w_, name, value);
  }

 private:
  // Opens the object if needed and returns true when `name` was not written yet.
  bool fresh(std::string_view name) {
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) return false;
    names_.push_back(name);
    if (!open_) {
      put_key(w_, "details");
      w_.StartObject();
      open_ = true;
    }
    return true;
  }

  JsonWriter& w_;
  std::vector<std::string_view> names_;
  bool open_ = false;
};

void write_shortages(JsonWriter& w, const std::vector<Shortage>& shortages) {
  w.StartArray();
  for (const Shortage& s : shortages) {
    w.StartObject();
    put(w, "sku", s.sku);
    put(w, "requested", s.requested);
    put(w, "available", s.available);
    w.EndObject();
  }
  w.EndArray();
}

void write_details(JsonWriter& w, const Error& error) {
  Details details(w);
  for (const ErrorDetail& d : error.details) {
    if (const auto* text = std::get_if<std::string>(&d.value)) {
      details.put(d.name, valid_utf8(*text));  // it may echo the request
    } else {
      details.put(d.name, std::get<int64_t>(d.value));
    }
  }
  // One short line is shown flat, as nats-api.md's example does; the array names
  // every line whatever their number, for clients that read one shape.
  if (error.shortages.size() == 1) {
    const Shortage& s = error.shortages.front();
    details.put("sku", s.sku);
    details.put("requested", s.requested);
    details.put("available", s.available);
  }
  if (!error.shortages.empty() && details.key("shortages")) write_shortages(w, error.shortages);
}

void assign(const JsonBuffer& buffer, std::string& out) {
  out.assign(buffer.GetString(), buffer.GetSize());
}

// "duplicate","position","events" of an accepted command; the list empty unless
// `with_events`.
void write_accepted(JsonWriter& w, const engine::CommandResult& result, bool with_events) {
  put_bool(w, "duplicate", result.duplicate);
  put(w, "position", result.position.value);
  put_key(w, "events");
  w.StartArray();
  if (with_events) {
    for (const engine::EventRef& e : result.events) {
      w.StartObject();
      put(w, "type", e.type);
      put(w, "stream", e.stream);
      put(w, "version", e.version.value);
      put(w, "position", e.position.value);
      w.EndObject();
    }
  }
  w.EndArray();
}

// Raw text into the buffer, outside any writer: the page's frame around the events.
void put_raw(JsonBuffer& buffer, std::string_view text) {
  for (const char c : text) buffer.Put(c);
}

}  // namespace

void write_error(JsonWriter& w, const Error& error) {
  w.StartObject();
  put(w, "code", error_code_name(error.code));
  // A refusal may quote what the request held (an unknown subject name, a field):
  // the reply stays valid UTF-8 whatever bytes came in (found by tests/fuzz).
  put(w, "message", valid_utf8(error.message));
  write_details(w, error);
  w.EndObject();
}

void json_command_reply(std::string_view command_id, const Result<engine::CommandResult>& result,
                        std::string& out) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put_bool(w, "ok", result.has_value());
  // An accepted command's id passed validation; a refused one's may be any bytes.
  if (result) {
    put(w, "command_id", command_id);
  } else {
    put(w, "command_id", valid_utf8(command_id));
  }
  if (result) {
    write_accepted(w, *result, true);
  } else {
    put_key(w, "error");
    write_error(w, result.error());
  }
  w.EndObject();
  assign(buffer, out);
}

void json_command_reply_without_events(std::string_view command_id,
                                       const engine::CommandResult& result, std::string& out) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put_bool(w, "ok", true);
  put(w, "command_id", command_id);
  write_accepted(w, result, false);
  put(w, "events_omitted", static_cast<uint64_t>(result.events.size()));
  w.EndObject();
  assign(buffer, out);
}

void json_error_reply(const Error& error, std::string& out) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put_bool(w, "ok", false);
  put_key(w, "error");
  write_error(w, error);
  w.EndObject();
  assign(buffer, out);
}

size_t json_events_page(std::span<const engine::LoggedEvent> events, std::string_view next_name,
                        const NextFn& next, size_t max_bytes, std::string& out) {
  // The same bytes a single writer would give: {"events":[e,e],"<next_name>":N}. Each
  // event is written by a fresh writer and taken back out of the buffer when the page
  // with it and the longest tail (],"<next_name>":<20 digits>}) would pass max_bytes.
  const size_t tail = 6 + next_name.size() + 20;
  JsonBuffer buffer;
  JsonWriter w(buffer);
  put_raw(buffer, R"({"events":[)");
  size_t kept = 0;
  for (const engine::LoggedEvent& e : events) {
    const size_t before = buffer.GetSize();
    if (kept > 0) buffer.Put(',');
    w.Reset(buffer);
    write_event(w, e);
    if (buffer.GetSize() + tail > max_bytes) {
      buffer.Pop(buffer.GetSize() - before);
      break;
    }
    ++kept;
  }
  put_raw(buffer, "],\"");
  put_raw(buffer, next_name);
  put_raw(buffer, "\":");
  put_raw(buffer, std::to_string(next(kept)));
  buffer.Put('}');
  assign(buffer, out);
  return kept;
}

void json_verify_reply(const events::VerifyReport& report, std::string& out) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put_bool(w, "ok", report.ok);
  put(w, "checked", report.checked);
  put(w, "head_position", report.head.position.value);
  put(w, "head_hash", events::to_hex(report.head.hash));
  if (report.first_bad) put(w, "first_bad_position", report.first_bad->value);
  w.EndObject();
  assign(buffer, out);
}

}  // namespace stockroom::wire::internal
