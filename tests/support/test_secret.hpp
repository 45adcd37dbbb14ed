// The passphrase the tests' tablets are protected with: a file (mode 0600) that child
// processes find through CARNET_PASSPHRASE_FILE, as an unattended tablet would.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/key_file.hpp"

namespace carnet::testing {

inline constexpr const char* kTestPassphrase = "cave-sans-reseau-2026";

// Writes the file once per test process, sets CARNET_PASSPHRASE_FILE and returns its path.
inline const std::string& install_test_passphrase() {
  struct File {
    std::string path;
    File() {
      path = (std::filesystem::temp_directory_path() / ("carnet-test-passphrase-" + std::to_string(::getpid()))).string();
      std::ofstream(path) << kTestPassphrase << "\n";
      ::chmod(path.c_str(), 0600);
      ::setenv("CARNET_PASSPHRASE_FILE", path.c_str(), 1);
    }
    ~File() { std::filesystem::remove(path); }
  };
  static File file;
  return file.path;
}

inline storage::Secret test_secret() {
  storage::Secret s;
  s.value = kTestPassphrase;
  return s;
}

}  // namespace carnet::testing
