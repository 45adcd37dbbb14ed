// The controls of the inspection screen: one answer's control (controlFor), a table's rows
// (tableFor) and a photo (showPhoto), and how a value is shown. What they need of the screen
// that shows them — the inspection's latest view and what to do with the view a save
// returns — is given once by the app (useEditor).
import { h, add, clear, frenchDate, frenchNumber } from "/common/dom.js";
import { t } from "/common/i18n.js";
import { ApiError, api, enqueue, unsent, announce, fieldError, errorNotice } from "/tablet/api.js";

let editor = { view: () => null, saved: () => {} };
export function useEditor(e) {
  editor = e;
}

export function shownValue(spec, value) {
  if (value === null || value === undefined) return "—";
  if (spec.type === "oui_non") return t(`tablette.oui_non.${value}`);
  if (spec.type === "case") return value === true || value === "oui" ? t("tablette.oui_non.oui") : t("tablette.oui_non.non");
  if (spec.type === "choix") return spec.choices?.find((c) => c.value === value)?.label ?? value;
  if (spec.type === "date") return frenchDate(value);
  if (["entier", "decimal", "montant", "pourcentage"].includes(spec.type)) {
    const unit = spec.type === "montant" ? " €" : spec.type === "pourcentage" ? " %" : spec.unit ? ` ${spec.unit}` : "";
    return `${frenchNumber(value)}${unit}`;
  }
  return String(value);
}

function inputText(spec, value) {
  if (value === null || value === undefined) return "";
  if (["entier", "decimal", "montant", "pourcentage"].includes(spec.type)) return frenchNumber(value);
  return String(value);
}

