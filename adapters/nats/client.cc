#include "adapters/nats/client.h"

#include <nats/nats.h>

#include "adapters/nats/connect_failure.h"
#include "adapters/nats/nats_status.h"

namespace stockroom::nats_adapter {
namespace {

Message to_message(natsMsg* msg) {
  Message m;
  m.subject = natsMsg_GetSubject(msg);
  m.data.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value != nullptr) {
        m.headers[keys[i]] = value;
      }
    }
    free(static_cast<void*>(keys));
  }
  return m;
}

}  // namespace

Subscription::~Subscription() {
  // Ignored on purpose: it fails only when the connection is closed, which ends the
  // interest as well, and Destroy frees the subscription either way.
  static_cast<void>(natsSubscription_Unsubscribe(sub_));
  natsSubscription_Destroy(sub_);
}

std::optional<Message> Subscription::next(std::chrono::milliseconds timeout) {
  natsMsg* msg = nullptr;
  if (natsSubscription_NextMsg(&msg, sub_, timeout.count()) != NATS_OK) return std::nullopt;
  Message m = to_message(msg);
  natsMsg_Destroy(msg);
  return m;
}

Result<std::unique_ptr<Client>> Client::connect(const ConnectOptions& options) {
  auto opts = make_nats_options(options);
  if (!opts) return std::unexpected(opts.error());
  if (Status set = from_nats(natsOptions_SetMaxReconnect(*opts, 5), "reconnect"); !set) {
    natsOptions_Destroy(*opts);
    return std::unexpected(set.error());
  }
  natsConnection* nc = nullptr;
  const natsStatus s = natsConnection_Connect(&nc, *opts);
  natsOptions_Destroy(*opts);
  if (s != NATS_OK) {
    ConnectFailure why = classify_connect_failure(s, printable_url(options.url));
    if (why.server_not_up) why.error.message += " (is nats-server running? scripts/run starts one)";
    return std::unexpected(std::move(why.error));
  }
  return std::unique_ptr<Client>(new Client(nc));
}

Client::~Client() {
  natsConnection_Close(nc_);
  natsConnection_Destroy(nc_);
}

Result<Message> Client::request(std::string_view subject, std::string_view data,
                                std::string_view content_type, std::chrono::milliseconds timeout) {
  natsMsg* req = nullptr;
  const std::string subj(subject);
  natsStatus s =
      natsMsg_Create(&req, subj.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s == NATS_OK && !content_type.empty()) {
    s = natsMsgHeader_Set(req, "Content-Type", std::string(content_type).c_str());
  }
  natsMsg* reply = nullptr;
  if (s == NATS_OK) s = natsConnection_RequestMsg(&reply, nc_, req, timeout.count());
  natsMsg_Destroy(req);
  if (s != NATS_OK) {
    // A publish the server's permissions refuse is dropped with an -ERR NATS.c keeps as
    // the connection's last error; the request then just times out. Say the refusal.
    const char* server_error = nullptr;
    if (s == NATS_TIMEOUT &&
        natsConnection_GetLastError(nc_, &server_error) == NATS_NOT_PERMITTED &&
        server_error != nullptr) {
      return fail(ErrorCode::kForbidden, std::string("NATS refused: ") + server_error);
    }
    const std::string why = s == NATS_NO_RESPONDERS ? "no service listens on " + subj
                            : s == NATS_TIMEOUT
                                ? "no reply within " + std::to_string(timeout.count()) + " ms"
                                : natsStatus_GetText(s);
    return fail(ErrorCode::kUnavailable, why);
  }
  Message m = to_message(reply);
  natsMsg_Destroy(reply);
  return m;
}

Result<std::unique_ptr<Subscription>> Client::subscribe(std::string_view subject) {
  natsSubscription* sub = nullptr;
  const natsStatus s = natsConnection_SubscribeSync(&sub, nc_, std::string(subject).c_str());
  if (s != NATS_OK) {
    return fail(ErrorCode::kUnavailable, std::string("subscribe: ") + natsStatus_GetText(s));
  }
  return std::unique_ptr<Subscription>(new Subscription(sub));
}

Status Client::flush(std::chrono::milliseconds timeout) {
  const natsStatus s = natsConnection_FlushTimeout(nc_, timeout.count());
  if (s != NATS_OK) return fail(ErrorCode::kUnavailable, natsStatus_GetText(s));
  return {};
}

}  // namespace stockroom::nats_adapter
