// Small files whose permissions matter: private keys and certificates.
//
// Thread-safe (no shared state); concurrent writers of the same path each
// leave a complete file, the last rename wins.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::tls {

// Creates `dir` (and missing parents) if needed; a directory created here gets
// exactly `mode`, whatever the umask. An existing directory is left as it is.
// FailedPrecondition when `dir` exists and is not a directory.
[[nodiscard]] Status EnsureDirectory(const std::string& dir, mode_t mode);

// Replaces `path` with `contents` atomically: readers see the old file or the
// new one, never a torn or wrongly-permissioned one. The file has exactly
// `mode` from its creation (a key is never readable by others, not even
// briefly) and is synced to disk before the rename.
[[nodiscard]] Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                         mode_t mode);

// The whole file. NotFound when it does not exist, PermissionDenied when it
// cannot be read, InvalidArgument when it is not a regular file or is larger
// than `max_bytes` (a PEM file is a few KiB; this guards against a path
// naming a device or a huge file by mistake).
[[nodiscard]] Result<std::string> ReadSmallFile(const std::string& path,
                                                size_t max_bytes = 1 << 20);

}  // namespace pipegrid::tls