// One answer's control. An answer changes in two ways only: to a complete value the inspector
// gave (sent as {set: {KEY: TEXT}}), or cleared by its « Effacer » button (sent as
// {effacer: [KEY]}). Whatever else the control holds — an emptied field, a date with a part
// missing or an impossible one, a text the node refuses — is refused: the control is marked
// invalid, the reason names the item by its label in the status line the control is described
// by (announced), nothing is sent, and once the control is left it shows the saved answer
// again. `keyOf` is called when a change is sent, so that a row's position is the one it has
// then; `valueOf(view)` is the answer the node holds in a view of the inspection.
export function controlFor(spec, keyOf, valueOf, idBase, { locked }) {
  const id = `f-${idBase}`;
  const status = h("p", { class: "saved", id: `${id}-etat`, "aria-live": "polite" });
  const wrap = h("div", { class: "field", dataset: { key: idBase } });
  const help = spec.help ? h("p", { class: "help", id: `${id}-aide` }, spec.help) : null;
  const described = [help ? `${id}-aide` : null, `${id}-etat`].filter(Boolean).join(" ");
  const unit = spec.type === "montant" ? "€" : spec.type === "pourcentage" ? "%" : spec.unit || "";
  let saved = valueOf(editor.view());

  if (spec.computed) {
    add(wrap, h("p", { class: "label", id }, h("strong", {}, spec.label)),
      h("div", { class: "computed", "aria-live": "polite", "aria-labelledby": id, dataset: { computed: spec.key } }, shownValue(spec, saved)));
    return wrap;
  }

  // Set by each kind of control below: the elements marked invalid, how a stored answer (or
  // null) is shown in them, and whether a refusal shows the saved answer at once (a pick) or
  // once the control is left (typing).
  let targets = [];
  let show = () => {};
  let picked = true;
  const clearButton = locked ? null : h("button", {
    type: "button", class: "clear", hidden: saved === null, "aria-label": t("tablette.saisie.effacer_de", { champ: spec.label }),
  }, t("tablette.saisie.effacer"));
  // After « Effacer », in its place until the next change: puts the answer back (a clearing
  // made by a stray tap or key is one tap from undone).
  const undoButton = locked ? null : h("button", {
    type: "button", class: "clear", hidden: true, "aria-label": t("tablette.saisie.annuler_effacement_de", { champ: spec.label }),
  }, t("tablette.saisie.annuler_effacement"));
  let erased = null;

  const say = (text, error) => {
    status.textContent = text;
    status.className = error ? "error" : "saved";
    if (error) status.setAttribute("role", "alert");
    else status.removeAttribute("role");
  };
  const mark = (invalid) => {
    for (const el of targets) {
      if (invalid) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    }
  };
  // The refusal of what the control holds now (null: none); `restored` once the saved answer
  // is shown again.
  let refusal = null;
  let restored = false;
  let afterRestore = () => {};
  const restore = () => {
    restored = true;
    show(saved);
    afterRestore();
    say(t(saved === null ? "tablette.saisie.refus_rien" : "tablette.saisie.refus_garde",
      { raison: refusal, valeur: shownValue(spec, saved) }), true);
  };
  const refuse = (reason, invalid = true) => {
    refusal = reason;
    restored = false;
    mark(invalid);
    say(reason, true);
    if (picked || !targets.includes(document.activeElement)) restore();
  };
  const editing = () => {
    if (refusal === null) return;
    refusal = null;
    mark(false);
    say("", false);
  };
  // Sends one change; resolves true once the node has it on disk (then says `done`).
  const put = (body, done = t("tablette.saisie.enregistre")) => {
    say(t("tablette.saisie.envoi"), false);
    return enqueue(async () => {
      const view = await api("PUT", `/api/inspections/${encodeURIComponent(editor.view().id)}`, body());
      editor.saved(view);
      return view;
    }).then((view) => {
      saved = valueOf(view);
      if (clearButton) clearButton.hidden = saved === null;
      if (undoButton) undoButton.hidden = true;
      erased = null;
      refusal = null;
      mark(false);
      say(done, false);
      return true;
    }, (e) => {
      // A refusal of the value (400) marks the control invalid; any other failure still
      // means the answer was not saved.
      refuse(fieldError(e, spec.label), e instanceof ApiError && e.status === 400);
      return false;
    });
  };
  const send = (text) => put(() => ({ set: { [keyOf()]: text } }));
  clearButton?.addEventListener("click", async () => {
    const before = saved;
    if (!(await put(() => ({ effacer: [keyOf()] }), t("tablette.saisie.effacee")))) return;
    show(null);
    erased = before;
    undoButton.hidden = false;
    undoButton.focus();
  });
  undoButton?.addEventListener("click", async () => {
    if (erased === null) return;
    // The answer as text the node reads back: a box as oui/non, a number in French.
    const text = typeof erased === "boolean" ? (erased ? "oui" : "non") : inputText(spec, erased);
    if (!(await send(text))) return;
    show(saved);
    clearButton.focus();
  });

  if (spec.type === "oui_non") {
    const name = `${id}-r`;
    const options = ["oui", "non", "so"].map((v) => h("label", {},
      h("input", { type: "radio", name, value: v, checked: saved === v, disabled: locked, onchange: () => send(v) }),
      h("span", {}, t(`tablette.oui_non.${v}`))));
    targets = options.map((l) => l.querySelector("input"));
    show = (value) => targets.forEach((radio) => (radio.checked = radio.value === value));
    add(wrap, h("fieldset", { class: "choices", "aria-describedby": described },
      h("legend", { id }, spec.label), help, h("div", { class: "row" }, h("div", { class: "segmented" }, options), clearButton, undoButton)), status);
    return wrap;
  }
  if (spec.type === "case") {
    const box = h("input", { type: "checkbox", id, checked: saved === true, disabled: locked, "aria-describedby": described });
    box.addEventListener("change", () => send(box.checked ? "oui" : "non"));
    targets = [box];
    show = (value) => (box.checked = value === true);
    add(wrap, h("div", { class: "answer" }, h("label", { class: "check", for: id }, box, spec.label), clearButton, undoButton), help, status);
    return wrap;
  }
  if (spec.type === "photo") {
    const file = h("input", { type: "file", id, accept: "image/*", capture: "environment", disabled: locked, "aria-describedby": described });
    const preview = h("div", { class: "photo" });
    targets = [file];
    show = (value) => {
      file.value = "";
      if (value) showPhoto(preview, value);
      else clear(preview);
    };
    show(saved);
    file.addEventListener("change", () => {
      const chosen = file.files[0];
      if (!chosen) return;
      say(t("tablette.saisie.envoi"), false);
      enqueue(async () => {
        const view = await api("POST", `/api/inspections/${encodeURIComponent(editor.view().id)}/photo?cle=${encodeURIComponent(keyOf())}`, chosen);
        editor.saved(view);
        return view;
      }).then((view) => {
        saved = valueOf(view) ?? view.photo ?? null;
        if (clearButton) clearButton.hidden = saved === null;
        if (undoButton) undoButton.hidden = true;
        erased = null;
        if (view.photo) showPhoto(preview, view.photo);
        mark(false);
        say(t("tablette.saisie.enregistre"), false);
      }, (e) => refuse(fieldError(e, spec.label), e instanceof ApiError && e.status === 400));
    });
    add(wrap, h("label", { for: id }, spec.label), help, h("div", { class: "answer" }, file, clearButton, undoButton), preview, status);
    return wrap;
  }

  const numeric = ["entier", "decimal", "montant", "pourcentage"].includes(spec.type);
  let input;
  let placeholder = null;
  if (spec.type === "choix") {
    // "— choisir —" stands for no answer; it cannot be picked to clear one.
    placeholder = h("option", { value: "", disabled: saved !== null, selected: saved === null }, t("tablette.saisie.aucun_choix"));
    input = h("select", { id, disabled: locked, "aria-describedby": described }, placeholder,
      (spec.choices || []).map((c) => h("option", { value: c.value, selected: c.value === saved }, c.label)));
  } else if (spec.type === "texte" && spec.long) {
    input = h("textarea", { id, disabled: locked, "aria-describedby": described });
  } else {
    input = h("input", {
      id, type: spec.type === "date" ? "date" : "text", disabled: locked, "aria-describedby": described,
      inputmode: numeric ? (spec.type === "entier" ? "numeric" : "decimal") : undefined, autocomplete: "off",
    });
  }
  targets = [input];
  picked = false;
  // The text last sent, or shown from the node: sent again only once it changes.
  let lastSent = "";
  show = (value) => {
    if (placeholder) placeholder.disabled = value !== null && value !== undefined;
    input.value = inputText(spec, value);
    lastSent = input.value;
  };
  show(saved);
  // What the control holds: a text to send (the node checks it), nothing, or an incomplete or
  // impossible date (the browser's date input then gives an empty value and says badInput).
  const read = () => {
    if (input.validity?.badInput) return { reason: t("tablette.saisie.date_incomplete", { champ: spec.label }) };
    if (input.value.trim() === "") return { empty: true };
    return { text: input.value };
  };
  // Sent when the control is left (or a choice picked, or the page left), and after a pause in
  // typing, so that a dying battery loses at most the last second and a half. A number that
  // ends with a sign or a separator ("1,") is still being typed: it waits for the control to
  // be left, as the node would read it as another number. `final`: the inspector is done with
  // the control; an empty one is then a refusal when there is an answer to keep.
  const unfinished = (text) => numeric && /[-+.,]\s*$/.test(text);
  let timer = null;
  const commit = (final) => {
    clearTimeout(timer);
    timer = null;
    unsent.delete(flush);
    const r = read();
    if (r.text !== undefined) {
      if (r.text === lastSent) return;
      if (!final && unfinished(r.text)) {
        unsent.add(flush);
        return;
      }
      lastSent = r.text;
      send(r.text);
    } else if (refusal === null && r.reason) {
      refuse(r.reason);
    } else if (refusal === null && final && saved !== null) {
      refuse(t("tablette.saisie.vide", { champ: spec.label }));
    }
  };
  const flush = () => commit(true);
  const later = () => {
    clearTimeout(timer);
    unsent.add(flush);
    timer = setTimeout(() => commit(false), 1500);
  };
  const typed = input.tagName === "TEXTAREA" || input.type === "text" || input.type === "date";
  input.addEventListener("input", () => {
    editing();
    if (typed) later();
  });
  // A date input fires "change" at each part typed (with the focus, for a moment, elsewhere):
  // only leaving it is final.
  input.addEventListener("change", () => (input.type === "date" ? later() : commit(true)));
  input.addEventListener("blur", () => {
    commit(true);
    if (refusal !== null && !restored) restore();
  });
  afterRestore = () => {
    clearTimeout(timer);
    timer = null;
    unsent.delete(flush);
  };
  add(wrap, h("label", { for: id }, spec.label), help,
    h("div", { class: "answer" }, unit ? h("div", { class: "with-unit" }, input, h("span", { class: "unit", "aria-hidden": "true" }, unit)) : input, clearButton, undoButton),
    status);
  return wrap;
}

