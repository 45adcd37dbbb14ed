#include "storage/encrypted_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace carnet::storage {
namespace {

constexpr std::int64_t kPage = kEncryptedPageSize;
constexpr std::int64_t kBody = kPage - kEncryptedReserve;  // the sealed part of a page
constexpr std::int64_t kWalHeader = 32;
constexpr std::int64_t kFrameHeader = 24;
constexpr std::int64_t kFrame = kFrameHeader + kPage;

// --- The key table -------------------------------------------------------------------------

struct KeyTable {
  std::mutex mu;
  std::uint64_t next = 1;                      // guarded by mu
  std::map<std::uint64_t, DataKey> keys;       // guarded by mu
};

KeyTable& key_table() {
  static KeyTable table;
  return table;
}

std::optional<DataKey> find_key(const char* token) {
  if (token == nullptr) return std::nullopt;
  char* end = nullptr;
  const std::uint64_t id = std::strtoull(token, &end, 10);
  if (end == token || *end != '\0') return std::nullopt;
  auto& t = key_table();
  std::lock_guard lock(t.mu);
  auto it = t.keys.find(id);
  if (it == t.keys.end()) return std::nullopt;
  return it->second;
}

// --- Files -----------------------------------------------------------------------------------

enum class Kind { kDatabase, kWal };

struct CryptFile {
  sqlite3_file base;  // must come first: SQLite sees this
  sqlite3_file* real;
  Kind kind;
  Aead* aead;
  std::array<std::uint8_t, kPage>* page;  // scratch for one page
};

CryptFile* crypt(sqlite3_file* f) { return reinterpret_cast<CryptFile*>(f); }
std::size_t real_offset() { return (sizeof(CryptFile) + 7) & ~std::size_t{7}; }

std::array<std::uint8_t, 18> aad_for(Kind kind, std::uint64_t index) {
  std::array<std::uint8_t, 18> aad{};
  const char* label = kind == Kind::kDatabase ? "carnet-db" : "carnet-wal";
  const std::size_t n = std::strlen(label);
  std::memcpy(aad.data(), label, n);
  for (std::size_t i = 0; i < 8; ++i) aad[n + i] = static_cast<std::uint8_t>(index >> (8 * i));
  return aad;
}
std::size_t aad_size(Kind kind) { return (kind == Kind::kDatabase ? 9 : 10) + 8; }

bool all_zero(const std::uint8_t* p, std::size_t n) {
  return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

// Reads and opens the sealed page at `offset` (index `index`) into f->page. SQLITE_OK,
// SQLITE_IOERR_SHORT_READ when the page lies wholly past the end of the file (zeros), or an
// error: SQLITE_IOERR_DATA when the page fails its tag or is cut short.
int read_page(CryptFile* f, std::int64_t offset, std::uint64_t index) {
  auto& buf = *f->page;
  const int rc = f->real->pMethods->xRead(f->real, buf.data(), static_cast<int>(kPage), offset);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    if (all_zero(buf.data(), buf.size())) return SQLITE_IOERR_SHORT_READ;
    return SQLITE_IOERR_DATA;
  }
  if (rc != SQLITE_OK) return rc;
  const auto aad = aad_for(f->kind, index);
  std::span<const std::uint8_t, kSealOverhead> trailer(buf.data() + kBody, kSealOverhead);
  if (!f->aead->open({buf.data(), static_cast<std::size_t>(kBody)}, {aad.data(), aad_size(f->kind)}, trailer,
                     buf.data())) {
    return SQLITE_IOERR_DATA;
  }
  std::fill(buf.begin() + kBody, buf.end(), std::uint8_t{0});
  return SQLITE_OK;
}

// Seals the plaintext page `plain` (index `index`) and writes it at `offset`.
int write_page(CryptFile* f, const std::uint8_t* plain, std::int64_t offset, std::uint64_t index) {
  auto& buf = *f->page;
  const auto aad = aad_for(f->kind, index);
  std::span<std::uint8_t, kSealOverhead> trailer(buf.data() + kBody, kSealOverhead);
  if (!f->aead->seal({plain, static_cast<std::size_t>(kBody)}, {aad.data(), aad_size(f->kind)}, buf.data(), trailer)) {
    return SQLITE_IOERR_WRITE;
  }
  return f->real->pMethods->xWrite(f->real, buf.data(), static_cast<int>(kPage), offset);
}

// The region of the file holding `offset`: a sealed page (its start, end and index) or a
// clear one (the WAL header or a frame header).
struct Region {
  bool sealed = false;
  std::int64_t start = 0;  // of the region
  std::int64_t end = 0;
  std::uint64_t index = 0;
};

Region region_at(Kind kind, std::int64_t offset) {
  if (kind == Kind::kDatabase) {
    const std::int64_t n = offset / kPage;
    return {true, n * kPage, (n + 1) * kPage, static_cast<std::uint64_t>(n + 1)};
  }
  if (offset < kWalHeader) return {false, 0, kWalHeader, 0};
  const std::int64_t i = (offset - kWalHeader) / kFrame;
  const std::int64_t frame = kWalHeader + i * kFrame;
  if (offset < frame + kFrameHeader) return {false, frame, frame + kFrameHeader, 0};
  return {true, frame + kFrameHeader, frame + kFrame, static_cast<std::uint64_t>(i)};
}

int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  CryptFile* f = crypt(file);
  auto* dst = static_cast<std::uint8_t*>(out);
  std::int64_t pos = offset;
  const std::int64_t end = offset + amount;
  while (pos < end) {
    const Region r = region_at(f->kind, pos);
    const std::int64_t stop = std::min(end, r.end);
    const auto n = static_cast<std::size_t>(stop - pos);
    int rc;
    if (!r.sealed) {
      rc = f->real->pMethods->xRead(f->real, dst, static_cast<int>(n), pos);
    } else {
      rc = read_page(f, r.start, r.index);
      if (rc == SQLITE_OK) std::memcpy(dst, f->page->data() + (pos - r.start), n);
      if (rc == SQLITE_IOERR_SHORT_READ) std::memset(dst, 0, n);
      if (rc == SQLITE_IOERR_DATA && f->kind == Kind::kWal && offset == r.start - kFrameHeader && end >= r.end) {
        // A whole frame read at once is WAL recovery after a crash: a frame that power loss
        // tore (written after the last sync, so of a transaction that had not committed)
        // fails its tag. Handing SQLite zeros makes its own checksum reject the frame, so the
        // log ends before it, as it would without encryption. Page reads of the log (never
        // whole frames) still fail.
        std::memset(dst, 0, n);
        rc = SQLITE_OK;
      }
    }
    if (rc == SQLITE_IOERR_SHORT_READ) {
      // Past the end of the file: SQLite wants the rest zero-filled.
      std::memset(dst, 0, static_cast<std::size_t>(end - pos));
      return SQLITE_IOERR_SHORT_READ;
    }
    if (rc != SQLITE_OK) return rc;
    dst += n;
    pos = stop;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* file, const void* in, int amount, sqlite3_int64 offset) {
  CryptFile* f = crypt(file);
  const auto* src = static_cast<const std::uint8_t*>(in);
  std::int64_t pos = offset;
  const std::int64_t end = offset + amount;
  while (pos < end) {
    const Region r = region_at(f->kind, pos);
    const std::int64_t stop = std::min(end, r.end);
    int rc;
    if (!r.sealed) {
      rc = f->real->pMethods->xWrite(f->real, src, static_cast<int>(stop - pos), pos);
    } else {
      // SQLite writes whole pages: in WAL mode a frame is split only by the padding that
      // synchronous=FULL adds up to a sector boundary on a device without powersafe
      // overwrite, and the unix VFS, which this one forwards xDeviceCharacteristics to,
      // claims it (SQLITE_POWERSAFE_OVERWRITE). A partial page write would have to be
      // sealed with bytes we do not have.
      if (pos != r.start || stop != r.end) return SQLITE_IOERR_WRITE;
      if (f->kind == Kind::kDatabase && r.index == 1) {
        // Page 1 carries the header: the page size and the reserved bytes we rely on.
        const int page_size = (src[16] << 8) | src[17];
        if (page_size != kEncryptedPageSize || src[20] != kEncryptedReserve) return SQLITE_IOERR_WRITE;
      }
      rc = write_page(f, src, r.start, r.index);
    }
    if (rc != SQLITE_OK) return rc;
    src += stop - pos;
    pos = stop;
  }
  return SQLITE_OK;
}

int x_close(sqlite3_file* file) {
  CryptFile* f = crypt(file);
  const int rc = f->real->pMethods != nullptr ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->aead;
  delete f->page;
  f->aead = nullptr;
  f->page = nullptr;
  return rc;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return crypt(f)->real->pMethods->xTruncate(crypt(f)->real, size); }
int x_sync(sqlite3_file* f, int flags) { return crypt(f)->real->pMethods->xSync(crypt(f)->real, flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return crypt(f)->real->pMethods->xFileSize(crypt(f)->real, size);
}
int x_lock(sqlite3_file* f, int level) { return crypt(f)->real->pMethods->xLock(crypt(f)->real, level); }
int x_unlock(sqlite3_file* f, int level) { return crypt(f)->real->pMethods->xUnlock(crypt(f)->real, level); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return crypt(f)->real->pMethods->xCheckReservedLock(crypt(f)->real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return crypt(f)->real->pMethods->xFileControl(crypt(f)->real, op, arg);
}
int x_sector_size(sqlite3_file* f) { return crypt(f)->real->pMethods->xSectorSize(crypt(f)->real); }
int x_device_characteristics(sqlite3_file* f) {
  // Batch-atomic writes would bypass the WAL; never claim them.
  return crypt(f)->real->pMethods->xDeviceCharacteristics(crypt(f)->real) & ~SQLITE_IOCAP_BATCH_ATOMIC;
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return crypt(f)->real->pMethods->xShmMap(crypt(f)->real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return crypt(f)->real->pMethods->xShmLock(crypt(f)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { crypt(f)->real->pMethods->xShmBarrier(crypt(f)->real); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return crypt(f)->real->pMethods->xShmUnmap(crypt(f)->real, delete_flag);
}

const sqlite3_io_methods kMethods = {
    2,  // no xFetch/xUnfetch: memory-mapped reads would bypass decryption
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap,
    nullptr, nullptr};

// --- The VFS ---------------------------------------------------------------------------------

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  CryptFile* f = crypt(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_offset());
  f->real->pMethods = nullptr;
  f->aead = nullptr;
  f->page = nullptr;
  Kind kind;
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0) {
    kind = Kind::kDatabase;
  } else if ((flags & SQLITE_OPEN_WAL) != 0) {
    kind = Kind::kWal;
  } else {
    return SQLITE_CANTOPEN;  // a journal or temporary file would hold pages in clear
  }
  const auto key = find_key(sqlite3_uri_parameter(name, "carnet_key"));
  if (!key) return SQLITE_CANTOPEN;
  sqlite3_vfs* real = real_vfs(vfs);
  const int rc = real->xOpen(real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->real->pMethods = nullptr;
    return rc;
  }
  f->kind = kind;
  f->aead = new Aead(*key);
  f->page = new std::array<std::uint8_t, kPage>();
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* v, const char* name, int sync) { return real_vfs(v)->xDelete(real_vfs(v), name, sync); }
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return real_vfs(v)->xAccess(real_vfs(v), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xDlOpen(real_vfs(v), name); }
void x_dl_error(sqlite3_vfs* v, int n, char* out) { real_vfs(v)->xDlError(real_vfs(v), n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) { return real_vfs(v)->xDlSym(real_vfs(v), h, sym); }
void x_dl_close(sqlite3_vfs* v, void* h) { real_vfs(v)->xDlClose(real_vfs(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xRandomness(real_vfs(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return real_vfs(v)->xSleep(real_vfs(v), us); }
int x_current_time(sqlite3_vfs* v, double* out) { return real_vfs(v)->xCurrentTime(real_vfs(v), out); }
int x_last_error(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xGetLastError(real_vfs(v), n, out); }
int x_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
  return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
}

sqlite3_vfs* make_vfs() {
  sqlite3_initialize();
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  static sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(real_offset()) + real->szOsFile;
  vfs.mxPathname = real->mxPathname;
  vfs.zName = "carnet-aes";
  vfs.pAppData = real;
  vfs.xOpen = x_open;
  vfs.xDelete = x_delete;
  vfs.xAccess = x_access;
  vfs.xFullPathname = x_full_pathname;
  vfs.xDlOpen = x_dl_open;
  vfs.xDlError = x_dl_error;
  vfs.xDlSym = x_dl_sym;
  vfs.xDlClose = x_dl_close;
  vfs.xRandomness = x_randomness;
  vfs.xSleep = x_sleep;
  vfs.xCurrentTime = x_current_time;
  vfs.xGetLastError = x_last_error;
  vfs.xCurrentTimeInt64 = x_current_time64;
  sqlite3_vfs_register(&vfs, 0);
  return &vfs;
}

}  // namespace

const char* encrypted_vfs_name() {
  static sqlite3_vfs* vfs = make_vfs();  // thread-safe static initialisation
  return vfs->zName;
}

VfsKey::VfsKey(const DataKey& key) {
  auto& t = key_table();
  std::lock_guard lock(t.mu);
  id_ = t.next++;
  t.keys.emplace(id_, key);
  token_ = std::to_string(id_);
}

VfsKey::~VfsKey() {
  auto& t = key_table();
  std::lock_guard lock(t.mu);
  t.keys.erase(id_);
}

}  // namespace carnet::storage
