#include "events/record_codec.h"

#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "events/internal/codec_command_bodies.h"
#include "events/internal/codec_event_payloads.h"
#include "events/internal/codec_values.h"
#include "events/sha256.h"
#include "schemas/commands_generated.h"
#include "schemas/events_generated.h"

namespace stockroom::events {
namespace {

using codec::Builder;

// Smallest FlatBuffer with an identifier: root offset + 4-byte identifier.
constexpr size_t kMinBufferSize = 2 * sizeof(flatbuffers::uoffset_t);

// One builder per thread, reused: its buffer keeps its capacity between calls, so the
// hot path does not reallocate. Cleared on every use: nothing leaks between records.
Builder& thread_builder() {
  thread_local Builder builder(1024);
  builder.Clear();
  return builder;
}

void copy_out(const Builder& b, std::string& out) {
  out.assign(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

// FlatBuffers reads scalars in place, which needs the buffer aligned to its largest
// scalar (8 bytes). Bytes that are not (e.g. a slice inside a larger RocksDB block)
// are copied once into aligned per-thread storage, valid until the next call.
std::span<const uint8_t> aligned(std::span<const uint8_t> bytes) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) == 0) return bytes;
  thread_local std::vector<uint64_t> storage;
  storage.resize(bytes.size() / sizeof(uint64_t) + 1);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const uint8_t*>(storage.data()), bytes.size()};
}

// Size and identifier checks that must precede flatbuffers::Verifier (which asserts
// on a buffer of 2 GiB or more).
Status check_frame(std::span<const uint8_t> bytes, const char* identifier, std::string_view what) {
  if (bytes.size() < kMinBufferSize) {
    return fail(ErrorCode::kMalformed, std::string(what) + " is too short to be a FlatBuffer");
  }
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return fail(ErrorCode::kMalformed, std::string(what) + " is too large to be a FlatBuffer");
  }
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), identifier)) {
    return fail(ErrorCode::kMalformed,
                std::string(what) + " does not carry the identifier " + std::string(identifier));
  }
  return {};
}

Result<RecordedEvent> read_record(const fb::EventRecord& r) {
  // 0 is the field's default, i.e. absent: every writer stamps a version >= 1.
  // Versions above kEventSchemaVersion are read too: a newer writer only appends
  // fields, which this build ignores (docs/schemas.md).
  if (r.schema_version() == 0) {
    return fail(ErrorCode::kMalformed, "EventRecord.schema_version is missing");
  }
  Result<EventData> data = codec::read_event_payload(r);
  if (!data) return std::unexpected(std::move(data.error()));
  codec::FieldReader fields("EventRecord");
  return fields.finish(
      RecordedEvent{Position{r.position()}, fields.required_text(r.stream(), "stream"),
                    StreamVersion{r.version()}, Timestamp{r.time_us()},
                    fields.id<CommandId>(r.command_id(), "command_id"),
                    fields.actor(r.actor(), "actor"), r.schema_version(), std::move(*data)});
}

Result<CommandEnvelope> read_envelope(const fb::CommandEnvelope& e) {
  Result<Command> command = codec::read_command_body(e);
  if (!command) return std::unexpected(std::move(command.error()));
  std::optional<StreamVersion> expected_version;
  if (const flatbuffers::Optional<uint64_t> v = e.expected_version()) {
    expected_version = StreamVersion{*v};
  }
  codec::FieldReader fields("CommandEnvelope");
  return fields.finish(CommandEnvelope{fields.id<CommandId>(e.command_id(), "command_id"),
                                       fields.actor(e.actor(), "actor"), expected_version,
                                       std::move(*command)});
}

}  // namespace

void encode_event(const RecordedEvent& event, std::string& out) {
  Builder& b = thread_builder();
  const codec::EncodedPayload payload = codec::put_event_payload(b, event.data);
  const codec::StringRef stream = b.CreateString(event.stream);
  const codec::StringRef command_id = codec::put_id(b, event.command_id);
  const auto actor = codec::put_actor(b, event.actor);
  const auto record = fb::CreateEventRecord(b, event.schema_version, event.position.value, stream,
                                            event.version.value, event.time.micros, command_id,
                                            actor, payload.type, payload.table);
  fb::FinishEventRecordBuffer(b, record);
  copy_out(b, out);
}

Result<RecordedEvent> decode_event(std::span<const uint8_t> record) {
  if (Status frame = check_frame(record, fb::EventRecordIdentifier(), "event record"); !frame) {
    return std::unexpected(std::move(frame.error()));
  }
  const std::span<const uint8_t> bytes = aligned(record);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyEventRecordBuffer(verifier)) {
    return fail(ErrorCode::kMalformed, "event record is not a valid EventRecord FlatBuffer");
  }
  return read_record(*fb::GetEventRecord(bytes.data()));
}

void encode_command(const CommandEnvelope& envelope, std::string& out) {
  Builder& b = thread_builder();
  const codec::EncodedBody body = codec::put_command_body(b, envelope.command);
  const codec::StringRef command_id = codec::put_id(b, envelope.command_id);
  const auto actor = codec::put_actor(b, envelope.actor);
  flatbuffers::Optional<uint64_t> expected_version = flatbuffers::nullopt;
  if (envelope.expected_version) expected_version = envelope.expected_version->value;
  const auto root =
      fb::CreateCommandEnvelope(b, command_id, actor, expected_version, body.type, body.table);
  fb::FinishCommandEnvelopeBuffer(b, root);
  copy_out(b, out);
}

Result<CommandEnvelope> decode_command(std::span<const uint8_t> bytes) {
  if (Status frame = check_frame(bytes, fb::CommandEnvelopeIdentifier(), "command"); !frame) {
    return std::unexpected(std::move(frame.error()));
  }
  const std::span<const uint8_t> in = aligned(bytes);
  flatbuffers::Verifier verifier(in.data(), in.size());
  if (!fb::VerifyCommandEnvelopeBuffer(verifier)) {
    return fail(ErrorCode::kMalformed, "command is not a valid CommandEnvelope FlatBuffer");
  }
  return read_envelope(*fb::GetCommandEnvelope(in.data()));
}

Hash command_fingerprint(const CommandEnvelope& envelope) {
  thread_local std::string bytes;
  encode_command(envelope, bytes);
  return sha256({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

}  // namespace stockroom::events
