// Message: a text a person reads, as a key of the message catalogue and its parameters.
//
// The catalogue is core/messages/fr.json, one file for the C++ code and the web apps: the code
// never holds the text, only the key (checked at compile time: a key missing from the catalogue
// does not compile) and named parameters. render() gives the French text ("{champ}" replaced by
// the parameter "champ"); the web apps get the key and the parameters and render them in the
// reader's language with the same rule, so adding a language touches no code.
//
//   Status::invalid_argument("coeur.valeur.texte_attendu", {{"champ", field}})
//
// Parameter values are data (field names, ids, numbers), never sentences of their own.
// Thread safety: values; the catalogue is immutable.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carnet::core {

struct MessageEntry {
  std::string_view key;
  std::string_view text;  // French, with {name} placeholders
};

namespace detail {
#include "core/message_catalogue.inc"  // kMessageCatalogue, generated, sorted by key
}  // namespace detail

// A key of the catalogue, checked when the program is compiled.
class MessageKey {
 public:
  consteval MessageKey(const char* key) : key_(key) {  // NOLINT: implicit by design
    if (!known(key_)) throw "message key missing from core/messages/fr.json";
  }
  constexpr std::string_view str() const { return key_; }

  static constexpr bool known(std::string_view key) {
    return std::ranges::binary_search(detail::kMessageCatalogue, key, {}, &MessageEntry::key);
  }

 private:
  std::string_view key_;
};

class Message;

// A named parameter: a value (text or integer), or messages of their own, rendered in the
// reader's language and joined with the catalogue's list separator ("date, suivi").
// The constructors are defined below Message, which must be complete where a vector of it is
// built or destroyed.
struct MessageParam {
  MessageParam(std::string_view n, std::string v);
  MessageParam(std::string_view n, std::string_view v);
  MessageParam(std::string_view n, const char* v);
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  MessageParam(std::string_view n, I v);
  MessageParam(std::string_view n, std::vector<Message> m);

  std::string name;
  std::string value;              // when `messages` is empty
  std::vector<Message> messages;  // else
  // The value as French text.
  std::string render() const;
  friend bool operator==(const MessageParam&, const MessageParam&);
};

class Message {
 public:
  Message(MessageKey key, std::initializer_list<MessageParam> params = {})  // NOLINT: implicit
      : key_(key.str()), params_(params) {}

  // A message received from another node or program (an error answer): nullopt when `key` is
  // not in this program's catalogue, which the caller then shows as the sender's text.
  static std::optional<Message> received(std::string_view key, std::vector<MessageParam> params);

  std::string_view key() const { return key_; }
  const std::vector<MessageParam>& params() const { return params_; }
  // The French text, placeholders replaced (an unknown placeholder stays as written).
  std::string render() const;

  friend bool operator==(const Message&, const Message&) = default;

 private:
  Message(std::string_view catalogue_key, std::vector<MessageParam> params)
      : key_(catalogue_key), params_(std::move(params)) {}

  std::string_view key_;  // points into the catalogue: static storage
  std::vector<MessageParam> params_;
};

inline MessageParam::MessageParam(std::string_view n, std::string v) : name(n), value(std::move(v)) {}
inline MessageParam::MessageParam(std::string_view n, std::string_view v) : name(n), value(v) {}
inline MessageParam::MessageParam(std::string_view n, const char* v) : name(n), value(v) {}
template <std::integral I>
  requires(!std::same_as<I, bool> && !std::same_as<I, char>)
MessageParam::MessageParam(std::string_view n, I v) : name(n), value(std::to_string(v)) {}
inline MessageParam::MessageParam(std::string_view n, std::vector<Message> m) : name(n), messages(std::move(m)) {}
inline bool operator==(const MessageParam& a, const MessageParam& b) {
  return a.name == b.name && a.value == b.value && a.messages == b.messages;
}

// A duration for people, rounded down: « 2 j 3 h », « 3 h 5 min », « 12 min » (at least 1 min).
Message duration_message(std::int64_t seconds);

// The French text of a catalogue entry that takes no parameter: a label in a page or a report.
std::string_view catalogue_text(MessageKey key);
// The catalogue's French text of `key` (the key itself if it is unknown, never empty).
std::string_view message_text(std::string_view key);
// Replaces "{name}" in `text` by the value of the parameter `name`.
std::string render_message(std::string_view text, const std::vector<MessageParam>& params);
// Every entry of the catalogue, sorted by key.
std::span<const MessageEntry> message_catalogue();

// A catalogue file as written (core/messages/<language>.json), for the web apps, which show
// their texts in the reader's language when there is a catalogue for it (French otherwise).
struct CatalogueFile {
  std::string_view language;  // "fr", "nl", ...
  std::string_view json;
};
// Every catalogue file, by language; French is always there.
std::span<const CatalogueFile> message_catalogue_files();

}  // namespace carnet::core
