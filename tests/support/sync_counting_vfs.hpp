// SyncCountingVfs: while one lives, SQLite's default VFS forwards every call to the real one
// ("unix") and counts the xSync calls made on each file, so that a test can tell whether a
// commit reached stable storage before the function that made it returned. SQLite in WAL mode
// syncs the -wal file at each commit only with synchronous=FULL; with NORMAL it syncs it at
// checkpoints alone, and a power cut loses the commits since the last one.
//
// The VFS is registered once per process and never unregistered (the encrypting VFS, made
// before it, keeps wrapping the real one); constructing a SyncCountingVfs makes it the
// default, destroying it makes the real VFS the default again. Connections opened while one
// lives go on counting after it is gone. One at a time; the counts are guarded by a mutex.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/encrypted_vfs.hpp"

namespace carnet::testing {

class SyncCountingVfs {
 public:
  SyncCountingVfs() {
    storage::encrypted_vfs_name();  // made now, so that it wraps the real VFS, not this one
    sqlite3_vfs_register(vfs(), 1);
    reset();
  }
  ~SyncCountingVfs() { sqlite3_vfs_register(real(), 1); }
  SyncCountingVfs(const SyncCountingVfs&) = delete;
  SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

  // xSync calls since the last reset() on the files whose path ends with `suffix` ("-wal",
  // "central.db").
  int syncs(std::string_view suffix) const {
    std::lock_guard lock(state().mu);
    int n = 0;
    for (const auto& [path, count] : state().syncs) {
      if (path.ends_with(suffix)) n += count;
    }
    return n;
  }
  void reset() {
    std::lock_guard lock(state().mu);
    state().syncs.clear();
  }

 private:
  struct State {
    std::mutex mu;
    std::map<std::string, int, std::less<>> syncs;  // by file path; guarded by mu
  };
  struct File {
    sqlite3_file base;  // first: what SQLite sees
    sqlite3_file* real;
    std::string* path;  // owned; nullptr for a file without a name
  };
  static State& state() {
    static State s;
    return s;
  }
  static sqlite3_vfs* real() {
    static sqlite3_vfs* r = sqlite3_vfs_find("unix");
    return r;
  }
  static File* file(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
  static sqlite3_file* inner(sqlite3_file* f) { return file(f)->real; }
  static constexpr std::size_t kRealOffset = (sizeof(File) + 7) & ~std::size_t{7};

  static const sqlite3_io_methods* methods() {
    static const sqlite3_io_methods m = {
        3,
        [](sqlite3_file* f) {
          const int rc = inner(f)->pMethods->xClose(inner(f));
          delete file(f)->path;
          file(f)->path = nullptr;
          return rc;
        },
        [](sqlite3_file* f, void* out, int n, sqlite3_int64 at) { return inner(f)->pMethods->xRead(inner(f), out, n, at); },
        [](sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
          return inner(f)->pMethods->xWrite(inner(f), in, n, at);
        },
        [](sqlite3_file* f, sqlite3_int64 size) { return inner(f)->pMethods->xTruncate(inner(f), size); },
        [](sqlite3_file* f, int flags) {
          if (file(f)->path != nullptr) {
            std::lock_guard lock(state().mu);
            ++state().syncs[*file(f)->path];
          }
          return inner(f)->pMethods->xSync(inner(f), flags);
        },
        [](sqlite3_file* f, sqlite3_int64* size) { return inner(f)->pMethods->xFileSize(inner(f), size); },
        [](sqlite3_file* f, int level) { return inner(f)->pMethods->xLock(inner(f), level); },
        [](sqlite3_file* f, int level) { return inner(f)->pMethods->xUnlock(inner(f), level); },
        [](sqlite3_file* f, int* out) { return inner(f)->pMethods->xCheckReservedLock(inner(f), out); },
        [](sqlite3_file* f, int op, void* arg) { return inner(f)->pMethods->xFileControl(inner(f), op, arg); },
        [](sqlite3_file* f) { return inner(f)->pMethods->xSectorSize(inner(f)); },
        [](sqlite3_file* f) { return inner(f)->pMethods->xDeviceCharacteristics(inner(f)); },
        [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
          return inner(f)->pMethods->xShmMap(inner(f), page, size, extend, out);
        },
        [](sqlite3_file* f, int offset, int n, int flags) { return inner(f)->pMethods->xShmLock(inner(f), offset, n, flags); },
        [](sqlite3_file* f) { inner(f)->pMethods->xShmBarrier(inner(f)); },
        [](sqlite3_file* f, int del) { return inner(f)->pMethods->xShmUnmap(inner(f), del); },
        [](sqlite3_file* f, sqlite3_int64 at, int n, void** out) { return inner(f)->pMethods->xFetch(inner(f), at, n, out); },
        [](sqlite3_file* f, sqlite3_int64 at, void* p) { return inner(f)->pMethods->xUnfetch(inner(f), at, p); },
    };
    return &m;
  }

  static sqlite3_vfs* vfs() {
    static sqlite3_vfs v = [] {
      sqlite3_initialize();
      sqlite3_vfs* r = real();
      sqlite3_vfs out{};
      out.iVersion = 2;
      out.szOsFile = static_cast<int>(kRealOffset) + r->szOsFile;
      out.mxPathname = r->mxPathname;
      out.zName = "carnet-test-sync-counting";
      out.xOpen = [](sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
        File* w = file(f);
        w->base.pMethods = nullptr;
        w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
        w->real->pMethods = nullptr;
        w->path = nullptr;
        const int rc = real()->xOpen(real(), name, w->real, flags, out_flags);
        if (rc != SQLITE_OK) {
          if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
          w->real->pMethods = nullptr;
          return rc;
        }
        if (name != nullptr) w->path = new std::string(name);
        w->base.pMethods = methods();
        return SQLITE_OK;
      };
      out.xDelete = [](sqlite3_vfs*, const char* n, int sync) { return real()->xDelete(real(), n, sync); };
      out.xAccess = [](sqlite3_vfs*, const char* n, int flags, int* o) { return real()->xAccess(real(), n, flags, o); };
      out.xFullPathname = [](sqlite3_vfs*, const char* n, int size, char* o) {
        return real()->xFullPathname(real(), n, size, o);
      };
      out.xDlOpen = [](sqlite3_vfs*, const char* n) { return real()->xDlOpen(real(), n); };
      out.xDlError = [](sqlite3_vfs*, int n, char* o) { real()->xDlError(real(), n, o); };
      out.xDlSym = [](sqlite3_vfs*, void* h, const char* s) { return real()->xDlSym(real(), h, s); };
      out.xDlClose = [](sqlite3_vfs*, void* h) { real()->xDlClose(real(), h); };
      out.xRandomness = [](sqlite3_vfs*, int n, char* o) { return real()->xRandomness(real(), n, o); };
      out.xSleep = [](sqlite3_vfs*, int us) { return real()->xSleep(real(), us); };
      out.xCurrentTime = [](sqlite3_vfs*, double* o) { return real()->xCurrentTime(real(), o); };
      out.xGetLastError = [](sqlite3_vfs*, int n, char* o) { return real()->xGetLastError(real(), n, o); };
      out.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* o) { return real()->xCurrentTimeInt64(real(), o); };
      return out;
    }();
    return &v;
  }
};

}  // namespace carnet::testing
