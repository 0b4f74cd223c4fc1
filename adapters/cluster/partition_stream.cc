#include "adapters/cluster/partition_stream.h"

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "adapters/cluster/internal/js_status.h"
#include "adapters/cluster/internal/names.h"
#include "adapters/cluster/internal/retry.h"

namespace stockroom::cluster {
namespace {

constexpr int64_t kAppendTryMs = 500;

using internal::Attempt;
using internal::describe;
using internal::done;
using internal::is_transient;
using internal::retry_later;
using internal::retry_until;

constexpr int64_t kDuplicateWindowNs = std::chrono::nanoseconds(std::chrono::minutes(2)).count();
// An ephemeral reader left behind by a crash is removed by the server after this.
constexpr int64_t kReaderInactiveNs = std::chrono::nanoseconds(std::chrono::seconds(30)).count();
// One fetch's batch: below NATS.c's default pending limit of 65536 messages per
// subscription, and small enough that a batch of large messages stays bounded.
constexpr int kFetchBatch = 1024;
// A duplicate answer is checked even when the publish used up the deadline.
constexpr int64_t kCheckFloorMs = 500;

constexpr const char* kMsgIdHeader = "Nats-Msg-Id";
constexpr const char* kExpectedLastSeqHeader = "Nats-Expected-Last-Sequence";

struct StreamInfoDeleter {
  void operator()(jsStreamInfo* si) const { jsStreamInfo_Destroy(si); }
};
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;

struct MsgDeleter {
  void operator()(natsMsg* msg) const { natsMsg_Destroy(msg); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

// Unsubscribing deletes the ephemeral consumer the library created for the read.
struct SubscriptionDeleter {
  void operator()(natsSubscription* sub) const {
    // Ignored on purpose: a consumer that survives a failed delete is removed by the
    // server after kReaderInactiveNs.
    static_cast<void>(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
  }
};
using SubscriptionPtr = std::unique_ptr<natsSubscription, SubscriptionDeleter>;

jsOptions api_options(Deadline deadline) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = remaining_ms(deadline, JetLink::kApiWaitMs);
  return o;
}

// The fields ensure() sets; anything else an operator changed (a description, limits
// left at none) does not make the stream another one.
bool same_config(const jsStreamConfig& have, const jsStreamConfig& want) {
  return have.SubjectsLen == 1 && std::string_view(have.Subjects[0]) == want.Subjects[0] &&
         have.Storage == want.Storage && have.Replicas == want.Replicas &&
         have.Retention == want.Retention && have.Discard == want.Discard &&
         have.Duplicates == want.Duplicates && have.MaxMsgs <= 0 && have.MaxBytes <= 0 &&
         have.MaxAge == 0;
}

Attempt<StreamInfoPtr> stream_info(jsCtx* js, const std::string& name, Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&si, js, name.c_str(), &o, &err);
  if (s == NATS_OK) return done<StreamInfoPtr>(StreamInfoPtr(si));
  std::string why = describe("stream info " + name, s);
  if (err == internal::kJsStreamNotFound)
    return done<StreamInfoPtr>(fail(ErrorCode::kNotFound, why));
  if (is_transient(s, err) || s == NATS_ERR) return retry_later<StreamInfoPtr>(std::move(why));
  return done<StreamInfoPtr>(fail(ErrorCode::kUnavailable, std::move(why)));
}

// The error of a refused publish: the fence, a message the server will never take, or
// something that may pass.
Attempt<AppendAck> publish_failure(natsStatus s, int err, const std::string& stream) {
  std::string why = describe("append to " + stream, s);
  if (err == internal::kJsWrongLastSequence) {
    std::vector<ErrorDetail> details;
    if (auto last = internal::wrong_last_sequence(why)) {
      details.push_back({"last_sequence", static_cast<int64_t>(*last)});
    }
    return done<AppendAck>(fail(ErrorCode::kConflict, std::move(why), std::move(details)));
  }
  // Too large for the server's max_payload (NATS.c checks it) or the stream's limit.
  if (s == NATS_MAX_PAYLOAD || err == internal::kJsMessageTooLarge) {
    return done<AppendAck>(fail(ErrorCode::kPayloadTooLarge, std::move(why)));
  }
  if (s == NATS_INVALID_ARG)
    return done<AppendAck>(fail(ErrorCode::kInvalidArgument, std::move(why)));
  // Other server refusals (NATS_ERR) are retried: during an election 2.9.10 answers
  // with several codes that pass, and the deadline bounds the ones that do not.
  return retry_later<AppendAck>(std::move(why));
}

// Reads the message at `seq` and checks that it holds `msg_id`.
Status check_duplicate(jsCtx* js, const std::string& stream, uint64_t seq,
                       const std::string& msg_id, Deadline deadline) {
  return retry_until(deadline, [&]() -> Attempt<void> {
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = remaining_ms(deadline, JetLink::kApiWaitMs, kCheckFloorMs);
    natsMsg* raw = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetMsg(&raw, js, stream.c_str(), seq, &o, &err);
    MsgPtr stored(raw);
    if (s != NATS_OK) {
      return retry_later<void>(
          describe("check of a duplicate answer at " + stream + " seq " + std::to_string(seq), s));
    }
    const char* stored_id = nullptr;
    if (natsMsgHeader_Get(stored.get(), kMsgIdHeader, &stored_id) == NATS_OK &&
        stored_id != nullptr && msg_id == stored_id) {
      return done<void>({});
    }
    // nats-server 2.9.10 may answer a never-stored message as a duplicate after a
    // leader election (fixed later, nats-server PR #6415). The same msg id may get the
    // same answer for the rest of the duplicate window, so the caller decides.
    return done<void>(fail(ErrorCode::kUnavailable,
                           "the server called message " + msg_id + " a duplicate of seq " +
                               std::to_string(seq) + " of " + stream +
                               ", which holds another message: it was not stored there; " +
                               "check the stream and append again",
                           {{"duplicate_seq", static_cast<int64_t>(seq)}}));
  });
}

// An ephemeral pull consumer from `from_seq` with no acks: one fetch request brings a
// whole batch, where a get per sequence costs a round trip each.
Attempt<SubscriptionPtr> open_reader(jsCtx* js, const std::string& stream,
                                     const std::string& subject, uint64_t from_seq,
                                     Deadline deadline) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = from_seq;
  so.Config.AckPolicy = js_AckNone;
  so.Config.InactiveThreshold = kReaderInactiveNs;
  so.Config.Replicas = 1;
  so.Config.MemoryStorage = true;
  jsOptions o = api_options(deadline);
  natsSubscription* sub = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  const natsStatus s = js_PullSubscribe(&sub, js, subject.c_str(), nullptr, &o, &so, &err);
  if (s == NATS_OK) return done<SubscriptionPtr>(SubscriptionPtr(sub));
  std::string why = describe("reader on " + stream, s);
  if (is_transient(s, err) || s == NATS_ERR) return retry_later<SubscriptionPtr>(std::move(why));
  return done<SubscriptionPtr>(fail(ErrorCode::kUnavailable, std::move(why)));
}

// Appends the fetched messages to `records`, checking that they continue it without a
// gap from `from_seq`.
Status take(const natsMsgList& list, const std::string& stream, uint64_t from_seq,
            std::vector<StreamRecord>& records) {
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* msg = list.Msgs[i];
    jsMsgMetaData* meta = nullptr;
    if (natsStatus s = natsMsg_GetMetaData(&meta, msg); s != NATS_OK) {
      return fail(ErrorCode::kUnavailable, describe("metadata of a message of " + stream, s));
    }
    const uint64_t seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    const uint64_t expected = from_seq + records.size();
    if (seq != expected) {
      return fail(ErrorCode::kUnavailable, stream + " gave seq " + std::to_string(seq) + " where " +
                                               std::to_string(expected) +
                                               " was due: a gap in the stream");
    }
    const char* id = nullptr;
    const bool has_id = natsMsgHeader_Get(msg, kMsgIdHeader, &id) == NATS_OK && id != nullptr;
    records.push_back(
        {seq, std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))),
         has_id ? std::string(id) : std::string()});
  }
  return {};
}

