#include "adapters/nats/saga_driver.h"

#include <nats/nats.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/nats/checkout_saga.h"
#include "adapters/nats/product_quote.h"
#include "adapters/nats/rating_forward.h"
#include "engine/domain/evolve.h"
#include "events/record_codec.h"
#include "projections/cart_view.h"

namespace stockroom::nats_adapter {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMostBackoff{500};
constexpr size_t kResumePage = 1000;

// A client's reply waiting for the end of the attempt its cart.checkout started.
struct Waiter {
  Position started_at;  // the CheckoutStarted's
  CommandId command_id;
  bool duplicate = false;
  SagaDriver::Reply reply;
};

struct Job {
  bool active = false;  // queued or on a worker
  std::vector<Waiter> waiters;
  // The refusal of the last attempt driven here, with its details (the log keeps its
  // code and message only).
  uint64_t failed_attempt = 0;
  std::optional<Error> failure;
};

// How a saga's steps ended.
struct Outcome {
  bool placed = false;
  Error refusal;
};

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error stopped() {
  return Error{ErrorCode::kUnavailable,
               "the checkout is still running: this partition is changing owner; resend the "
               "command with the same command_id",
               {},
               {}};
}

}  // namespace

struct SagaDriver::Impl {
  engine::Engine& engine;
  natsConnection* nc;
  SagaDriverOptions options;
  ops::JsonLog& log;

  mutable std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::deque<std::string> queue;
  std::map<std::string, Job> jobs;
  uint64_t placed = 0;
  uint64_t failed = 0;
  std::vector<std::thread> workers;

  Impl(engine::Engine& e, natsConnection* c, SagaDriverOptions o, ops::JsonLog& l)
      : engine(e), nc(c), options(std::move(o)), log(l) {}

