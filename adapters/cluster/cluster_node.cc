#include "adapters/cluster/cluster_node.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/cluster/deadline.h"
#include "adapters/cluster/jet_link.h"
#include "adapters/cluster/lease_table.h"
#include "adapters/cluster/outbox_cursors.h"
#include "adapters/cluster/partition_stream.h"
#include "adapters/nats/settle_outbox.h"
#include "engine/follower.h"
#include "engine/model/routing.h"
#include "events/journal_batch.h"

namespace stockroom::cluster {
namespace {

using namespace std::chrono_literals;

// An owner-change marker: a journal with no operations. Appended with the expected
// last sequence, it is the fence; followers only advance their sequence past it.
constexpr std::string_view kMarker = "SRJ1";
constexpr auto kTick = 200ms;
// How long a free lease whose partition still answers is left to its owner (tick).
constexpr auto kOwnerGrace = 3s;
constexpr size_t kReadBatch = 1024;

enum class Role : uint8_t { kNone = 0, kStandby = 1, kOwner = 2 };

std::string lease_key(uint32_t partition) { return "partition." + std::to_string(partition); }
std::string node_key(std::string_view node) { return "node." + std::string(node); }

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace

// One partition as this node sees it. Role changes and the engine's life run on the
// control thread under Impl::mu; the replicate hook (the engine's committer thread)
// reads only the atomics and the stream.
struct Slot {
  uint32_t index = 0;
  std::string dir;
  std::unique_ptr<PartitionStream> stream;  // on the node's link: catch-up reads
  // An owner appends through a connection of its own, made at takeover and dropped when
  // it stops serving: once, after the NATS server it used was killed, a connection
  // answered every request "Invalid Subscription" until it was replaced (NATS.c 3.4.1),
  // and stepping down and back must not inherit that.
  std::unique_ptr<JetLink> append_link;
  std::unique_ptr<PartitionStream> append_stream;
  Role role = Role::kNone;
  std::unique_ptr<engine::Follower> follower;  // standby, or during a takeover
  std::unique_ptr<ops::Registry> registry;     // the service's own metrics
  std::unique_ptr<nats_adapter::Service> service;
  std::unique_ptr<engine::Engine> engine;
  // Owner: sends the stock effects of its orders placed elsewhere (settle_outbox.h).
  // Stopped before the engine it reads.
  std::unique_ptr<nats_adapter::SettleOutbox> outbox;
  uint64_t lease_revision = 0;
  // When the last create or renewal that held was sent: the server counts the TTL from
  // a later moment, so this is on the safe side.
  std::atomic<int64_t> lease_renewed_ns{0};
  // Open while the lease is surely ours (read_gate.h): queries and refusals need it.
  nats_adapter::ReadGate reads;
  std::atomic<uint64_t> last_seq{0};  // the stream's last sequence, as owner
  std::atomic<bool> fenced{false};
  std::atomic<bool> faulted{false};
  std::atomic<uint64_t> applied{0};
  std::atomic<uint64_t> stream_last{0};
  Clock::time_point free_since{};
  std::string last_release;           // why this node last stopped serving it (readyz)
  Clock::time_point probed{};         // the last probe of the owner (standby)
  Clock::time_point silent_since{};   // since when the owner's subject has no listener
  Clock::time_point served_probed{};  // the last probe of a free partition's subject
  bool served = false;                // its result: somebody may listen there
  Clock::time_point last_checked{};
  ops::Gauge* role_gauge = nullptr;
  ops::Gauge* applied_gauge = nullptr;
  ops::Gauge* lag_gauge = nullptr;
  ops::Gauge* head_gauge = nullptr;
  ops::Counter* appends = nullptr;
  ops::Counter* fences = nullptr;
  ops::Counter* takeovers = nullptr;
  ops::Gauge* outbox_depth = nullptr;
  ops::Gauge* outbox_age = nullptr;
};

namespace {

// The outbox's depth and age on /metrics; 0 where this node does not own the partition.
// REQUIRES: the node's mu held (the slot's outbox).
void refresh_outbox_gauges(const Slot& s) {
  const std::optional<Timestamp> oldest = s.outbox ? s.outbox->oldest_recorded() : std::nullopt;
  s.outbox_depth->set(s.outbox ? static_cast<double>(s.outbox->depth()) : 0.0);
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t age_us = oldest ? std::max<int64_t>(0, now_us - oldest->micros) : 0;
  s.outbox_age->set(static_cast<double>(age_us) / 1e6);
}

}  // namespace

struct ClusterNode::Impl {
  ClusterOptions options;
  ops::Registry& metrics;
  ops::JsonLog& log;
  std::unique_ptr<JetLink> link;
  std::unique_ptr<LeaseTable> leases;
  // Every partition's outbox cursor (the owner's SettleOutbox reads and writes its own).
  std::unique_ptr<OutboxCursors> cursors;
  std::string incarnation;  // the value of this process's leases: node id and start
  uint32_t partitions = 0;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<std::string> live_nodes;  // sorted
  // Nodes found dead (owner_gone), and when: forgotten a TTL later, when their key has
  // expired (a restart under the same id registers anew after that).
  std::map<std::string, Clock::time_point> gone_nodes;
  Clock::time_point nodes_checked{};
  int64_t node_renewed_ns = 0;
  uint64_t node_revision = 0;
  Clock::time_point over_share_since{};
  const Clock::time_point started = Clock::now();