async function showPhoto(el, sha) {
  try {
    const blob = await api("GET", `/api/pieces/${encodeURIComponent(sha)}`);
    add(clear(el), h("img", { src: URL.createObjectURL(blob), alt: t("tablette.saisie.photo_jointe") }));
  } catch (e) {
    add(clear(el), errorNotice(e));
  }
}

// A table item (or one of the canvas's own tables): one block per row, a button to add a
// row (saved with its first value) and one to delete each.
export function tableFor(spec, tableKey, rows, locked) {
  const wrap = h("fieldset", { class: "table", dataset: { table: tableKey } }, h("legend", {}, spec.label));
  if (spec.help) add(wrap, h("p", { class: "help" }, spec.help));
  const list = h("div", {});
  add(wrap, list);
  const addRow = (row) => {
    const block = h("div", { class: "table-row", dataset: { row: row ? row.id : "" } });
    const title = h("p", { class: "muted" });
    const number = () => {
      const ids = editor.view().tables[tableKey].map((r) => r.id);
      const i = ids.indexOf(block.dataset.row);
      return i < 0 ? null : i + 1;
    };
    const renumber = () => {
      const n = number();
      title.textContent = n ? t("tablette.tableau.ligne", { n }) : t("tablette.tableau.nouvelle_ligne");
    };
    block.renumber = renumber;
    add(block, title);
    for (const col of spec.columns) {
      const keyOf = () => {
        const n = number();
        return n ? `${tableKey}[${n}].${col.key}` : `${tableKey}[+].${col.key}`;
      };
      const control = controlFor(col, () => {
        const before = new Set(editor.view().tables[tableKey].map((r) => r.id));
        const k = keyOf();
        if (!block.dataset.row) block.pendingIds = before;
        return k;
      }, (view) => view.tables[tableKey].find((r) => r.id === block.dataset.row)?.cells[col.key] ?? null,
      `${tableKey}-${row ? row.id : "n" + Math.random().toString(36).slice(2, 8)}-${col.key}`, { locked });
      add(block, control);
    }
    if (!locked) {
      const del = h("button", { type: "button", class: "danger" }, t("tablette.tableau.supprimer"));
      del.addEventListener("click", () => {
        if (!block.dataset.row) {
          block.remove();
          return;
        }
        enqueue(async () => {
          const view = await api("POST", `/api/inspections/${encodeURIComponent(editor.view().id)}/supprimer-ligne`, { table: tableKey, position: number() });
          block.remove();
          editor.saved(view);
          announce(t("tablette.tableau.supprimee"));
        }).catch((e) => add(block, errorNotice(e)));
      });
      add(block, del);
    }
    add(list, block);
    renumber();
    return block;
  };
  for (const row of rows) addRow(row);
  if (!locked) {
    const addButton = h("button", { type: "button" }, t("tablette.tableau.ajouter"));
    addButton.addEventListener("click", () => {
      const block = addRow(null);
      block.querySelector("input, select, textarea")?.focus();
    });
    add(wrap, h("div", { class: "row" }, addButton));
  }
  return wrap;
}
