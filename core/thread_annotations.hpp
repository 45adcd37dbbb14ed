// Lock discipline the compiler checks: clang's thread safety analysis (-Wthread-safety, on in
// every clang build, cmake/Warnings.cmake). Under clang the macros below are its attributes;
// under g++ they are nothing, so the code is the same either way.
//
//   Mutex mu_;                    a capability
//   Database* db_ GUARDED_BY(mu_);        read or written only with mu_ held
//   void f() REQUIRES(mu_);       callers hold mu_
//   void g() EXCLUDES(mu_);       callers do not (g takes it)
//   MutexLock lock(mu_);          holds mu_ until the end of the scope
//
// Mutex wraps std::mutex with the attributes and remembers its owner, so that
// assert_held() can tell the analysis (and check, when assertions are on) that the calling
// thread holds it where the analysis cannot follow, e.g. inside a lambda run under the lock.
#pragma once

#include <atomic>
#include <cassert>
#include <mutex>
#include <thread>

#if defined(__clang__)
#define CARNET_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CARNET_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) CARNET_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY CARNET_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CARNET_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CARNET_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) CARNET_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) CARNET_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) CARNET_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) CARNET_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) CARNET_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) CARNET_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS CARNET_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace carnet::core {

// A mutex the analysis knows. Not recursive.
class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() {
    mu_.lock();
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  void unlock() RELEASE() {
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    mu_.unlock();
  }
  // The calling thread holds this mutex (a bug otherwise: checked when assertions are on).
  void assert_held() const ASSERT_CAPABILITY(this) {
    assert(owner_.load(std::memory_order_relaxed) == std::this_thread::get_id());
  }

 private:
  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};
};

// Holds a Mutex for its lifetime.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace carnet::core