  bool is_stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  // Sleeps `delay` unless stop() comes first; false once stopping.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mu);
    return !wake.wait_for(lock, delay, [&] { return stopping; });
  }

  // Queues `cart` unless it is already; under the lock.
  void activate(const std::string& cart) {
    Job& job = jobs[cart];
    if (job.active) return;
    job.active = true;
    queue.push_back(cart);
    wake.notify_one();
  }

  // ---------------------------------------------------------------- the log
  struct CartLog {
    CartState state;
    std::vector<engine::LoggedEvent> events;
  };

  Result<CartLog> read_cart(const CartId& cart) {
    auto events =
        engine.history(cart_stream(cart), StreamVersion{1}, std::numeric_limits<size_t>::max());
    if (!events) return std::unexpected(std::move(events.error()));
    CartLog out{{}, std::move(*events)};
    for (const engine::LoggedEvent& e : out.events) {
      evolve(out.state, e.event.data, e.event.time);
      out.state.version = e.event.version;
    }
    return out;
  }

  // ---------------------------------------------------------------- the steps
  // Sends `step` until a definite answer (anything but UNAVAILABLE or silence);
  // nullopt once stopping.
  std::optional<Result<StepReply>> send(const CommandEnvelope& step) {
    const std::string subject = step_subject(options.prefix, step);
    std::string request;
    events::encode_command(step, request);
    std::chrono::milliseconds backoff = kFirstBackoff;
    for (;;) {
      if (is_stopping()) return std::nullopt;
      Result<std::string> reply =
          request_reply(nc, subject, request, wire::Encoding::kFlatBuffers, options.step_timeout);
      std::string why;
      if (reply) {
        Result<Result<StepReply>> read = read_step_reply(*reply);
        if (read && (*read || read->error().code != ErrorCode::kUnavailable)) return *read;
        why = read ? read->error().message : read.error().message;
      } else {
        why = reply.error().message;
      }
      log.warn("saga_step_retry",
               {{"subject", subject}, {"command_id", step.command_id.str()}, {"message", why}});
      if (!pause(backoff)) return std::nullopt;
      backoff = std::min(backoff * 2, kMostBackoff);
    }
  }

  // The product's price, as its partition's stock view shows it right after the hold.
  std::optional<Money> price_of(const Sku& sku) {
    std::chrono::milliseconds backoff = kFirstBackoff;
    for (;;) {
      if (is_stopping()) return std::nullopt;
      Result<ProductState> product = read_product(nc, options.prefix, sku, options.step_timeout);
      // Held a moment ago, so defined: anything else is a partition between owners.
      if (product && product->defined) return product->price;
      if (!pause(backoff)) return std::nullopt;
      backoff = std::min(backoff * 2, kMostBackoff);
    }
  }

  // Releases every hold of the attempt (a tombstone where none was placed, so a late
  // hold is refused there); every definite answer counts. False once stopping. The
  // reason names the refusal's code: the same text from every driver of the attempt,
  // as a resent step must be the same command.
  bool release_all(const CheckoutPlan& plan, ErrorCode refusal) {
    const std::string reason = "checkout refused: " + std::string(error_code_name(refusal));
    for (uint32_t p : plan.partitions) {
      if (!send(release_step(plan, p, reason))) return false;
    }
    return true;
  }

  // Logs `refusal` as the attempt's (CheckoutRefused), then releases every hold; the
  // refusal, or nullopt once stopping or when the log cannot be written (the next owner
  // resumes the attempt). Logged first because a driver resuming after the release
  // would meet its own tombstones and could no longer tell the refusal.
  std::optional<Outcome> refuse(const CheckoutPlan& plan, Error refusal) {
    FinishCheckout note{plan.cart_id,    plan.attempt,
                        false,           std::string(error_code_name(refusal.code)),
                        refusal.message, true};
    CommandEnvelope command{engine_command_id(note), engine_actor(), std::nullopt, std::move(note)};
    Result<engine::CommandResult> noted = engine.execute(std::move(command));
    if (!noted) {
      // INVALID_STATE: another driver of the attempt ended it first.
      if (noted.error().code != ErrorCode::kInvalidState) {
        log.error("saga_refusal_not_logged",
                  {{"cart_id", plan.cart_id.str()}, {"message", noted.error().message}});
      }
      return std::nullopt;
    }
    if (!release_all(plan, refusal.code)) return std::nullopt;
    return Outcome{false, std::move(refusal)};
  }

  // The steps of one attempt; nullopt once stopping. `refused`: the refusal an earlier
  // driver of this attempt logged; then only the release is left to do.
  std::optional<Outcome> run_steps(const CheckoutPlan& plan, std::optional<Error> refused) {
    if (refused) {
      if (!release_all(plan, refused->code)) return std::nullopt;
      return Outcome{false, std::move(*refused)};
    }
    std::vector<std::pair<uint32_t, Error>> refusals;
    for (uint32_t p : plan.partitions) {
      auto held = send(hold_step(plan, p));
      if (!held) return std::nullopt;
      // ALREADY_EXISTS: this attempt holds them already.
      if (!*held && held->error().code != ErrorCode::kAlreadyExists) {
        refusals.emplace_back(p, held->error());
      }
    }
    if (!refusals.empty()) {
      return refuse(plan, merge_hold_refusals(plan, refusals));
    }
    std::vector<Money> prices;
    for (const CartLine& line : plan.lines) {
      std::optional<Money> price = price_of(line.sku);
      if (!price) return std::nullopt;
      prices.push_back(*price);
    }
    auto placed_order = send(place_step(plan, prices));
    if (!placed_order) return std::nullopt;
    // CONFLICT: this step's command id was used with another body, i.e. this attempt
    // placed the order before (another driver, or before a failover) at prices read
    // then, and a reprice since changed what was read now. The order is this attempt's.
    if (!*placed_order && placed_order->error().code != ErrorCode::kConflict) {
      return refuse(plan, placed_order->error());
    }
    bool lost = false;
    for (uint32_t p : plan.partitions) {
      std::chrono::milliseconds backoff = kFirstBackoff;
      for (;;) {
        auto confirmed = send(confirm_step(plan, p));
        if (!confirmed) return std::nullopt;
        if (*confirmed || confirmed->error().code == ErrorCode::kAlreadyExists) break;
        // Only this attempt's own release or its expiry ends a hold it placed, and this
        // driver released nothing: before the expiry a refusal is a deposed owner's
        // answer from its stale state (it has not seen the hold its successor placed),
        // or another driver of this attempt racing. Ask again; only the expiry is final.
        if (now_micros() >= plan.expires_at.micros) {
          lost = true;
          break;
        }
        log.warn("saga_confirm_refused", {{"cart_id", plan.cart_id.str()},
                                          {"partition", int64_t{p}},
                                          {"message", confirmed->error().message}});
        if (!pause(backoff)) return std::nullopt;
        backoff = std::min(backoff * 2, kMostBackoff);
      }
    }
    if (lost) {
      // A hold expired before it was confirmed (the saga stalled past the reservation
      // TTL): the order cannot have its stock. Its cancel has the outbox release every
      // line where it lives (docs/scale-out.md, "Limits": an expired line is released
      // twice); a release here as well would release the confirmed lines twice.
      if (!send(cancel_step(plan, "its stock holds expired before the checkout ended"))) {
        return std::nullopt;
      }
      return Outcome{false,
                     Error{ErrorCode::kInvalidState,
                           "the checkout's stock holds expired before it ended; check out again",
                           {{"cart_id", plan.cart_id.str()}},
                           {}}};
    }
    return Outcome{true, {}};
  }

  // Drives the attempt running on `cart`, if one is, to its logged end.
  void drive(const std::string& cart_key) {
    const CartId cart(cart_key);
    Result<CartLog> read = read_cart(cart);
    if (!read) {
      log.error("saga_read_failed", {{"cart_id", cart_key}, {"message", read.error().message}});
      return;
    }
    if (read->state.status != CartStatus::kCheckingOut) return;
    const CheckoutPlan plan =
        plan_checkout(cart, read->state, options.partition, options.partitions);
    std::optional<Error> refused;
    for (const engine::LoggedEvent& e : read->events) {
      const auto* r = std::get_if<CheckoutRefused>(&e.event.data);
      if (r != nullptr && r->attempt == plan.attempt) {
        refused = Error{error_code_from_name(r->code).value_or(ErrorCode::kInvalidState),
                        r->message,
                        {{"cart_id", cart_key}},
                        {}};
      }
    }
    std::optional<Outcome> outcome = run_steps(plan, std::move(refused));
    if (!outcome) return;  // stopping: the next owner resumes it
    FinishCheckout end{cart, plan.attempt, outcome->placed,
                       outcome->placed ? "" : std::string(error_code_name(outcome->refusal.code)),
                       outcome->placed ? "" : outcome->refusal.message};
    CommandEnvelope finish{engine_command_id(end), engine_actor(), std::nullopt, std::move(end)};
    Result<engine::CommandResult> done = engine.execute(std::move(finish));
    std::lock_guard lock(mu);
    if (!outcome->placed) {
      Job& job = jobs[cart_key];
      job.failed_attempt = plan.attempt;
      job.failure = outcome->refusal;
    }
    if (!done) {
      // INVALID_STATE: another driver ended it first; anything else: the engine cannot
      // write, and the next owner resumes the saga.
      if (done.error().code != ErrorCode::kInvalidState) {
        log.error("saga_finish_failed", {{"cart_id", cart_key}, {"message", done.error().message}});
      }
      return;
    }
    ++(outcome->placed ? placed : failed);
  }

  // The outcome of the attempt `w` started, if the log shows it ended.
  std::optional<Result<engine::CommandResult>> outcome_for(const Waiter& w, const CartLog& cart,
                                                           const Job& job) {
    const auto started = std::find_if(
        cart.events.begin(), cart.events.end(),
        [&](const engine::LoggedEvent& e) { return e.event.position == w.started_at; });
    const auto* start =
        started == cart.events.end() ? nullptr : std::get_if<CheckoutStarted>(&started->event.data);
    if (start == nullptr) {
      return Result<engine::CommandResult>(std::unexpected(
          Error{ErrorCode::kUnavailable, "the checkout's start is not in the cart's log", {}, {}}));
    }
    for (auto it = std::next(started); it != cart.events.end(); ++it) {
      const RecordedEvent& e = it->event;
      if (std::holds_alternative<CartCheckedOut>(e.data)) {
        const auto ref = [](const RecordedEvent& r) {
          return engine::EventRef{std::string(event_type_name(r.data)), r.stream, r.version,
                                  r.position};
        };
        return Result<engine::CommandResult>(engine::CommandResult{
            w.command_id, w.duplicate, e.position, {ref(started->event), ref(e)}});
      }
      if (const auto* f = std::get_if<CheckoutFailed>(&e.data); f && f->attempt == start->attempt) {
        if (job.failure && job.failed_attempt == start->attempt) {
          return Result<engine::CommandResult>(std::unexpected(*job.failure));
        }
        return Result<engine::CommandResult>(
            std::unexpected(Error{error_code_from_name(f->code).value_or(ErrorCode::kInvalidState),
                                  f->message,
                                  {{"cart_id", f->cart_id.str()}},
                                  {}}));
      }
    }
    return std::nullopt;
  }

  // Answers the waiters of `cart` whose attempt has ended; true when none is left.
  bool answer(const std::string& cart_key) {
    std::vector<Waiter> waiting;
    Job snapshot;
    {
      std::lock_guard lock(mu);
      Job& job = jobs[cart_key];
      waiting.swap(job.waiters);
      snapshot.failed_attempt = job.failed_attempt;
      snapshot.failure = job.failure;
    }
    if (waiting.empty()) return true;
    Result<CartLog> read = read_cart(CartId(cart_key));
    std::vector<Waiter> left;
    for (Waiter& w : waiting) {
      if (!read) {
        w.reply(std::unexpected(read.error()));
        continue;
      }
      if (auto outcome = outcome_for(w, *read, snapshot)) {
        w.reply(std::move(*outcome));
      } else {
        left.push_back(std::move(w));
      }
    }
    std::lock_guard lock(mu);
    Job& job = jobs[cart_key];
    for (Waiter& w : left) job.waiters.push_back(std::move(w));
    return job.waiters.empty();
  }

  void work() {
    for (;;) {
      std::string cart;
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        cart = std::move(queue.front());
        queue.pop_front();
      }
      std::chrono::milliseconds backoff = kFirstBackoff;
      for (;;) {
        drive(cart);
        const bool answered = answer(cart);
        {
          std::lock_guard lock(mu);
          if (stopping) return;
          if (answered && jobs[cart].waiters.empty()) {
            jobs.erase(cart);
            break;
          }
        }
        // A waiter of a later attempt, or the finish could not be written: again, after
        // a pause, so that a faulty engine is not spun on.
        if (!answered) {
          if (!pause(backoff)) return;
          backoff = std::min(backoff * 2, kMostBackoff);
        }
      }
    }
  }
};

