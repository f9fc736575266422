/** Tiny DOM helpers. Text always goes in through textContent, never as HTML. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`admin page is missing #${id}`);
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; title?: string; dataset?: Record<string, string> } = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  if (props.title) node.title = props.title;
  for (const [k, v] of Object.entries(props.dataset ?? {})) node.dataset[k] = v;
  for (const child of children) node.append(child);
  return node;
}

/** A table cell labelled for the phone-width card layout. */
export function cell(label: string, content: Node | string, className?: string): HTMLTableCellElement {
  const td = el("td", { className, dataset: { label } });
  td.append(content);
  return td;
}

export function badge(text: string, kind = text): HTMLSpanElement {
  return el("span", { className: `badge ${kind}`, text });
}

export function button(text: string, onClick: () => void, className = "small"): HTMLButtonElement {
  const b = el("button", { text, className });
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${seconds % 60}s`;
}

export function showMessage(text: string, kind: "error" | "info" = "error"): void {
  const box = byId("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
}

export function clearMessage(): void {
  byId("message").hidden = true;
}
