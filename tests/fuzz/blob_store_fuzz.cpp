// Fuzzes blob chunk assembly (storage::BlobStore::append / received / has / size / read),
// as the central node's PUT /v1/blobs/<sha256>?offset=N&size=S drives it, in a temp dir.
//
// Input (FuzzedDataProvider): whether the store is sealed (the tablet's, with a data key) or
// plain (the central node's), the blob's content, then a series of operations on a store
// limited to 512 bytes: honest chunks (at the offset received() tells, of the true total),
// chunks with any offset, total and bytes, reads at any offset, and switching between the
// blob's true hash, a wrong one and an invalid name. The store starts empty for each input.
// Properties: nothing crashes; received() never exceeds the limit; a complete blob's bytes
// always hash to its name; honest chunks of a blob within the limit complete it, and then
// it reads back whole.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/blob_store.hpp"
#include "storage/sha256.hpp"
#include "support/temp_dir.hpp"

namespace {

constexpr std::uint64_t kLimit = 512;

using carnet::storage::sha256_hex;

const carnet::testing::TempDir& temp() {
  static const carnet::testing::TempDir kDir;
  return kDir;
}

// A blob the store shows as complete hashes to its name.
void check_complete(const carnet::storage::BlobStore& store, const std::string& sha) {
  if (!store.has(sha)) return;
  auto size = store.size(sha);
  if (!size || *size > kLimit) std::abort();
  auto bytes = store.read(sha, 0, static_cast<std::size_t>(*size));
  if (!bytes || bytes->size() != *size || sha256_hex(*bytes) != sha) std::abort();
}

// The bytes of `sha`'s partial file (the format blob_store.hpp describes), or "".
std::string part_bytes(const std::string& dir, const std::string& sha) {
  std::ifstream in(dir + "/" + sha + ".part", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Temp dirs in memory when the machine has /dev/shm: the store fsyncs every write.
void prefer_memory_temp_dir() {
  std::error_code ec;
  if (std::getenv("TMPDIR") == nullptr && std::filesystem::is_directory("/dev/shm", ec)) setenv("TMPDIR", "/dev/shm", 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  prefer_memory_temp_dir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string dir = temp().file("blobs");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  // One data key for the whole run: a sealed store must reread what it wrote before.
  static const carnet::storage::DataKey kKey = carnet::storage::DataKey::random().value();
  const bool sealed = in.ConsumeBool();
  carnet::storage::BlobStore store(dir, kLimit, sealed ? std::optional(kKey) : std::nullopt);
  // Names that received a chunk of something other than the content (sealed files cannot be
  // compared with the content byte for byte as plain ones are).
  std::map<std::string, bool> foreign;

  const std::string content = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<std::size_t>(0, 600));
  const std::string real = sha256_hex(content);
  const std::vector<std::string> names = {real, sha256_hex(content + "x"), "../" + real.substr(3), real.substr(1),
                                          std::string(64, 'A')};
  std::string sha = real;
  int steps = 0;
  while (in.remaining_bytes() > 0 && ++steps <= 64) {
    const std::uint64_t held = store.received(sha);
    if (held > kLimit) std::abort();
    if (held == 0) foreign[sha] = false;
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0: {  // an honest chunk
        const std::uint64_t total = content.size();
        const std::size_t room = held <= total ? static_cast<std::size_t>(total - held) : 0;
        const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, room);
        const std::string chunk = held <= total ? content.substr(static_cast<std::size_t>(held), n) : std::string();
        // Honest chunks complete the blob only if what it holds so far is its beginning.
        const bool prefix =
            held <= total && (sealed ? !foreign[sha] : content.starts_with(part_bytes(dir, sha)));
        const bool was_complete = store.has(sha);
        auto r = store.append(sha, held, total, chunk);
        if (sha == real && total <= kLimit && prefix && !was_complete) {
          if (!r || *r != held + chunk.size()) std::abort();
          if (*r == total && !store.has(sha)) std::abort();
        }
        break;
      }
      case 1: {  // any chunk
        std::uint64_t offset = 0;
        switch (in.ConsumeIntegralInRange<int>(0, 3)) {
          case 0: offset = held; break;
          case 1: offset = held + 1; break;
          case 2: offset = held - 1; break;  // wraps at 0: any offset
          default: offset = in.ConsumeIntegral<std::uint64_t>(); break;
        }
        const std::uint64_t total =
            in.ConsumeBool() ? content.size() : in.ConsumeIntegralInRange<std::uint64_t>(0, 2 * kLimit);
        const std::string chunk = in.ConsumeRandomLengthString(2 * kLimit);
        auto r = store.append(sha, offset, total, chunk);
        if (r && *r > kLimit) std::abort();
        if (r && store.received(sha) != held) foreign[sha] = true;
        break;
      }
      case 2: {  // a read
        const std::uint64_t offset = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint64_t>(0, kLimit + 8)
                                                      : in.ConsumeIntegral<std::uint64_t>();
        const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 2 * kLimit);
        auto r = store.read(sha, offset, n);
        if (r && r->size() > n) std::abort();
        if (store.has(sha) != r.has_value()) std::abort();
        break;
      }
      case 3:  // another name
        sha = names[in.ConsumeIntegralInRange<std::size_t>(0, names.size() - 1)];
        break;
      default:
        static_cast<void>(store.size(sha));
        break;
    }
    for (const auto& name : names) check_complete(store, name);
  }
  return 0;
}
