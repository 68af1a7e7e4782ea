// Wrap-up: the agent corrects the current summary and approves it (POST .../approve). The form is
// built from the deployment's section list (GET /sections): free text as text areas, lists as
// rows the agent can add, remove and reorder, enums (the disposition) as a choice of their values.
// Every value is inserted as text, never as HTML (dom.js), and sent back as text.
import { h, replaceChildren } from "./dom.js";
import { humanize } from "./format.js";

let formCount = 0;

export class ApprovalForm {
  /**
   * @param {object} summary the version being reviewed
   * @param {Array<{name: string, type: string, allowed: string[], required: boolean, maxChars: number, maxItems: number}>} specs
   * @param {{onApprove: (sections: object) => Promise<object>, onCancel: () => void, onDone: (approved: object) => void}} actions
   */
  constructor(summary, specs, actions) {
    this.summary = summary;
    this.specs = specs;
    this.actions = actions;
    this.id = `approve-${++formCount}`;
    this.lists = new Map(); // list section name -> its items (strings), edited in place
    this.error = h("div", { class: "form-error", role: "alert", id: `${this.id}-error` });
    this.element = h(
      "form",
      { class: "approve-form", "aria-labelledby": `${this.id}-title`, novalidate: true, onsubmit: (event) => this.#submit(event) },
      h("h4", { id: `${this.id}-title`, class: "subheading" }, `Review version ${summary.version} and approve it`),
      h("p", { class: "muted small" }, "Correct what is wrong, then approve: the approved summary is the call's record."),
      this.specs.map((spec) => this.#field(spec)),
      this.error,
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn--primary approve-submit" }, "Approve"),
        h("button", { type: "button", class: "btn btn--secondary", onclick: () => this.actions.onCancel() }, "Cancel"),
      ),
    );
  }

  focus() {
    this.element.querySelector("textarea, select, input")?.focus();
  }

  #fieldId(name) {
    return `${this.id}-${name}`;
  }

  #field(spec) {
    const value = this.summary.sections?.[spec.name];
    const id = this.#fieldId(spec.name);
    const label = h("label", { for: id, class: "field-label" }, humanize(spec.name), spec.required ? null : h("span", { class: "muted" }, " (optional)"));
    if (spec.type === "enum") {
      const current = typeof value === "string" ? value : "";
      const select = h(
        "select",
        { id, name: spec.name, class: "field-input", "data-section": spec.name },
        spec.allowed.map((option) => h("option", { value: option, selected: option.toLowerCase() === current.toLowerCase() }, option)),
      );
      return h("div", { class: "field" }, label, select);
    }
    if (spec.type === "list") {
      const items = Array.isArray(value) ? value.map(String) : [];
      this.lists.set(spec.name, items);
      const box = h("div", { class: "list-editor", id, role: "group", "aria-labelledby": `${id}-label`, "data-section": spec.name });
      const group = h("div", { class: "field" }, h("p", { class: "field-label", id: `${id}-label` }, humanize(spec.name)), box);
      this.#renderList(spec, box);
      return group;
    }
    const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
    const area = h("textarea", {
      id,
      name: spec.name,
      class: "field-input",
      rows: Math.min(12, Math.max(2, Math.ceil(text.length / 60) + text.split("\n").length)),
      maxlength: spec.maxChars || null,
      "data-section": spec.name,
    });
    area.value = text;
    return h("div", { class: "field" }, label, area);
  }

  #renderList(spec, box, focusIndex = null, focusPart = "input") {
    const items = this.lists.get(spec.name);
    const name = humanize(spec.name).toLowerCase();
    const rows = items.map((item, index) => {
      const inputId = `${this.#fieldId(spec.name)}-${index}`;
      const input = h("input", {
        type: "text",
        id: inputId,
        class: "field-input list-item",
        maxlength: spec.maxChars || null,
        "aria-label": `${humanize(spec.name)} ${index + 1} of ${items.length}`,
        oninput: (event) => {
          items[index] = event.currentTarget.value;
        },
      });
      input.value = item;
      const move = (by, part) => () => {
        const target = index + by;
        [items[index], items[target]] = [items[target], items[index]];
        this.#renderList(spec, box, target, part);
      };
      return h(
        "li",
        { class: "list-row" },
        input,
        h("button", { type: "button", class: "btn btn--small move-up", disabled: index === 0, "aria-label": `Move ${name} ${index + 1} up`, onclick: move(-1, "up") }, "↑"),
        h("button", { type: "button", class: "btn btn--small move-down", disabled: index === items.length - 1, "aria-label": `Move ${name} ${index + 1} down`, onclick: move(1, "down") }, "↓"),
        h(
          "button",
          {
            type: "button",
            class: "btn btn--small remove-item",
            "aria-label": `Remove ${name} ${index + 1}`,
            onclick: () => {
              items.splice(index, 1);
              this.#renderList(spec, box, Math.min(index, items.length - 1));
            },
          },
          "Remove",
        ),
      );
    });
    const full = spec.maxItems && items.length >= spec.maxItems;
    const add = h(
      "button",
      {
        type: "button",
        class: "btn btn--secondary btn--small add-item",
        disabled: full,
        onclick: () => {
          items.push("");
          this.#renderList(spec, box, items.length - 1);
        },
      },
      `Add ${name.replace(/s$/, "")}`,
    );
    replaceChildren(box, rows.length ? h("ol", { class: "list-rows" }, rows) : h("p", { class: "muted small" }, "None."), add);
    if (focusIndex !== null && focusIndex >= 0) {
      const row = box.querySelectorAll(".list-row")[focusIndex];
      const wanted = { up: ".move-up", down: ".move-down" }[focusPart];
      const target = wanted && row?.querySelector(`${wanted}:not([disabled])`);
      (target || row?.querySelector("input"))?.focus();
    } else if (focusIndex !== null) {
      add.focus();
    }
  }

  /** The sections as the agent left them. */
  values() {
    const sections = {};
    for (const spec of this.specs) {
      if (spec.type === "list") {
        sections[spec.name] = this.lists.get(spec.name).map((item) => item.trim()).filter(Boolean);
      } else {
        const input = this.element.querySelector(`[data-section="${spec.name}"]`);
        sections[spec.name] = input ? input.value : "";
      }
    }
    return sections;
  }

  async #submit(event) {
    event.preventDefault();
    const submit = this.element.querySelector(".approve-submit");
    submit.disabled = true;
    replaceChildren(this.error);
    for (const marked of this.element.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    try {
      const approved = await this.actions.onApprove(this.values());
      this.actions.onDone(approved);
    } catch (error) {
      submit.disabled = false;
      this.#showError(error);
    }
  }

  #showError(error) {
    const data = error.data || {};
    if (error.status === 409) {
      const current = data.currentVersion ? ` Version ${data.currentVersion} is the current summary now: review that one.` : "";
      replaceChildren(this.error, h("p", { class: "conflict" }, `This summary was changed meanwhile and cannot be approved.${current}`));
      return;
    }
    if (error.status === 400 && data.field) {
      const input = this.element.querySelector(`[data-section="${data.field}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", this.error.id);
      }
      replaceChildren(this.error, h("p", {}, data.message || `${humanize(data.field)} is not valid`));
      (input?.matches("input, select, textarea") ? input : input?.querySelector("input, button"))?.focus();
      return;
    }
    replaceChildren(this.error, h("p", {}, `The summary could not be approved: ${error.message}`));
  }
}