  mutable std::mutex mu;  // slots' roles, engines and services
  std::mutex wake_mu;
  std::condition_variable wake;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::thread thread;

  Impl(ClusterOptions o, ops::Registry& m, ops::JsonLog& l)
      : options(std::move(o)), metrics(m), log(l) {}

  [[nodiscard]] std::chrono::nanoseconds ttl() const { return options.lease_ttl; }

  // The lease has surely not expired yet: it was created or renewed less than a TTL
  // ago. Required to take a partition over (or back).
  [[nodiscard]] bool lease_fresh(const Slot& s) const {
    return now_ns() - s.lease_renewed_ns.load() < ttl().count();
  }

  // A create or renewal of s's lease held: sent at `sent_ns`, when the read gate's
  // epoch was `epoch`. Nobody else can hold the lease for a TTL from then but by
  // purging it, which a standby does only after our partition subject was silent for a
  // second (owner_gone). So the gate opens only for a renewal sent while our service
  // was subscribed: not for the create or adoption that starts a takeover (a standby
  // may purge the lease while the takeover catches up, unanswered), and not across a
  // reconnect of the service (which closes the gate).
  void lease_held(Slot& s, uint64_t revision, int64_t sent_ns, uint64_t epoch) {
    s.lease_revision = revision;
    s.lease_renewed_ns = sent_ns;
    if (s.service) {
      s.reads.open_until(Clock::time_point(std::chrono::nanoseconds(sent_ns) + ttl()), epoch);
    }
  }

  // An owner keeps serving while its lease was renewed within two TTLs. Safety does
  // not rest on this (the fence does: a newer owner's marker refuses our appends); it
  // keeps a node that was paused far past its lease from even trying, while an owner
  // rides out a lease-bucket election (5-9 s without answers, renewals retried) that
  // may overlap a stream election, without stepping down for nothing.
  [[nodiscard]] bool may_serve(const Slot& s) const {
    return now_ns() - s.lease_renewed_ns.load() < (2 * ttl()).count();
  }

