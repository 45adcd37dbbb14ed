// The programs that run until stopped (carnet serve, carnet sync --watch, carnet-central
// serve) take SIGINT and SIGTERM on their main thread: they block both before starting any
// thread (which inherit the mask), then wait for one with sigwait or sigtimedwait.
#pragma once

#include <signal.h>

namespace carnet::cli {

// Blocks SIGINT and SIGTERM in the calling thread; returns the set to wait on.
sigset_t block_stop_signals();

}  // namespace carnet::cli
