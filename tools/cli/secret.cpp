#include "tools/cli/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "storage/files.hpp"

namespace carnet::cli {
namespace {

using storage::Secret;

constexpr std::size_t kMaxSecretFile = 4096;

std::optional<std::string> option_or_env(const Args& args, std::string_view option, const char* env) {
  if (auto v = args.option(option)) return v;
  if (env != nullptr) {
    if (const char* e = std::getenv(env); e != nullptr && *e != '\0') return std::string(e);
  }
  return std::nullopt;
}

Result<Secret> from_file(const std::string& path, Secret::Kind kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return core::fail(Status::not_found("outils.secret.fichier_introuvable", {{"chemin", path}}));
  if ((st.st_mode & 077) != 0) {
    return core::fail(Status::permission_denied("outils.secret.lisible_par_autres", {{"chemin", path}}));
  }
  auto text = storage::read_file(path, kMaxSecretFile);
  if (!text) return core::fail(text.error());
  Secret s;
  s.kind = kind;
  if (kind == Secret::Kind::kPassphrase) {
    // The first line, without its line ending.
    const auto end = text->find_first_of("\r\n");
    s.value = text->substr(0, end);
  } else {
    s.value = std::move(*text);
  }
  return s;
}

// Reads one line from the terminal with echo off; kInvalidArgument with `no_terminal` when
// there is no terminal.
Result<std::string> ask(const char* prompt, core::MessageKey no_terminal = "outils.secret.phrase_sans_terminal") {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return core::fail(Status::invalid_argument(no_terminal));
  termios old{};
  const bool is_tty = ::tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt, std::char_traits<char>::length(prompt));
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r' && line.size() < kMaxSecretFile) line += c;
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

}  // namespace

Result<Secret> current_secret(const Args& args) {
  if (auto f = option_or_env(args, "--key-file", "CARNET_KEY_FILE")) return from_file(*f, Secret::Kind::kKeyFile);
  if (auto f = option_or_env(args, "--passphrase-file", "CARNET_PASSPHRASE_FILE")) {
    return from_file(*f, Secret::Kind::kPassphrase);
  }
  auto typed = ask("Phrase de passe : ");
  if (!typed) return core::fail(typed.error());
  Secret s;
  s.value = std::move(*typed);
  return s;
}

Result<Secret> new_secret(const Args& args, bool change) {
  if (change) {
    if (auto f = args.option("--new-key-file")) return from_file(*f, Secret::Kind::kKeyFile);
    if (auto f = args.option("--new-passphrase-file")) return from_file(*f, Secret::Kind::kPassphrase);
  } else {
    if (auto f = option_or_env(args, "--key-file", "CARNET_KEY_FILE")) return from_file(*f, Secret::Kind::kKeyFile);
    if (auto f = option_or_env(args, "--passphrase-file", "CARNET_PASSPHRASE_FILE")) {
      return from_file(*f, Secret::Kind::kPassphrase);
    }
  }
  auto first = ask("Nouvelle phrase de passe : ");
  if (!first) return core::fail(first.error());
  auto again = ask("Confirmer la phrase de passe : ");
  if (!again) return core::fail(again.error());
  if (*first != *again) return core::fail(Status::invalid_argument("outils.secret.phrases_differentes"));
  Secret s;
  s.value = std::move(*first);
  return s;
}

Result<Secret> new_password(const Args& args) {
  if (auto f = args.option("--password-file")) return from_file(*f, Secret::Kind::kPassphrase);
  auto first = ask("Mot de passe : ", "outils.secret.mot_de_passe_sans_terminal");
  if (!first) return core::fail(first.error());
  auto again = ask("Confirmer le mot de passe : ", "outils.secret.mot_de_passe_sans_terminal");
  if (!again) return core::fail(again.error());
  if (*first != *again) return core::fail(Status::invalid_argument("outils.secret.mots_de_passe_differents"));
  Secret s;
  s.value = std::move(*first);
  return s;
}

}  // namespace carnet::cli