  // ---------------------------------------------------------------- start, stop
  Status open_cluster() {
    auto connected = JetLink::connect(options.connect);
    if (!connected) return std::unexpected(connected.error());
    link = std::move(*connected);
    const Deadline setup = deadline_in(60s);
    auto table =
        LeaseTable::open(*link, options.prefix, options.lease_ttl, options.replicas, setup);
    if (!table) return std::unexpected(table.error());
    leases = std::move(*table);
    auto count = leases->claim_partition_count(options.partitions, setup);
    if (!count) return std::unexpected(count.error());
    if (*count != options.partitions) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("the cluster was created with {} partitions; --partitions {} is "
                              "refused (changing it would move keys)",
                              *count, options.partitions));
    }
    partitions = *count;
    auto opened = OutboxCursors::open(*link, options.prefix, options.replicas, setup);
    if (!opened) return std::unexpected(opened.error());
    cursors = std::move(*opened);
    auto* role = &metrics.gauge("stockroom_partition_role",
                                "This node's role per partition: 2 owner, 1 standby, 0 none.",
                                {"partition"});
    auto* applied = &metrics.gauge("stockroom_partition_applied_sequence",
                                   "The stream sequence applied to the local copy.", {"partition"});
    auto* lag = &metrics.gauge("stockroom_partition_lag", "Stream messages not applied here yet.",
                               {"partition"});
    auto* head = &metrics.gauge("stockroom_partition_head_position",
                                "The local log's head position.", {"partition"});
    auto* appends =
        &metrics.counter("stockroom_partition_appends_total",
                         "Groups appended to the partition's stream by this node.", {"partition"});
    auto* fences =
        &metrics.counter("stockroom_partition_fences_total",
                         "Appends refused because another owner fenced the stream.", {"partition"});
    auto* takeovers = &metrics.counter("stockroom_partition_takeovers_total",
                                       "Times this node took the partition over.", {"partition"});
    auto* outbox_depth = &metrics.gauge(
        "stockroom_outbox_depth",
        "Stock effects (stock.settle) of the partition's orders not yet acknowledged by the "
        "products' partitions (owner only).",
        {"partition"});
    auto* outbox_age = &metrics.gauge(
        "stockroom_outbox_oldest_age_seconds",
        "Seconds since the oldest unacknowledged stock effect's event was recorded (owner only).",
        {"partition"});
    for (uint32_t i = 0; i < partitions; ++i) {
      auto s = std::make_unique<Slot>();
      s->index = i;
      s->dir = (std::filesystem::path(options.data_dir) / fmt::format("p{}", i)).string();
      s->stream = std::make_unique<PartitionStream>(*link, options.prefix, i, options.replicas);
      if (Status ok = s->stream->ensure(setup); !ok) return ok;
      const std::string p = std::to_string(i);
      s->role_gauge = &role->with({p});
      s->applied_gauge = &applied->with({p});
      s->lag_gauge = &lag->with({p});
      s->head_gauge = &head->with({p});
      s->appends = &appends->with({p});
      s->fences = &fences->with({p});
      s->takeovers = &takeovers->with({p});
      s->outbox_depth = &outbox_depth->with({p});
      s->outbox_age = &outbox_age->with({p});
      slots.push_back(std::move(s));
    }
    incarnation = fmt::format("{}@{}", options.node_id, now_ns());
    // A process restarted under the same node id finds its previous incarnation's key
    // until that expires: wait it out (a TTL and a little), then give up.
    const Deadline registering = deadline_in(options.lease_ttl + 3s);
    auto registered = leases->create(node_key(options.node_id), incarnation, deadline_in(10s));
    while (!registered && registered.error().code == ErrorCode::kAlreadyExists &&
           !expired(registering)) {
      std::this_thread::sleep_for(500ms);
      registered = leases->create(node_key(options.node_id), incarnation, deadline_in(10s));
    }
    if (!registered) {
      if (registered.error().code == ErrorCode::kAlreadyExists) {
        return fail(
            ErrorCode::kInvalidArgument,
            fmt::format("a live node already uses the node id '{}' (--node-id)", options.node_id));
      }
      return std::unexpected(registered.error());
    }
    node_revision = *registered;
    node_renewed_ns = now_ns();
    return {};
  }

  void run() {
    while (!stopping.load()) {
      tick();
      std::unique_lock lock(wake_mu);
      wake.wait_for(lock, kTick, [this] { return stopping.load(); });
    }
  }

  bool stop(std::chrono::milliseconds timeout) {
    if (stopped) return true;
    stopped = true;
    stopping = true;
    wake.notify_all();
    if (thread.joinable()) thread.join();
    bool drained = true;
    std::lock_guard lock(mu);
    for (auto& s : slots) {
      if (s->role == Role::kOwner)
        drained = demote(*s, "handed back (stopping)", true, timeout) && drained;
      s->follower.reset();
      s->role = Role::kNone;
    }
    if (leases) static_cast<void>(leases->release(node_key(options.node_id), deadline_in(2s)));
    return drained;
  }

