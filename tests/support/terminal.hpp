// Runs a program on a pseudo-terminal, as a person at the keyboard would: each time a prompt
// appears on the screen, the next line of `typed` is typed.
#pragma once

#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

namespace carnet::testing {

struct TerminalRun {
  std::string screen;  // what the terminal showed
  int exit_code = -1;
};

// `prompts`: the texts that ask for a line (each occurrence is answered once);
// `unset`: environment variables the program must not see.
inline TerminalRun run_on_terminal(const std::string& program, const std::vector<std::string>& args,
                                   const std::vector<std::string>& typed, const std::vector<std::string>& prompts,
                                   const std::vector<std::string>& unset = {}) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    for (const auto& name : unset) ::unsetenv(name.c_str());
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  std::size_t answered = 0;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited
    run.screen.append(buf, static_cast<std::size_t>(n));
    std::size_t shown = 0;
    for (const auto& prompt : prompts) {
      for (auto at = run.screen.find(prompt); at != std::string::npos; at = run.screen.find(prompt, at + 1)) ++shown;
    }
    while (answered < shown && answered < typed.size()) {
      const std::string line = typed[answered++] + "\n";
      if (::write(master, line.data(), line.size()) < 0) break;
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace carnet::testing
