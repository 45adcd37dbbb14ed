#include "tools/cli/args.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace carnet::cli {

Result<Args> Args::parse(int argc, char** argv, const std::vector<std::string_view>& value_options,
                         const std::vector<std::string_view>& flags) {
  Args a;
  auto takes_value = [&](std::string_view o) {
    return o == "--data" || std::find(value_options.begin(), value_options.end(), o) != value_options.end();
  };
  auto is_flag = [&](std::string_view o) {
    return o == "--json" || o == "--help" || std::find(flags.begin(), flags.end(), o) != flags.end();
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.size() > 2 && arg.starts_with("--")) {
      const auto eq = arg.find('=');
      const std::string name(arg.substr(0, eq));
      if (takes_value(name)) {
        std::string value;
        if (eq != std::string_view::npos) {
          value = std::string(arg.substr(eq + 1));
        } else if (i + 1 < argc) {
          value = argv[++i];
        } else {
          return core::fail(Status::invalid_argument("outils.args.option_sans_valeur", {{"option", name}}));
        }
        a.options_[name] = value;
      } else if (is_flag(name) && eq == std::string_view::npos) {
        a.options_[name] = "";
      } else {
        return core::fail(Status::invalid_argument("outils.args.option_inconnue", {{"option", arg}}));
      }
      continue;
    }
    a.positional_.emplace_back(arg);
  }
  return a;
}

std::optional<std::string> Args::option(std::string_view name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

bool Args::flag(std::string_view name) const { return options_.contains(name); }

Result<std::string> Args::required(std::size_t index, core::MessageKey what) const {
  if (index >= positional_.size())
    return core::fail(
        Status::invalid_argument("outils.args.manquant", {{"quoi", std::vector<core::Message>{core::Message(what)}}}));
  return positional_[index];
}

Result<std::string> Args::required_option(std::string_view name) const {
  auto v = option(name);
  if (!v || v->empty()) return core::fail(Status::invalid_argument("outils.args.option_manquante", {{"option", name}}));
  return *v;
}

Status Args::no_more_than(std::size_t count) const {
  if (positional_.size() > count) {
    return Status::invalid_argument("outils.args.argument_inattendu", {{"argument", positional_[count]}});
  }
  return Status::ok_status();
}

std::variant<Args, int> parse_command_line(int argc, char** argv, std::string_view program, std::string_view usage,
                                           const std::vector<std::string_view>& value_options,
                                           const std::vector<std::string_view>& flags) {
  auto args = Args::parse(argc, argv, value_options, flags);
  if (!args) return report_error(args.error(), false, program);
  if (args->flag("--help") || args->positional().empty()) {
    std::cout << usage << "\nLe dossier de données vient de --data ou de la variable CARNET_DATA.\n";
    return args->positional().empty() && !args->flag("--help") ? 2 : 0;
  }
  return std::move(*args);
}

int unknown_command(const Args& args, std::string_view program) {
  return report_error(Status::invalid_argument("outils.main.commande_inconnue",
                                               {{"commande", args.positional()[0]}, {"programme", std::string(program)}}),
                      args.json(), program);
}

Result<std::string> data_dir(const Args& args) {
  if (auto d = args.option("--data"); d && !d->empty()) return *d;
  if (const char* env = std::getenv("CARNET_DATA"); env != nullptr && *env != '\0') return std::string(env);
  return core::fail(Status::invalid_argument("outils.args.dossier_donnees"));
}

int exit_code(const Status& s) {
  switch (s.code()) {
    case core::StatusCode::kOk: return 0;
    case core::StatusCode::kInvalidArgument:
    case core::StatusCode::kOutOfRange: return 2;
    case core::StatusCode::kNotFound: return 3;
    case core::StatusCode::kFailedPrecondition: return 4;
    case core::StatusCode::kBusy: return 5;
    case core::StatusCode::kCorruption: return 6;
    case core::StatusCode::kIoError: return 7;
    case core::StatusCode::kAlreadyExists: return 8;
    case core::StatusCode::kInternal: return 1;
    case core::StatusCode::kPermissionDenied: return 9;
  }
  return 1;
}

int report_error(const Status& s, bool json, std::string_view program) {
  if (json) {
    core::Json j = core::Json::object();
    j.set("error", core::Json::object()
                       .set("code", std::string(core::status_code_name(s.code())))
                       .set("message", s.message()));
    print_json(j);
  } else {
    std::cerr << program << " : erreur : " << s.message() << "\n";
  }
  return exit_code(s);
}

void print_json(const core::Json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace carnet::cli