  // ---------------------------------------------------------------- the control loop
  void tick() {
    renew_node();
    refresh_live_nodes();
    // Nodes found dead (their partition subject fell silent) do not count, although
    // their node keys live on until the TTL expires.
    size_t live = 0;
    for (const std::string& node : live_nodes) live += gone_nodes.contains(node) ? 0 : 1;
    live = std::max<size_t>(1, live);
    const uint32_t share = static_cast<uint32_t>((partitions + live - 1) / live);
    uint32_t owned = 0;
    for (auto& s : slots) owned += s->role == Role::kOwner ? 1 : 0;
    std::map<std::string, uint32_t> held;  // partitions per other live node, this tick
    for (auto& slot : slots) {
      if (stopping.load()) return;
      Slot& s = *slot;
      if (s.role == Role::kOwner) {
        s.free_since = {};  // counts again from when it is next seen free
        keep_owned(s);
        continue;
      }
      auto holder = leases->get(lease_key(s.index), deadline_in(1s));
      if (!holder) continue;  // NATS is busy or electing: next tick
      if (*holder && (*holder)->value == incarnation) {
        // Ours, yet not served: a create of ours whose answer was lost took it.
        if (adopt(s, (*holder)->revision)) ++owned;
        continue;
      }
      const std::optional<std::string> owner =
          *holder ? std::optional<std::string>(node_of((*holder)->value)) : std::nullopt;
      const bool standby = is_standby(s.index, owner);
      if (standby) {
        follow(s);
      } else if (s.follower) {
        std::lock_guard lock(mu);
        s.follower.reset();
        s.role = Role::kNone;
      }
      if (*holder) {
        s.free_since = {};
        ++held[*owner];
        if (standby && owner_gone(s)) {
          gone_nodes.emplace(*owner, Clock::now());
          // The owner's subscriptions are gone from the cluster (a crash closes its
          // connection at once): clear its lease instead of waiting out the TTL. Safe
          // however wrong the guess: an owner still alive is fenced by our marker.
          log.warn("partition_owner_gone",
                   {{"partition", int64_t{s.index}}, {"owner", owner.value_or("")}});
          // A partition without an owner is worse than an uneven spread: take it beyond
          // the share (the dead node's own key has not expired yet), rebalance later.
          static_cast<void>(leases->release(lease_key(s.index), deadline_in(2s)));
          if (take(s)) ++owned;
        }
        continue;
      }
      const auto now = Clock::now();
      if (s.free_since == Clock::time_point{}) s.free_since = now;
      // A standby takes a free partition at once; others give the standbys a second.
      // Free for two seconds: taken whatever the share says (the live list may name a
      // node that died).
      // A lease can also expire under a live owner: the lease bucket elects a leader for
      // 4-9 s after its leader dies, and no renewal goes through meanwhile. While someone
      // still answers on the partition's subject, its owner gets kOwnerGrace to create
      // the lease again (keep_owned) before anyone else claims it and fences.
      const bool answered = partition_answered(s);
      const bool my_turn =
          answered ? now - s.free_since > kOwnerGrace : standby || now - s.free_since > 1s;
      const bool orphaned = now - s.free_since > (answered ? kOwnerGrace : 2s);
      // A node just started claims nothing for a second, so that nodes started together
      // see each other before they take their shares.
      const bool settled = now - started > 1s;
      if ((owned < share || orphaned) && my_turn && settled && take(s)) ++owned;
    }
    // Over the share while another live node is under it (a node joined): hand one
    // back so that it takes it, without keys moving.
    bool someone_under = false;
    for (const std::string& node : live_nodes) {
      if (node == options.node_id || gone_nodes.contains(node)) continue;
      const auto it = held.find(node);
      if ((it == held.end() ? 0 : it->second) < share) someone_under = true;
    }
    shed_above_share(someone_under ? owned : 0, share);
  }

  // Probes the owner's partition subject every 300 ms; true once nobody has listened
  // on it for a second (NATS answers "no responders" at once when no subscription
  // exists anywhere in the cluster). A slow owner is not "gone": only silence counts.
  bool owner_gone(Slot& s) {
    const auto now = Clock::now();
    if (now - s.probed < 300ms) return false;
    s.probed = now;
    natsMsg* reply = nullptr;
    const std::string subject = fmt::format("{}.p.{}.query.head", options.prefix, s.index);
    const natsStatus st =
        natsConnection_RequestString(&reply, link->connection(), subject.c_str(), "{}", 500);
    if (reply != nullptr) natsMsg_Destroy(reply);
    if (st != NATS_NO_RESPONDERS) {
      s.silent_since = {};
      return false;
    }
    if (s.silent_since == Clock::time_point{}) s.silent_since = now;
    if (now - s.silent_since < 1s) return false;
    s.silent_since = {};
    return true;
  }

  // False only when a probe of partition s's subject (at most one per 300 ms) got "no
  // responders": nobody in the cluster listens there. A slow answer or a probe that
  // could not be sent (our connection reconnecting) may hide a live owner: true.
  bool partition_answered(Slot& s) {
    const auto now = Clock::now();
    if (now - s.served_probed < 300ms) return s.served;
    s.served_probed = now;
    natsMsg* reply = nullptr;
    const std::string subject = fmt::format("{}.p.{}.query.head", options.prefix, s.index);
    const natsStatus st =
        natsConnection_RequestString(&reply, link->connection(), subject.c_str(), "{}", 300);
    if (reply != nullptr) natsMsg_Destroy(reply);
    s.served = st != NATS_NO_RESPONDERS;
    return s.served;
  }

  static std::string node_of(const std::string& lease_value) {
    return lease_value.substr(0, lease_value.rfind('@'));
  }

