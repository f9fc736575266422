import { apiCall } from "./api.js";
import { badge, button, byId, cell, el, when } from "./dom.js";
import { coreSummary, toKeyRows, type KeyRow } from "./keys-model.js";

/** What the key panel needs from the page: error reporting and a refresh of the other panels. */
export interface KeysViewHooks {
  run(action: () => Promise<void>, success?: string): Promise<void>;
  changed(): Promise<void>;
}

interface NewKeyAnswer {
  api_key?: string;
  key_id?: string;
}

const enc = encodeURIComponent;

export function createKeysView(hooks: KeysViewHooks) {
  const tbody = byId<HTMLTableElement>("keys").tBodies[0]!;
  const newKeyBox = byId("new-key");
  const newKeyValue = byId("new-key-value");

  const showNewKey = (title: string, answer: NewKeyAnswer) => {
    if (!answer.api_key) return;
    byId("new-key-title").textContent = title;
    newKeyValue.textContent = answer.api_key;
    newKeyBox.hidden = false;
  };

  byId("copy-key").addEventListener("click", () => {
    const text = newKeyValue.textContent ?? "";
    const copied = () => (byId("copy-key").textContent = "Copied");
    navigator.clipboard?.writeText(text).then(copied, () => selectText(newKeyValue));
  });
  byId("dismiss-key").addEventListener("click", () => {
    newKeyValue.textContent = "";
    newKeyBox.hidden = true;
    byId("copy-key").textContent = "Copy";
  });

  byId<HTMLFormElement>("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const body: Record<string, unknown> = {};
    const label = String(data.get("label") ?? "").trim();
    if (label) body.label = label;
    for (const name of ["requests_per_minute", "expiration_days"]) {
      const value = String(data.get(name) ?? "").trim();
      if (value) body[name] = Number(value);
    }
    void hooks.run(async () => {
      const answer = await apiCall<NewKeyAnswer>("POST", "/api-keys/generate", body);
      showNewKey(`New key ${answer.key_id ?? ""}`, answer);
      form.reset();
      await hooks.changed();
    }, "Key created");
  });

  const purgeDialog = byId<HTMLDialogElement>("purge-dialog");
  const purgeInput = byId<HTMLInputElement>("purge-confirm");
  const purgeSubmit = byId<HTMLButtonElement>("purge-submit");
  let purgeTarget = "";
  purgeInput.addEventListener(
    "input",
    () => (purgeSubmit.disabled = purgeInput.value.trim() !== purgeTarget),
  );
  byId("purge-cancel").addEventListener("click", () => purgeDialog.close());
  byId<HTMLFormElement>("purge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (purgeInput.value.trim() !== purgeTarget) return;
    const id = purgeTarget;
    purgeDialog.close();
    void hooks.run(async () => {
      await apiCall("DELETE", `/api-keys/${enc(id)}`);
      await hooks.changed();
    }, `Key ${id} purged`);
  });

  const askPurge = (keyId: string) => {
    purgeTarget = keyId;
    byId("purge-id").textContent = keyId;
    purgeInput.value = "";
    purgeSubmit.disabled = true;
    purgeDialog.showModal();
    purgeInput.focus();
  };

  const act = (keyId: string, verb: "rotate" | "revoke" | "restore") =>
    void hooks.run(
      async () => {
        const answer = await apiCall<NewKeyAnswer>("POST", `/api-keys/${enc(keyId)}/${verb}`);
        if (verb === "rotate") showNewKey(`Rotated key ${keyId}`, answer);
        await hooks.changed();
      },
      `Key ${keyId}: ${verb === "rotate" ? "rotated" : verb === "revoke" ? "revoked" : "restored"}`,
    );

  const actionsFor = (row: KeyRow): HTMLElement[] => {
    if (row.isAdmin) return [el("span", { className: "muted", text: "admin key" })];
    const out: HTMLElement[] = [];
    if (row.status !== "revoked") {
      out.push(button("Rotate", () => act(row.keyId, "rotate")));
      out.push(button("Revoke", () => act(row.keyId, "revoke"), "small secondary"));
    } else {
      out.push(button("Restore", () => act(row.keyId, "restore")));
    }
    out.push(button("Purge", () => askPurge(row.keyId), "small danger"));
    return out;
  };

  const render = (rows: KeyRow[]) => {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const td = el("td", { className: "empty", text: "No API keys yet: create one above." });
      td.colSpan = 10;
      tbody.append(el("tr", {}, [td]));
      return;
    }
    for (const row of rows) {
      const core = coreSummary(row.core);
      const tr = el("tr", { dataset: { keyId: row.keyId } });
      const actions = cell("Actions", "", "actions");
      actions.replaceChildren(...actionsFor(row));
      tr.append(
        cell("Key id", el("code", { text: row.keyId })),
        cell("Label", row.label ?? "—"),
        cell("Status", badge(row.status)),
        cell("Created", when(row.createdAt)),
        cell("Expires", when(row.expiresAt)),
        cell("Last used", when(row.lastUsed)),
        cell("Requests", row.totalRequests === null ? "—" : String(row.totalRequests)),
        cell("Rate limit", row.rateLimit === null ? "—" : `${row.rateLimit}/min`),
        cell("Core", badge(core.text, core.kind)),
        actions,
      );
      tbody.append(tr);
    }
  };

  // Asks the Gateway whether each registered Core answers; a Gateway without the check (404)
  // or a failed check leaves the cell at "registered".
  const checkCores = async (rows: KeyRow[]) => {
    await Promise.all(
      rows
        .filter((r) => r.core.registered)
        .map(async (r) => {
          try {
            const status = await apiCall<{ answering: boolean | null; detail?: string }>(
              "GET",
              `/admin/api/cores/${enc(r.keyId)}`,
            );
            const core = coreSummary({ ...r.core, answering: status.answering });
            const cellNode = tbody.querySelector(
              `tr[data-key-id="${CSS.escape(r.keyId)}"] td[data-label="Core"]`,
            );
            cellNode?.replaceChildren(badge(core.text, core.kind));
            if (status.detail && cellNode) (cellNode as HTMLElement).title = status.detail;
          } catch {
            // keep "registered"
          }
        }),
    );
  };

  return {
    async load(): Promise<void> {
      const rows = toKeyRows(await apiCall<unknown>("GET", "/api-keys"), Date.now());
      render(rows);
      void checkCores(rows);
    },
  };
}

function selectText(node: HTMLElement): void {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}