Result<std::vector<StreamRecord>> fetch_all(natsSubscription* sub, const std::string& stream,
                                            uint64_t from_seq, uint64_t want, Deadline deadline) {
  std::vector<StreamRecord> records;
  records.reserve(want);
  while (records.size() < want && !expired(deadline)) {
    const int batch = static_cast<int>(std::min<uint64_t>(want - records.size(), kFetchBatch));
    natsMsgList list{};
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = natsSubscription_Fetch(&list, sub, batch,
                                                remaining_ms(deadline, JetLink::kApiWaitMs), &err);
    if (s != NATS_OK && !is_transient(s, err)) {
      natsMsgList_Destroy(&list);
      return fail(ErrorCode::kUnavailable, describe("read " + stream, s));
    }
    const Status taken = take(list, stream, from_seq, records);
    natsMsgList_Destroy(&list);
    if (!taken) return std::unexpected(taken.error());
  }
  if (records.empty()) {
    return fail(ErrorCode::kUnavailable, "nothing read from " + stream + " at seq " +
                                             std::to_string(from_seq) + " before the deadline");
  }
  return records;
}

}  // namespace

PartitionStream::PartitionStream(const JetLink& link, std::string_view prefix, uint32_t partition,
                                 int replicas)
    : link_(link),
      name_(internal::jetstream_name(prefix) + "_P" + std::to_string(partition)),
      subject_(std::string(prefix) + ".log." + std::to_string(partition)),
      replicas_(replicas) {}