  // Rendezvous hashing: partition i's standbys are the `standbys` live nodes other than
  // its owner that rank first by fnv1a32(node/i). Every node computes the same list.
  [[nodiscard]] bool is_standby(uint32_t partition, const std::optional<std::string>& owner) const {
    std::vector<std::pair<uint32_t, std::string>> ranked;
    for (const std::string& node : live_nodes) {
      if (owner && node == *owner) continue;
      ranked.emplace_back(fnv1a32(fmt::format("{}/{}", node, partition)), node);
    }
    std::sort(ranked.begin(), ranked.end());
    const size_t k =
        std::min<size_t>(static_cast<size_t>(std::max(options.standbys, 0)), ranked.size());
    for (size_t i = 0; i < k; ++i) {
      if (ranked[i].second == options.node_id) return true;
    }
    return false;
  }

  void renew_node() {
    if (now_ns() - node_renewed_ns < (ttl() / 3).count()) return;
    auto renewed =
        leases->renew(node_key(options.node_id), incarnation, node_revision, deadline_in(2s));
    if (!renewed && renewed.error().code == ErrorCode::kConflict) {
      // Expired (this process was paused?): register again.
      renewed = leases->create(node_key(options.node_id), incarnation, deadline_in(2s));
    }
    if (renewed) {
      node_revision = *renewed;
      node_renewed_ns = now_ns();
    }
  }

  void refresh_live_nodes() {
    const auto now = Clock::now();
    if (now - nodes_checked < 1s && !live_nodes.empty()) return;
    auto keys = leases->keys("node.", deadline_in(2s));
    if (!keys) return;
    nodes_checked = now;
    live_nodes.clear();
    for (const std::string& k : *keys) live_nodes.push_back(k.substr(5));
    if (std::find(live_nodes.begin(), live_nodes.end(), options.node_id) == live_nodes.end()) {
      live_nodes.push_back(options.node_id);
    }
    std::sort(live_nodes.begin(), live_nodes.end());
    std::erase_if(gone_nodes,
                  [&](const auto& entry) { return now - entry.second > options.lease_ttl + 2s; });
  }