SagaDriver::SagaDriver(engine::Engine& engine, natsConnection* connection,
                       SagaDriverOptions options, ops::JsonLog& log)
    : impl_(std::make_unique<Impl>(engine, connection, std::move(options), log)) {
  for (size_t i = 0; i < std::max<size_t>(1, impl_->options.workers); ++i) {
    impl_->workers.emplace_back([impl = impl_.get()] { impl->work(); });
  }
}

SagaDriver::~SagaDriver() { stop(); }

bool SagaDriver::has_room() const {
  std::lock_guard lock(impl_->mu);
  return !impl_->stopping && impl_->jobs.size() < impl_->options.max_sagas;
}

void SagaDriver::wait_for(const CartId& cart, const engine::CommandResult& started, Reply reply) {
  Impl& i = *impl_;
  {
    std::lock_guard lock(i.mu);
    if (!i.stopping) {
      i.jobs[cart.str()].waiters.push_back(
          Waiter{started.position, started.command_id, started.duplicate, std::move(reply)});
      i.activate(cart.str());
      return;
    }
  }
  reply(std::unexpected(stopped()));
}

Status SagaDriver::resume() {
  Impl& i = *impl_;
  std::string after(projections::kCheckingOutPrefix);
  size_t found = 0;
  for (;;) {
    auto page = i.engine.scan_view("cart", after, kResumePage);
    if (!page) return std::unexpected(std::move(page.error()));
    bool more = page->size() == kResumePage;
    std::lock_guard lock(i.mu);
    for (const auto& [key, value] : *page) {
      if (!key.starts_with(projections::kCheckingOutPrefix)) {
        more = false;
        break;
      }
      i.activate(key.substr(projections::kCheckingOutPrefix.size()));
      ++found;
      after = key;
    }
    if (!more) break;
  }
  if (found > 0) i.log.info("sagas_resumed", {{"carts", static_cast<int64_t>(found)}});
  return {};
}

void SagaDriver::stop() {
  Impl& i = *impl_;
  std::vector<Waiter> waiting;
  {
    std::lock_guard lock(i.mu);
    i.stopping = true;
    i.wake.notify_all();
  }
  for (std::thread& t : i.workers) {
    if (t.joinable()) t.join();
  }
  {
    std::lock_guard lock(i.mu);
    for (auto& [cart, job] : i.jobs) {
      for (Waiter& w : job.waiters) waiting.push_back(std::move(w));
    }
    i.jobs.clear();
    i.queue.clear();
  }
  for (Waiter& w : waiting) w.reply(std::unexpected(stopped()));
}

SagaDriver::Stats SagaDriver::stats() const {
  std::lock_guard lock(impl_->mu);
  return Stats{impl_->jobs.size(), impl_->placed, impl_->failed};
}

}  // namespace stockroom::nats_adapter