Status PartitionStream::ensure(Deadline deadline) {
  const char* subjects[] = {subject_.c_str()};
  jsStreamConfig want;
  jsStreamConfig_Init(&want);
  want.Name = name_.c_str();
  want.Subjects = subjects;
  want.SubjectsLen = 1;
  want.Retention = js_LimitsPolicy;
  want.Discard = js_DiscardOld;
  want.Storage = js_FileStorage;
  want.Replicas = replicas_;
  want.Duplicates = kDuplicateWindowNs;
  auto created = retry_until(deadline, [&]() -> Attempt<bool> {
    jsOptions o = api_options(deadline);
    jsStreamInfo* si = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    const natsStatus s = js_AddStream(&si, link_.js(), &want, &o, &err);
    jsStreamInfo_Destroy(si);
    if (s == NATS_OK) return done<bool>(true);
    // A lost answer to an earlier attempt may have created it: compare below.
    if (err == internal::kJsStreamNameExists) return done<bool>(false);
    std::string why = describe("create stream " + name_, s);
    if (is_transient(s, err) || internal::create_being_placed(s, err)) {
      return retry_later<bool>(std::move(why));
    }
    return done<bool>(fail(ErrorCode::kInvalidState, std::move(why)));
  });
  if (!created) return std::unexpected(created.error());
  if (*created) return {};
  auto info = retry_until(deadline, [&] { return stream_info(link_.js(), name_, deadline); });
  if (!info) return std::unexpected(info.error());
  if (!same_config(*(*info)->Config, want)) {
    return fail(ErrorCode::kInvalidState,
                "stream " + name_ + " exists with another configuration (subject, storage, " +
                    "replicas, retention or duplicate window)");
  }
  return {};
}

Result<uint64_t> PartitionStream::last_sequence(Deadline deadline) {
  auto info = retry_until(deadline, [&] { return stream_info(link_.js(), name_, deadline); });
  if (!info) return std::unexpected(info.error());
  return (*info)->State.LastSeq;
}

Result<AppendAck> PartitionStream::append(std::string_view data, uint64_t expected_last_seq,
                                          std::string_view msg_id, Deadline deadline) {
  if (msg_id.empty()) return fail(ErrorCode::kInvalidArgument, "append needs a message id");
  const std::string id(msg_id);
  const std::string expected = std::to_string(expected_last_seq);
  auto ack = retry_until(deadline, [&]() -> Attempt<AppendAck> {
    natsMsg* raw = nullptr;
    natsStatus s =
        natsMsg_Create(&raw, subject_.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
    MsgPtr msg(raw);
    // Set by hand: NATS.c's ExpectLastSeq option omits the header for 0, which would
    // leave the first append to an empty stream unfenced.
    if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), kMsgIdHeader, id.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), kExpectedLastSeqHeader, expected.c_str());
    if (s != NATS_OK)
      return done<AppendAck>(fail(ErrorCode::kInvalidArgument, describe("append", s)));
    jsPubOptions po;
    jsPubOptions_Init(&po);
    // Half a second per try: an R3 ack takes ~0.5 ms (p99 1.5 ms) here, and during an
    // election nobody answers, so a short try lets the append land soon after the new
    // leader is in place (a resend with the same msg id is deduplicated).
    po.MaxWait = remaining_ms(deadline, kAppendTryMs);
    jsPubAck* pa = nullptr;
    jsErrCode err = static_cast<jsErrCode>(0);
    s = js_PublishMsg(&pa, link_.js(), msg.get(), &po, &err);
    if (s != NATS_OK) return publish_failure(s, err, name_);
    const AppendAck result{pa->Sequence, pa->Duplicate};
    jsPubAck_Destroy(pa);
    return done<AppendAck>(result);
  });
  if (!ack || !ack->duplicate) return ack;
  if (Status ours = check_duplicate(link_.js(), name_, ack->seq, id, deadline); !ours) {
    return std::unexpected(ours.error());
  }
  return ack;
}

Result<std::vector<StreamRecord>> PartitionStream::read(uint64_t from_seq, size_t max,
                                                        Deadline deadline) {
  if (from_seq == 0) return fail(ErrorCode::kInvalidArgument, "stream sequences start at 1");
  auto last = last_sequence(deadline);
  if (!last) return std::unexpected(last.error());
  if (max == 0 || *last < from_seq) return std::vector<StreamRecord>{};
  const uint64_t want = std::min<uint64_t>(max, *last - from_seq + 1);
  auto sub = retry_until(
      deadline, [&] { return open_reader(link_.js(), name_, subject_, from_seq, deadline); });
  if (!sub) return std::unexpected(sub.error());
  return fetch_all(sub->get(), name_, from_seq, want, deadline);
}

}  // namespace stockroom::cluster