  // More partitions than this node's share (a node joined): hand one back, after the
  // share has held for a few seconds, so that a joining node takes it without keys
  // moving.
  void shed_above_share(uint32_t owned, uint32_t share) {
    const auto now = Clock::now();
    if (owned <= share) {
      over_share_since = {};
      return;
    }
    if (over_share_since == Clock::time_point{}) over_share_since = now;
    if (now - over_share_since < 3s) return;
    over_share_since = {};
    for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
      if ((*it)->role != Role::kOwner) continue;
      std::lock_guard lock(mu);
      demote(**it, fmt::format("handed back: {} partitions over a share of {}", owned, share), true,
             10s);
      return;
    }
  }

  // ---------------------------------------------------------------- owner
  void keep_owned(Slot& s) {
    if (s.fenced.load() || s.faulted.load() || s.engine->read_only()) {
      const bool fenced = s.fenced.load();
      {
        std::lock_guard lock(mu);
        demote(s,
               fenced          ? "fenced: another owner appended to the stream"
               : !may_serve(s) ? "lease not renewed in time: not appending"
                               : "the replicated log did not take a group",
               false, 5s);
      }
      // Not fenced: the lease is still ours, so catch up (the group in doubt may be in
      // the stream) and serve again.
      if (!fenced && lease_fresh(s)) {
        if (!take_over(s)) release_lease(s);
      } else {
        s.lease_revision = 0;
      }
      return;
    }
    // Renewed every third of a TTL, and at once when the read gate closed (the service
    // lost its connection): queries wait for it.
    if (now_ns() - s.lease_renewed_ns.load() < (ttl() / 3).count() && s.reads.open()) return;
    const int64_t sent = now_ns();
    const uint64_t epoch = s.reads.epoch();
    auto renewed = leases->renew(
        lease_key(s.index), incarnation, s.lease_revision,
        deadline_in(std::chrono::duration_cast<std::chrono::milliseconds>(ttl() / 4)));
    if (renewed) {
      lease_held(s, *renewed, sent, epoch);
      return;
    }
    if (renewed.error().code == ErrorCode::kConflict ||
        renewed.error().code == ErrorCode::kNotFound) {
      // The key changed since our revision: another node took it, or it expired while
      // the bucket had no leader (kNotFound: an election longer than the TTL). Free:
      // create it again and carry on; claimers wait kOwnerGrace while we still answer.
      // Safe either way: appends are fenced by the stream, not by the lease.
      const int64_t sent_again = now_ns();
      const uint64_t epoch_again = s.reads.epoch();
      auto again = leases->create(lease_key(s.index), incarnation, deadline_in(2s));
      if (again) {
        lease_held(s, *again, sent_again, epoch_again);
        log.info("lease_recreated", {{"partition", int64_t{s.index}}});
        return;
      }
      std::lock_guard lock(mu);
      demote(s,
             again.error().code == ErrorCode::kAlreadyExists
                 ? "lease lost: another node holds it"
                 : "lease lost: it expired and was not created again: " + again.error().message,
             false, 5s);
      s.lease_revision = 0;
      return;
    }
    if (!may_serve(s)) {
      std::lock_guard lock(mu);
      demote(s, "lease not renewed in time: " + renewed.error().message, false, 5s);
      s.lease_revision = 0;
    }
  }

  // Serves partition s whose lease holds this process's own value although no take()
  // or re-creation returned it: a create that timed out (the bucket answers late or
  // not at all for a while after its election) but was stored. Left alone, nobody
  // would serve the partition until the lease expired: the others see it held, and a
  // CI run of the lease-bucket drill waited 11.6 s. Renewed first, as its age is
  // unknown. False when it cannot be renewed or taken over (then it is released).
  bool adopt(Slot& s, uint64_t revision) {
    const int64_t sent = now_ns();
    const uint64_t epoch = s.reads.epoch();
    auto renewed = leases->renew(lease_key(s.index), incarnation, revision, deadline_in(2s));
    if (!renewed) return false;
    lease_held(s, *renewed, sent, epoch);
    log.info("lease_adopted", {{"partition", int64_t{s.index}}});
    if (take_over(s)) return true;
    release_lease(s);
    return false;
  }

  bool take(Slot& s) {
    const int64_t sent = now_ns();
    const uint64_t epoch = s.reads.epoch();
    auto created = leases->create(lease_key(s.index), incarnation, deadline_in(2s));
    if (!created) return false;
    lease_held(s, *created, sent, epoch);
    if (take_over(s)) return true;
    release_lease(s);
    return false;
  }

  void release_lease(Slot& s) {
    static_cast<void>(leases->release(lease_key(s.index), deadline_in(2s)));
    s.lease_revision = 0;
  }

  // With the lease held: catch up, fence, open and serve.
  bool take_over(Slot& s) {
    const auto began = Clock::now();
    if (!open_follower(s)) return false;
    nats_adapter::ConnectOptions connect = options.connect;
    connect.name = fmt::format("stockroom-{}-p{}-log", options.node_id, s.index);
    auto appender = JetLink::connect(connect);
    if (!appender) {
      log.warn("partition_link_failed",
               {{"partition", int64_t{s.index}}, {"message", appender.error().message}});
      return false;
    }
    s.append_stream.reset();
    s.append_link = std::move(*appender);
    s.append_stream = std::make_unique<PartitionStream>(*s.append_link, options.prefix, s.index,
                                                        options.replicas);
    bool fenced_in = false;
    for (int attempt = 0; attempt < 3 && !fenced_in; ++attempt) {
      if (!catch_up(s, deadline_in(std::chrono::duration_cast<std::chrono::milliseconds>(ttl())))) {
        return false;
      }
      const uint64_t applied = s.follower->applied_sequence();
      const std::string msg_id = fmt::format("owner-{}-{}-{}", s.index, incarnation, applied);
      auto ack = s.append_stream->append(kMarker, applied, msg_id, deadline_in(5s));
      if (!ack) {
        if (ack.error().code == ErrorCode::kConflict) continue;  // someone appended: catch up
        log.warn("partition_fence_failed",
                 {{"partition", int64_t{s.index}}, {"message", ack.error().message}});
        return false;
      }
      if (Status ok = s.follower->apply(ack->seq, kMarker); !ok) {
        log.error("partition_apply_failed",
                  {{"partition", int64_t{s.index}}, {"message", ok.error().message}});
        return false;
      }
      fenced_in = true;
    }
    if (!fenced_in || !lease_fresh(s)) return false;
    const uint64_t applied = s.follower->applied_sequence();
    s.applied = applied;
    std::lock_guard lock(mu);
    s.follower.reset();  // the engine opens the same directory
    if (!open_owner(s, applied)) return false;
    s.takeovers->inc();
    log.info("partition_owned",
             {{"partition", int64_t{s.index}},
              {"stream_sequence", applied},
              {"head", s.engine->head().position.value},
              {"seconds", std::chrono::duration<double>(Clock::now() - began).count()}});
    return true;
  }

  bool open_owner(Slot& s, uint64_t applied) {
    s.registry = std::make_unique<ops::Registry>();
    nats_adapter::ServiceOptions so = options.service;
    so.partition = nats_adapter::ServiceOptions::Partition{s.index, partitions, &s.reads};
    so.connect.name = fmt::format("stockroom-{}-p{}", options.node_id, s.index);
    auto service = nats_adapter::Service::connect(so, *s.registry, log);
    if (!service) {
      log.error("partition_service_failed",
                {{"partition", int64_t{s.index}}, {"message", service.error().message}});
      return false;
    }
    engine::EngineOptions eo = options.engine;
    eo.data_dir = s.dir;
    eo.partition = DecideContext::Partition{s.index, partitions};
    eo.on_commit = (*service)->commit_listener();
    engine::FaultListener said = (*service)->fault_listener();
    eo.on_fault = [this, &s, said](const Error& e) {
      said(e);
      s.faulted = true;
      wake.notify_all();
    };
    s.last_seq = applied;
    s.fenced = false;
    s.faulted = false;
    eo.replicate = [this, &s](std::string_view journal, events::LogBatch& local) {
      return replicate(s, journal, local);
    };
    auto opened = engine::Engine::open(eo);
    if (!opened) {
      log.error("partition_open_failed",
                {{"partition", int64_t{s.index}}, {"message", opened.error().message}});
      return false;
    }
    if (Status started = (*service)->start(**opened); !started) {
      (void)(*service)->drain(1s);
      return false;
    }
    s.engine = std::move(*opened);
    s.service = std::move(*service);
    s.role = Role::kOwner;
    start_outbox(s);
    return true;
  }

  // REQUIRES: mu held, s.engine open.
  void start_outbox(Slot& s) {
    nats_adapter::SettleOutboxOptions oo;
    oo.connect = options.connect;
    oo.connect.name = fmt::format("stockroom-{}-p{}-outbox", options.node_id, s.index);
    oo.prefix = options.prefix;
    oo.partition = s.index;
    oo.partitions = partitions;
    const uint32_t index = s.index;
    nats_adapter::CursorStore cursor{
        [this, index] { return cursors->load(index, deadline_in(5s)); },
        [this, index](Position p) { return cursors->save(index, p, deadline_in(2s)); }};
    s.outbox = nats_adapter::SettleOutbox::start(std::move(oo), *s.engine, std::move(cursor), log);
  }

  // The engine's committer thread: the group goes to the stream, expecting the last
  // sequence this owner appended; the applied sequence goes into the local batch.
  Status replicate(Slot& s, std::string_view journal, events::LogBatch& local) {
    if (s.fenced.load()) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("partition {} was fenced by a newer owner", s.index));
    }
    if (!may_serve(s)) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("partition {}: this node's lease was not renewed in time; not "
                              "appending",
                              s.index));
    }
    const events::Head tip = local.tip();
    const std::string msg_id = fmt::format("p{}-{}-{}", s.index, tip.position.value,
                                           events::to_hex(tip.hash).substr(0, 16));
    auto ack = s.append_stream->append(
        journal, s.last_seq.load(), msg_id,
        // Longer than a stream-leader election (5-9 s): the group waits it out.
        deadline_in(std::chrono::duration_cast<std::chrono::milliseconds>(2 * ttl())));
    if (!ack) {
      if (ack.error().code == ErrorCode::kConflict) {
        s.fenced = true;
        s.fences->inc();
        log.warn("partition_fenced",
                 {{"partition", int64_t{s.index}}, {"message", ack.error().message}});
        wake.notify_all();
      }
      return fail(ErrorCode::kUnavailable,
                  fmt::format("partition {}: the replicated log did not take the group: {}",
                              s.index, ack.error().message));
    }
    s.last_seq = ack->seq;
    s.applied = ack->seq;
    s.appends->inc();
    local.put(events::kReplicationSpace, events::kAppliedSequenceKey,
              engine::encode_applied_sequence(ack->seq));
    return {};
  }

  // REQUIRES: mu held.
  bool demote(Slot& s, const std::string& why, bool release, std::chrono::milliseconds timeout) {
    s.reads.close();  // what it still answers while draining is a refusal to retry
    bool drained = true;
    if (s.service) drained = s.service->drain(timeout);
    s.outbox.reset();  // saves its cursor; reads the engine until then
    s.engine.reset();  // its committer, the only other user of the append link, is gone
    s.service.reset();
    s.registry.reset();
    s.append_stream.reset();
    s.append_link.reset();
    s.role = Role::kNone;
    s.last_release = why;
    log.warn("partition_released", {{"partition", int64_t{s.index}}, {"reason", why}});
    if (release) release_lease(s);
    return drained;
  }

  // ---------------------------------------------------------------- standby
  bool open_follower(Slot& s) {
    if (s.follower) return true;
    engine::EngineOptions eo = options.engine;
    eo.data_dir = s.dir;
    auto opened = engine::Follower::open(eo);
    if (!opened) {
      log.error("partition_copy_open_failed",
                {{"partition", int64_t{s.index}}, {"message", opened.error().message}});
      return false;
    }
    std::lock_guard lock(mu);
    s.follower = std::move(*opened);
    s.applied = s.follower->applied_sequence();
    if (s.role == Role::kNone) s.role = Role::kStandby;
    return true;
  }

  void follow(Slot& s) {
    if (!open_follower(s)) return;
    const auto now = Clock::now();
    if (now - s.last_checked < 500ms) return;
    s.last_checked = now;
    static_cast<void>(catch_up(s, deadline_in(500ms)));
  }

  // Applies what the stream holds beyond the local copy, up to its last sequence.
  bool catch_up(Slot& s, Deadline deadline) {
    for (;;) {
      auto last = s.stream->last_sequence(deadline);
      if (!last) return false;
      s.stream_last = *last;
      if (s.follower->applied_sequence() >= *last) return true;
      auto records = s.stream->read(s.follower->applied_sequence() + 1, kReadBatch, deadline);
      if (!records || records->empty()) return false;
      for (const StreamRecord& r : *records) {
        if (Status ok = s.follower->apply(r.seq, r.data); !ok) {
          // This copy is not a prefix of the stream (the stream was made anew?): start it
          // over from the stream.
          log.error("partition_copy_diverged", {{"partition", int64_t{s.index}},
                                                {"sequence", r.seq},
                                                {"message", ok.error().message}});
          std::lock_guard lock(mu);
          s.follower.reset();
          std::error_code ec;
          std::filesystem::remove_all(s.dir, ec);
          return false;
        }
      }
      s.applied = s.follower->applied_sequence();
      if (expired(deadline)) return false;
    }
  }
};

