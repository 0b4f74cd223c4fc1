// PartitionStream: one partition's replicated log, a JetStream stream (scale-out.md "A
// replicated log per partition"). Stream `<PREFIX>_P<i>` on subject `<prefix>.log.<i>`,
// file storage, R replicas, limits retention with no limits (it never drops a
// message), a 2-minute duplicate window for Nats-Msg-Id.
//
// The fence: append() sends Nats-Expected-Last-Sequence, which nats-server 2.9.10
// checks serializably on R3, so of two writers expecting the same last sequence exactly
// one succeeds. It never sends Nats-Expected-Stream (that header stalls mirrors and
// sources for good in 2.9.10).
//
// Every call takes a deadline and retries what passes by itself (timeouts, no
// responders, leader elections) until it; kUnavailable then means "try again later".
//
// Threads: any thread; calls are independent requests over the JetLink's connection.
// Ownership: borrows `link`, which must outlive this object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/jet_link.h"
#include "engine/model/error.h"

namespace stockroom::cluster {

struct AppendAck {
  uint64_t seq = 0;        // the stream sequence that holds the message
  bool duplicate = false;  // the message was already stored (a retry of the same msg id)
  bool operator==(const AppendAck&) const = default;
};

struct StreamRecord {
  uint64_t seq = 0;
  std::string data;
  std::string msg_id;  // its Nats-Msg-Id header, empty when it had none
  bool operator==(const StreamRecord&) const = default;
};

class PartitionStream {
 public:
  // REQUIRES: `prefix` is a valid subject prefix (no spaces or wildcards); replicas 1..5.
  PartitionStream(const JetLink& link, std::string_view prefix, uint32_t partition, int replicas);
  PartitionStream(const PartitionStream&) = delete;
  PartitionStream& operator=(const PartitionStream&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }        // STOCKROOM_P3
  [[nodiscard]] const std::string& subject() const { return subject_; }  // stockroom.log.3

  // Creates the stream, or accepts an existing one with the same configuration.
  // Retries while the cluster cannot place it yet ("no suitable peers", "insufficient
  // resources", no meta leader) until `deadline`. kInvalidState when a stream of that
  // name exists with another configuration; kUnavailable at the deadline.
  [[nodiscard]] Status ensure(Deadline deadline);

  // Appends `data` if the stream's last sequence is `expected_last_seq` (0: empty
  // stream), with `msg_id` (non-empty) as Nats-Msg-Id. Retries a timeout with the same
  // msg id and expectation, so a message stored by a lost attempt is answered
  // duplicate. A duplicate answer is checked by reading the message at ack.seq: after a
  // leader election 2.9.10 may call a never-stored message a duplicate.
  // kConflict: the fence — the stream's last sequence is not `expected_last_seq`; the
  //   error's detail "last_sequence" holds the actual one when the server named it.
  // kUnavailable: no quorum or no answer by `deadline` (the message may or may not be
  //   stored: retry with the same msg id and expectation); or a duplicate answer whose
  //   seq holds another message (detail "duplicate_seq"): the message was not stored
  //   there, and the same msg id may get the same answer for the rest of the duplicate
  //   window, so the caller reads the stream and appends again.
  // kPayloadTooLarge: `data` exceeds the server's max_payload.
  // kInvalidArgument: an empty msg id.
  [[nodiscard]] Result<AppendAck> append(std::string_view data, uint64_t expected_last_seq,
                                         std::string_view msg_id, Deadline deadline);

  // The stream's last sequence (0 when empty). kUnavailable at the deadline.
  [[nodiscard]] Result<uint64_t> last_sequence(Deadline deadline);

  // Up to `max` messages from sequence `from_seq` (>= 1) on, in order and contiguous;
  // empty when the stream holds nothing at or after `from_seq`. May return fewer than
  // asked when the deadline comes after some arrived. Reads through an ephemeral pull
  // consumer (one fetch for the whole batch), not one request per message.
  // kUnavailable: nothing read by the deadline, or a gap in the sequences (the stream
  // never deletes, so a gap means something is wrong on the server side).
  [[nodiscard]] Result<std::vector<StreamRecord>> read(uint64_t from_seq, size_t max,
                                                       Deadline deadline);

 private:
  const JetLink& link_;
  std::string name_;
  std::string subject_;
  int replicas_;
};

}  // namespace stockroom::cluster
