// The signing key's files (cli.md, `serve --signing-key FILE`): the private key in
// FILE (PEM PKCS#8, mode 0600), created on first start, and its public key beside it
// in FILE.pub (PEM SubjectPublicKeyInfo) for auditors to take away.
#pragma once

#include <string>

#include "adapters/audit/signing_key.h"
#include "engine/model/error.h"

namespace stockroom::audit {

struct KeyFile {
  SigningKey key;
  std::string path;             // the private key file
  std::string public_path;      // path + ".pub"
  bool created = false;         // generated now: there was no file at `path`
  bool public_written = false;  // FILE.pub was missing or stale and was (re)written
  // The private key file's mode lets its group or others read it (ssh would refuse
  // it; serve warns: secrets mounted by orchestrators are often 0644).
  bool readable_by_others = false;
};

// Loads the key in `path`, or, when there is no file there, generates one and writes
// it with mode 0600 (never over an existing file: two serves starting at once cannot
// end up with different keys). Then makes sure `path`.pub holds its public key,
// rewriting it when missing or different (the private key is the truth).
// Errors: kInvalidArgument naming the file for one that cannot be read or holds no
// unencrypted Ed25519 private key, and for a directory that does not exist or cannot
// be written; kUnavailable when a write fails (disk full).
[[nodiscard]] Result<KeyFile> open_signing_key(const std::string& path);

// The default of --signing-key: "<data dir>.signing-key.pem", a file BESIDE the data
// directory, never inside it: copies and checkpoints of the data directory go to
// analysts and must not carry the private key. "/var/lib/stockroom/" gives
// "/var/lib/stockroom.signing-key.pem"; a relative data dir gives a relative path.
// kInvalidArgument for a data dir with no name of its own ("/", ".", "..").
[[nodiscard]] Result<std::string> default_signing_key_path(const std::string& data_dir);

}  // namespace stockroom::audit