Result<std::unique_ptr<ClusterNode>> ClusterNode::start(ClusterOptions options,
                                                        ops::Registry& metrics, ops::JsonLog& log) {
  auto impl = std::make_unique<Impl>(std::move(options), metrics, log);
  if (Status opened = impl->open_cluster(); !opened) return std::unexpected(opened.error());
  std::error_code ec;
  std::filesystem::create_directories(impl->options.data_dir, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("cannot create {}: {}", impl->options.data_dir, ec.message()));
  }
  log.info("cluster_joined", {{"node", impl->options.node_id},
                              {"partitions", int64_t{impl->partitions}},
                              {"replicas", int64_t{impl->options.replicas}},
                              {"standbys", int64_t{impl->options.standbys}}});
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<ClusterNode>(new ClusterNode(std::move(impl)));
}

ClusterNode::ClusterNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterNode::~ClusterNode() { static_cast<void>(stop(10s)); }

bool ClusterNode::stop(std::chrono::milliseconds timeout) { return impl_->stop(timeout); }

bool ClusterNode::ready() const {
  if (impl_->stopping.load()) return false;
  return natsConnection_Status(impl_->link->connection()) == NATS_CONN_STATUS_CONNECTED;
}

std::string ClusterNode::describe() const {
  std::lock_guard lock(impl_->mu);
  std::string owner, standby;
  for (const auto& s : impl_->slots) {
    std::string& list = s->role == Role::kOwner ? owner : standby;
    if (s->role == Role::kNone) continue;
    if (!list.empty()) list += ",";
    list += std::to_string(s->index);
  }
  std::string released;
  for (const auto& s : impl_->slots) {
    if (s->role == Role::kOwner || s->last_release.empty()) continue;
    released += fmt::format("; stopped serving {}: {}", s->index, s->last_release);
  }
  return fmt::format("node {} owner [{}] standby [{}]{}", impl_->options.node_id, owner, standby,
                     released);
}

void ClusterNode::refresh_metrics() {
  std::lock_guard lock(impl_->mu);
  for (const auto& s : impl_->slots) {
    s->role_gauge->set(static_cast<double>(static_cast<uint8_t>(s->role)));
    const uint64_t applied = s->applied.load();
    s->applied_gauge->set(static_cast<double>(applied));
    const uint64_t last = s->stream_last.load();
    s->lag_gauge->set(
        s->role == Role::kOwner || last < applied ? 0.0 : static_cast<double>(last - applied));
    refresh_outbox_gauges(*s);
    if (s->engine) {
      s->head_gauge->set(static_cast<double>(s->engine->head().position.value));
    } else if (s->follower) {
      s->head_gauge->set(static_cast<double>(s->follower->head().position.value));
    }
  }
}

}  // namespace stockroom::cluster
