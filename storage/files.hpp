// Whole-file reads and atomic writes.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::storage {

// Reads the whole file at `path`, refusing one larger than `max_bytes`. Errors: kNotFound,
// kOutOfRange, kIoError, in French naming the file.
core::Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// Writes `content` to `path` atomically: a temporary file in the same directory, fsync,
// rename; a reader sees the old file or the new one, never half of it. Mode 0600.
core::Status write_file_atomically(const std::string& path, std::string_view content);

// Renames `from` to `to` (replacing it atomically; both in one directory) and makes the
// rename durable with an fsync of the directory, which also covers earlier renames into it.
// kIoError naming the file.
core::Status rename_durably(const std::string& from, const std::string& to);

}  // namespace carnet::storage
