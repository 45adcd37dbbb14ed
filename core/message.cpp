#include "core/message.hpp"

#include <algorithm>

namespace carnet::core {

std::span<const MessageEntry> message_catalogue() { return detail::kMessageCatalogue; }

std::optional<Message> Message::received(std::string_view key, std::vector<MessageParam> params) {
  const auto all = message_catalogue();
  const auto it = std::ranges::lower_bound(all, key, {}, &MessageEntry::key);
  if (it == all.end() || it->key != key) return std::nullopt;
  return Message(it->key, std::move(params));
}

std::string_view message_text(std::string_view key) {
  const auto all = message_catalogue();
  const auto it = std::ranges::lower_bound(all, key, {}, &MessageEntry::key);
  return it != all.end() && it->key == key ? it->text : key;
}

std::string render_message(std::string_view text, const std::vector<MessageParam>& params) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('}', open + 1);
    if (close == std::string_view::npos) break;
    out.append(text, i, open - i);
    const std::string_view name = text.substr(open + 1, close - open - 1);
    const auto p = std::ranges::find(params, name, &MessageParam::name);
    if (p != params.end()) {
      out += p->render();
    } else {
      out.append(text, open, close - open + 1);
    }
    i = close + 1;
  }
  out.append(text, i);
  return out;
}

std::string_view catalogue_text(MessageKey key) { return message_text(key.str()); }

std::string MessageParam::render() const {
  if (messages.empty()) return value;
  std::string out;
  for (const Message& m : messages) {
    if (!out.empty()) out += message_text("commun.separateur_liste");
    out += m.render();
  }
  return out;
}

std::string Message::render() const { return render_message(message_text(key_), params_); }

Message duration_message(std::int64_t seconds) {
  const std::int64_t minutes = std::max<std::int64_t>(seconds / 60, 1);
  if (minutes >= 24 * 60) {
    return Message("coeur.duree.jours_heures", {{"jours", minutes / (24 * 60)}, {"heures", minutes / 60 % 24}});
  }
  if (minutes >= 60) return Message("coeur.duree.heures_minutes", {{"heures", minutes / 60}, {"minutes", minutes % 60}});
  return Message("coeur.duree.minutes", {{"minutes", minutes}});
}

}  // namespace carnet::core
